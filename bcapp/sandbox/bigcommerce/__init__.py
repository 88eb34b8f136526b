"""A faithful, stateful BigCommerce simulator: REST API, login service, control panel.

Tests mount ``BigCommerceSandbox.wsgi_app`` into httpx with ``WSGITransport``;
the demo serves the same app on a localhost port::

    sb = BigCommerceSandbox(client_id="...", client_secret="...", clock=SandboxClock(speed=0))
    store = sb.create_store("abc123", plan="standard")
    client = httpx.Client(transport=httpx.WSGITransport(app=sb.wsgi_app),
                          base_url="https://api.bigcommerce.com",
                          headers={"X-Auth-Token": store.access_token})
"""

from bcapp.sandbox.bigcommerce.app import BigCommerceSandbox, SandboxTransport
from bcapp.sandbox.bigcommerce.clock import SandboxClock
from bcapp.sandbox.bigcommerce.state import SandboxStore

__all__ = ["BigCommerceSandbox", "SandboxClock", "SandboxStore", "SandboxTransport"]
