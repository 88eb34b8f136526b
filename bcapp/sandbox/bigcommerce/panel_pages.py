"""HTML of the sandbox control panel (Jinja templates as strings, no I/O)."""

LAYOUT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ title }} · BigCommerce sandbox</title>
<style>
body{margin:0;font-family:system-ui,sans-serif;color:#313440;background:#f5f7fa}
header{background:#34313f;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:center}
header a{color:#fff}
main{padding:16px 20px}
.bar{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:12px}
button,.btn{background:#3c64f4;color:#fff;border:0;border-radius:4px;padding:6px 12px;
  cursor:pointer;text-decoration:none;font-size:14px}
.secondary{background:#5e637a}.danger{background:#cc3a3a}
form{display:inline}
iframe{border:1px solid #d9dce9;background:#fff;width:100%;height:70vh}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #d9dce9;padding:4px 8px}
.flash{background:#fff6d6;padding:6px 10px;border-radius:4px;margin-bottom:8px}
</style></head><body>
<header><strong>BigCommerce sandbox</strong><a href="{{ root }}/manage/">Stores</a>
{% if store %}<span>Store {{ store.hash }} · {{ store.plan }}</span>{% endif %}</header>
<main>{% for message in flashes %}<div class="flash">{{ message }}</div>{% endfor %}
{{ body|safe }}</main></body></html>"""

INDEX = """<h1>Stores</h1>
<ul>{% for s in stores %}<li><a href="{{ root }}/manage/store/{{ s.hash }}">{{ s.hash }}</a>
 ({{ s.plan }}, {{ 'installed' if s.installed else 'not installed' }})</li>{% endfor %}</ul>
<form method="post" action="{{ root }}/manage/stores">
<input name="store_hash" placeholder="store hash" pattern="[a-z0-9]{1,32}" required>
<select name="plan"><option>standard</option><option>plus</option><option>pro</option>
<option>unlimited</option></select>
<label><input type="checkbox" name="seed" checked> seed data</label>
<button>Create store</button></form>"""

STORE = """<div class="bar">
<span>Acting user:</span>
{% for u in users %}<a class="btn {{ '' if u.id == user_id else 'secondary' }}"
 href="?user={{ u.id }}">{{ u.username }} ({{ u.email }})</a>{% endfor %}
</div>
<div class="bar">
<a class="btn" id="install" href="?user={{ user_id }}&view=install">Install</a>
<a class="btn" id="open" href="?user={{ user_id }}&view=load">Open app</a>
<form method="post" action="{{ root }}/manage/store/{{ store.hash }}/uninstall">
<button class="danger" id="uninstall">Uninstall</button></form>
<form method="post"
 action="{{ root }}/manage/store/{{ store.hash }}/remove-user?user={{ user_id }}">
<button class="secondary" id="remove-user">Remove this user</button></form>
<form method="post" action="{{ root }}/manage/store/{{ store.hash }}/orders?user={{ user_id }}">
<button class="secondary" id="place-order">Place a test order</button>
<button class="secondary" id="place-order-unknown" name="unknown_sku" value="1"
 title="One line has a SKU the ERP does not know: see the import error and Retry">
with an unknown SKU</button></form>
<form method="post" action="{{ root }}/manage/store/{{ store.hash }}/deliver?user={{ user_id }}">
<button class="secondary" id="deliver">Deliver webhooks now</button></form>
<a class="btn secondary" href="{{ root }}/manage/store/{{ store.hash }}/products">Products</a>
<a class="btn secondary" href="{{ root }}/manage/store/{{ store.hash }}/orders">Orders</a>
<span>{{ 'Installed' if store.installed else 'Not installed' }} · {{ hooks }} hooks ·
{{ pending }} deliveries pending</span>
</div>
{% if src %}<iframe id="app" name="app" title="App" src="{{ src }}"></iframe>
{% else %}<p>Install the app, or open it if it is installed.</p>{% endif %}"""

PRODUCTS = """<h1>Products</h1><table><tr><th>id</th><th>name</th><th>sku</th><th>price</th>
<th>stock</th><th>variants</th></tr>
{% for p in products %}<tr><td>{{ p.id }}</td><td>{{ p.name }}</td><td>{{ p.sku }}</td>
<td>{{ p.price }}</td><td>{{ p.inventory_level }}</td><td>{{ p.variants|length }}</td></tr>
{% endfor %}</table>"""

ORDERS = """<h1>Orders</h1><table><tr><th>id</th><th>status</th><th>customer</th><th>total</th>
<th>payment</th><th></th></tr>
{% for o in orders %}<tr><td>{{ o.id }}</td><td>{{ o.status }}</td>
<td>{{ o.billing_address.first_name }} {{ o.billing_address.last_name }}</td>
<td>{{ o.total_inc_tax }}</td><td>{{ o.payment_method }}</td>
<td>{% if o.status_id in shippable %}<form method="post"
 action="{{ root }}/manage/store/{{ store.hash }}/orders/{{ o.id }}/ship">
<button>Ship</button></form>{% endif %}</td></tr>{% endfor %}</table>"""
