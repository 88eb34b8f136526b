"""The sandbox: stores, tokens and one WSGI app for the API, login and control panel.

``BigCommerceSandbox.wsgi_app`` serves ``/stores/{hash}/v2|v3/...`` (the
REST API, X-Auth-Token auth, per-store rate limits), ``POST /oauth2/token``
(the login service) and ``/manage/`` (the control panel, HTML).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterable
from typing import Any

import httpx
from werkzeug.wrappers import Request, Response

from bcapp.sandbox.bigcommerce.clock import SandboxClock
from bcapp.sandbox.bigcommerce.concurrency import InFlight, rule_for
from bcapp.sandbox.bigcommerce.errors import ApiError
from bcapp.sandbox.bigcommerce.login import DEFAULT_SCOPE
from bcapp.sandbox.bigcommerce.router import Call, Reply, Router
from bcapp.sandbox.bigcommerce.state import SandboxStore

API_PATH = re.compile(r"^/stores/(?P<hash>[A-Za-z0-9]+)(?P<path>/(?P<version>v2|v3)/.*?)/?$")
TIMEOUT_HEADER = "X-Sandbox-Timeout"
log = logging.getLogger(__name__)


def _all_routes() -> list[Any]:
    from bcapp.sandbox.bigcommerce import (
        brands,
        catalog,
        customer_groups,
        customers,
        hooks,
        inventory,
        media,
        options,
        order_create,
        orders,
        pricelists,
        refunds,
        shipments,
        store_settings,
        taxonomy,
    )

    modules = (catalog, options, media, brands, taxonomy, inventory, customers, orders, shipments)
    modules += (order_create, refunds, hooks, store_settings, customer_groups, pricelists)  # type: ignore[assignment]
    return [route for module in modules for route in module.ROUTES]


class BigCommerceSandbox:
    """A stateful, thread-safe BigCommerce stand-in for tests and the demo."""

    def __init__(
        self,
        client_id: str = "sandbox-client",
        client_secret: str = "sandbox-secret",
        *,
        clock: SandboxClock | None = None,
        app_url: str = "",
        webhook_timeout: float = 5.0,
        timeout_delay: float = 0.0,
        allow_http_hooks: bool = False,
        app_transport: httpx.BaseTransport | None = None,
        scope: str = "",
        latency: float = 0.0,
    ) -> None:
        """Args:
        client_id, client_secret: the app's credentials (sign JWTs and webhooks).
        clock: simulated time; ``SandboxClock(speed=0)`` freezes it for tests.
        app_url: the app's base URL (install/load targets, uninstall callbacks).
        webhook_timeout: seconds after which a delivery counts as failed.
        timeout_delay: real seconds a simulated timeout stalls (demo over HTTP).
        allow_http_hooks: accept ``http://`` hook destinations (the demo).
        app_transport: httpx transport for server-side calls to the app.
        scope: the scopes granted at install.
        latency: seconds on the sandbox clock from a request's arrival (where the quota
            counts it) to its answer; the request is in flight meanwhile, for the
            endpoints' concurrency limits (see ``concurrency.py``).
        """
        self.client_id = client_id
        self.client_secret = client_secret
        self.clients: dict[str, str] = {client_id: client_secret}
        self.clock = clock or SandboxClock()
        self.app_url = app_url.rstrip("/")
        self.webhook_timeout = webhook_timeout
        self.timeout_delay = timeout_delay
        self.allow_http_hooks = allow_http_hooks
        self.app_transport = app_transport
        self.scope = scope or DEFAULT_SCOPE
        self.latency = latency
        self.in_flight = InFlight()
        self.lock = threading.RLock()
        self.stores: dict[str, SandboxStore] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.callbacks: list[dict[str, Any]] = []
        self.blocked_domains: dict[tuple[str, str], dict[str, Any]] = {}
        self.delivery_log: dict[tuple[str, str], list[tuple[float, bool]]] = {}
        self._tokens: dict[str, str] = {}
        self._router = Router(_all_routes())
        self._panel: Any = None

    # -- stores and clients --------------------------------------------------
    def create_store(
        self,
        store_hash: str,
        plan: str = "standard",
        *,
        quota: int | None = None,
        installed: bool = True,
    ) -> SandboxStore:
        """A new store; ``installed=True`` gives the app's client a token at once."""
        with self.lock:
            if store_hash in self.stores:
                raise ValueError(f"store {store_hash} exists")
            store = SandboxStore(self, store_hash, plan, quota, 1_000_000 + len(self.stores))
            self.stores[store_hash] = store
            if installed:
                store.installed = True
                store.issue_token(self.client_id)
            return store

    def store(self, store_hash: str) -> SandboxStore:
        """The store with ``store_hash`` (KeyError when unknown)."""
        return self.stores[store_hash]

    def register_client(self, client_id: str, client_secret: str) -> None:
        """Another app (its hooks are invisible to ours; it shares the store's quota)."""
        with self.lock:
            self.clients[client_id] = client_secret

    def register_token(self, token: str, store_hash: str) -> None:
        self._tokens[token] = store_hash

    def revoke_token(self, token: str) -> None:
        """Forget a token on every index."""
        store_hash = self._tokens.pop(token, None)
        if store_hash and store_hash in self.stores:
            self.stores[store_hash].tokens.pop(token, None)

    def seed(self, store: SandboxStore, **counts: int) -> dict[str, list[int]]:
        """Fill ``store`` with a deterministic catalog, customers and orders (see seed.py)."""
        from bcapp.sandbox.bigcommerce.seed import seed_store

        with self.lock:
            return seed_store(store, **counts)

    def deliver_webhooks(self, transport: httpx.BaseTransport | None = None) -> int:
        """Attempt every due webhook delivery; returns how many were attempted."""
        from bcapp.sandbox.bigcommerce.webhooks import deliver_due

        return deliver_due(self, transport)

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport into this sandbox that turns injected timeouts into timeouts."""
        return SandboxTransport(self)

    # -- WSGI ------------------------------------------------------------------
    def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """One WSGI entry point for API, login service and control panel."""
        path = environ.get("PATH_INFO", "")
        if path.startswith("/manage") or path == "/":
            return self._control_panel()(environ, start_response)
        request = Request(environ)
        if path.rstrip("/") == "/oauth2/token":
            from bcapp.sandbox.bigcommerce.login import token_endpoint

            response = token_endpoint(self, request)
        else:
            response = self._api(request)
        return response(environ, start_response)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def _control_panel(self) -> Any:
        if self._panel is None:
            from bcapp.sandbox.bigcommerce.panel import create_panel

            self._panel = create_panel(self)
        return self._panel

    def _api(self, request: Request) -> Response:
        match = API_PATH.match(request.path)
        if not match:
            return _json_response(404, ApiError(404, "Not found.").body("v3"))
        version = match["version"]
        rule = rule_for(request.method, version, match["path"][len(version) + 1 :])
        response, entered = self._serve(request, match, rule)
        try:
            self.clock.sleep(self.latency)  # the answer is on its way: still in flight
        finally:
            if entered:
                self.in_flight.leave(match["hash"], rule)
        return response

    def _serve(
        self, request: Request, match: re.Match[str], rule: int | None
    ) -> tuple[Response, bool]:
        """Answer one API request; also whether it was counted in flight."""
        version = match["version"]
        rate: dict[str, str] = {}
        entered = False
        try:
            with self.lock:
                store, client_id = self._authenticate(match["hash"], request)
                rate = self._take_quota(store)
                entered = self._enter(store, rule, rate)
                failure = store.failures.pop(0) if store.failures else None
                if failure is None:
                    reply = self._dispatch(store, client_id, version, match["path"], request)
        except ApiError as exc:
            return _json_response(exc.status, exc.body(version), {**rate, **exc.headers}), entered
        if failure is not None:
            return self._failure_response(failure, version, rate), entered
        return _json_response(reply.status, reply.body, {**rate, **reply.headers}), entered

    def _enter(self, store: SandboxStore, rule: int | None, rate: dict[str, str]) -> bool:
        """Count the request in flight, or refuse it: its endpoint's concurrency limit is reached.

        BigCommerce answers 429 while the window still has requests left (the
        headers say how many), which tells it from a spent quota.
        """
        if not self.in_flight.enter(store.hash, rule):
            raise ApiError(
                429,
                "Too many concurrent requests to this endpoint; wait for the previous one.",
                headers=rate,
            )
        return True

    def _authenticate(self, store_hash: str, request: Request) -> tuple[SandboxStore, str]:
        store = self.stores.get(store_hash)
        token = request.headers.get("X-Auth-Token", "")
        owner_hash = self._tokens.get(token)
        if store is None:
            raise ApiError(404, f"Store {store_hash} was not found.")
        if not token or owner_hash is None:
            raise ApiError(401, "No valid X-Auth-Token was found in this request.")
        if owner_hash != store_hash:
            raise ApiError(403, "This token is not authorized for this store.")
        return store, store.tokens[token]

    def _take_quota(self, store: SandboxStore) -> dict[str, str]:
        now = self.clock.now()
        allowed = store.rate.take(now)
        headers = store.rate.headers(now)
        if not allowed:
            raise ApiError(
                429, "Too many requests: the store's rate limit is spent.", headers=headers
            )
        return headers

    def _dispatch(
        self,
        store: SandboxStore,
        client_id: str,
        version: str,
        path: str,
        request: Request,
    ) -> Reply:
        handler, params = self._router.match(request.method, path)
        call = Call(
            store=store,
            client_id=client_id,
            version=version,
            method=request.method,
            params=params,
            query=request.args,
            raw_body=request.get_data(),
        )
        try:
            return handler(call)
        except (TypeError, AttributeError, ValueError) as exc:
            if request.method == "GET":
                raise
            # a body of the wrong shape: v3 answers 422, v2 400; logged in case the bug is ours
            status = 400 if version == "v2" else 422
            log.warning("sandbox: %s %s refused as %d: %r", request.method, path, status, exc)
            raise ApiError(status, "The request body has a value of the wrong type.") from exc

    def _failure_response(self, failure: Any, version: str, rate: dict[str, str]) -> Response:
        if failure.timeout:
            if self.timeout_delay:
                time.sleep(self.timeout_delay)
            error = ApiError(504, "Gateway timeout (simulated).")
            return _json_response(504, error.body(version), {**rate, TIMEOUT_HEADER: "1"})
        error = ApiError(failure.status, "Internal server error (simulated).")
        return _json_response(failure.status, error.body(version), rate)


def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    if body is None or status == 204:
        response = Response(status=status)
    else:
        response = Response(json.dumps(body), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class SandboxTransport(httpx.WSGITransport):
    """WSGITransport that raises ``httpx.ReadTimeout`` where the sandbox simulated one."""

    def __init__(self, sandbox: BigCommerceSandbox) -> None:
        super().__init__(app=sandbox.wsgi_app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if response.headers.get(TIMEOUT_HEADER):
            raise httpx.ReadTimeout("simulated timeout", request=request)
        return response
