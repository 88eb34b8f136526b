"""A faithful, stateful BigCommerce simulator: REST API, login service, control panel.

One WSGI app (``BigCommerceSandbox.wsgi_app``) serves ``/stores/{hash}/v2|v3/...``
(X-Auth-Token auth, per-store rate limits, BigCommerce's error shapes and paging),
``POST /oauth2/token`` and the ``/manage/`` control panel. Tests mount it into httpx
with ``WSGITransport``; the demo serves it on a localhost port::

    sb = BigCommerceSandbox(client_id="...", client_secret="...",
                            clock=SandboxClock(speed=0), app_url="https://app.example.com")
    store = sb.create_store("abc123", plan="standard")  # standard/plus/pro/enterprise/unlimited
    api = httpx.Client(transport=httpx.WSGITransport(app=sb.wsgi_app),
                       base_url="https://api.bigcommerce.com/stores/abc123",
                       headers={"X-Auth-Token": store.access_token})
    sb.seed(store, products=12, customers=8, orders=10)   # deterministic (seed=42)
    sb.clock.advance(30)                                   # rate windows, retries, code expiry
    store.consume_quota(100); store.fail_next(2, status=503); store.fail_next(timeout=True)
    sb.transport()                                         # WSGITransport raising ReadTimeout
    sb.deliver_webhooks(httpx.WSGITransport(app=flask_app))  # -> attempts made
    store.events, store.deliveries, store.notices          # what happened, for assertions

Modules: ``app`` (dispatch, auth, quota), ``router``, ``errors``, ``ratelimit``, ``clock``,
``state`` (the store and its indexes), ``catalog``/``options``/``media``/``brands``/
``taxonomy`` (catalog v3), ``stock`` and ``inventory``, ``customers``, ``orders``/
``order_create``/``shipments``/``refunds``/``checkout`` (orders), ``hooks`` (API) and
``webhooks`` (events, signing, retries), ``login``, ``control_panel``/``panel_actions``/
``panel_pages``, ``seed``, ``storeinfo``.
"""

from bcapp.sandbox.bigcommerce.app import BigCommerceSandbox, SandboxTransport
from bcapp.sandbox.bigcommerce.clock import SandboxClock
from bcapp.sandbox.bigcommerce.state import SandboxStore

__all__ = ["BigCommerceSandbox", "SandboxClock", "SandboxStore", "SandboxTransport"]
