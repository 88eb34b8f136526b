"""A stateful Exact Online simulator (one user, several divisions), as a WSGI app.

Behaves like Exact's REST API where bcapp depends on it (facts and the choices we
made where Exact is silent: bcapp/connectors/exact/README.md):

* OAuth2 at ``/api/oauth2/auth`` and ``/api/oauth2/token``: 3-minute single-use
  codes, 600 s access tokens, rotating refresh tokens ("Old refresh token used."),
  no new access token within 570 s of the last, refresh tokens idle 30 days expire.
* ``/api/v1/current/Me`` (``CurrentDivision``), ``/api/v1/{division}/system/Divisions``.
* OData v2 JSON, ``$filter``/``$select``/``$top``/``$expand``/``$skiptoken`` with
  ``__next`` paging: 60 rows a page on CRUD endpoints, 1,000 on ``sync/`` and
  ``bulk/``; "Please add a $select or a $top=1 statement to the query string.";
  mandatory filtering on CRUD/bulk endpoints of entities with a sync API.
* Entities: logistics/Items, ItemGroups, SalesItemPrices, inventory/Warehouses,
  ItemWarehouses, read/logistics/StockPosition, crm/Accounts, Contacts, Addresses,
  salesorder/SalesOrders (+ SalesOrderLines), GoodsDeliveries (+ lines),
  salesinvoice/SalesInvoices (+ lines, credit invoices), vat/VATCodes,
  webhooks/WebhookSubscriptions; sync/… (Timestamp-ordered, ``Timestamp gt nL``) and
  bulk/… views (see ``views.py``), ``sync/Deleted``.
* Request bodies validated against ``../shared/erp-specs/exact/meta-data.json`` when
  present (a compact built-in schema otherwise): unknown field, wrong type or
  read-only field → 400 in Exact's error shape.
* ``X-RateLimit-*`` headers (resets in epoch ms) and 429s per division (60 a minute,
  5,000 a day); 10 errors on one endpoint within an hour block it for an hour.
* Webhook deliveries signed with HashCode (HMAC-SHA256 of the ``Content`` text).

Public API::

    sb = ExactSandbox(divisions=(1234567, 7654321), per_minute=60, per_day=5000,
                      speed=1.0, start=None)  # speed=0 freezes the simulated clock
    sb.wsgi_app; sb.transport()        # serve it, or mount it into httpx
    sb.app                             # client_id, client_secret, redirect_uri, webhook_secret
    sb.authorize() -> code; sb.issue_tokens() -> token answer (skips the OAuth dance)
    sb.oauth.refreshes; sb.oauth.revoke()
    sb.clock.now(); sb.advance(seconds)
    div = sb.division(code=None)       # the current division by default
    div.add_item(code, description, price=, group=, stock=qty | {warehouse: qty}, vat_code=,
                 barcode=, webshop=, **exact_fields) -> item ID
    div.seed_items(n, stock=10, groups=3) -> ["I00001", ...]
    div.touch_item(code, **changes); div.set_price(code, price); div.delete_item(code)
    div.set_stock(code, on_hand, warehouse="1", planned_out=None, planned_in=None)
    div.add_item_group(code, description); div.add_warehouse(code, description)
    div.add_account(name, email, **exact_fields) -> account ID
    div.add_sales_order(account_id, reference, [(item code, qty)]) -> order row
    div.add_goods_delivery(order number | YourRef, [(item code, qty)] | None, tracking=)
    div.add_credit_invoice(order number | YourRef, [(item code, qty, net price)])
    div.tables / div.find(entity, **match) / div.order(number | YourRef)
    sb.fail_next(429 | 500 | 503 | "timeout", times=1); sb.reject_next_write(message)
    sb.latency = 0.05                  # seconds added to every call, tokens too (real time)
    sb.mandatory_filtering = True
    sb.page_sizes = {"sync": 4}        # smaller pages than Exact's (contract tests page through)
    sb.deliver_webhooks(transport=None) -> [Delivery(url, body, status)]
    sb.requests; sb.api_calls()        # every request received (method, path, status, ...)
    sb.limits[division]; sb.blocks[division]

Run standalone: ``python -m bcapp.sandbox.exact [port]`` serves a seeded sandbox.
"""

from bcapp.sandbox.exact.sandbox import ExactSandbox
from bcapp.sandbox.exact.webhooks import Delivery

__all__ = ["Delivery", "ExactSandbox"]
