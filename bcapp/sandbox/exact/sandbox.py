"""ExactSandbox: one Exact Online user with several divisions, as a WSGI app."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import httpx
from flask import Flask, Response, redirect, request

from bcapp.sandbox.bigcommerce.clock import SandboxClock
from bcapp.sandbox.exact import odata, webhooks
from bcapp.sandbox.exact.api import Answer, error_body, handle_api
from bcapp.sandbox.exact.limits import ERROR_STATUSES, ErrorBlock, RateLimits
from bcapp.sandbox.exact.oauth import App, TokenServer
from bcapp.sandbox.exact.seed import Division

SITE = "https://start.exactonline.nl"
DIVISION_PATH = re.compile(r"^(?P<division>\d+|current)/(?P<resource>.+)$")
KEY_SUFFIX = re.compile(r"\(.*\)$")


class ExactSandbox:
    """A simulated Exact Online (see the package docstring for the public API)."""

    def __init__(
        self,
        divisions: Sequence[int] = (1234567, 7654321),
        *,
        per_minute: int = 60,
        per_day: int = 5000,
        speed: float = 1.0,
        start: float | None = None,
        client_id: str = "0b7f9c7e-5d1a-4c2b-9e3f-6a8d1c2b3e4f",
        client_secret: str = "sandbox-client-secret",
        redirect_uri: str = "https://bcapp.example/exact/callback",
        webhook_secret: str = "sandbox-webhook-secret",
    ) -> None:
        self.clock = SandboxClock(speed=speed, start=start)
        self.app = App(client_id, client_secret, redirect_uri, webhook_secret)
        self.oauth = TokenServer(self.app, self.clock)
        self.divisions = {code: Division(code, self.clock) for code in divisions}
        self.current_division = divisions[0]
        self.limits = {code: RateLimits.create(per_minute, per_day) for code in divisions}
        self.blocks = {code: ErrorBlock() for code in divisions}
        self.mandatory_filtering = True
        #: Page sizes by view kind ("crud", "sync", "bulk") instead of Exact's 60 and 1,000.
        self.page_sizes: dict[str, int] = {}
        self.requests: list[dict[str, Any]] = []
        self.latency = 0.0
        self.user = {
            "UserID": "5f1c3a9e-2b7d-4e8f-a1c6-0d9e8f7a6b5c",
            "FullName": "Anna de Vries",
            "Email": "anna@example.nl",
            "UserName": "anna@example.nl",
            "LanguageCode": "nl-NL",
        }
        self._faults: deque[Any] = deque()
        self._lock = threading.RLock()
        self.wsgi_app = self._build_app()

    # -- wiring -------------------------------------------------------------------------

    def division(self, code: int | None = None) -> Division:
        """A division's data and seed helpers (the current division by default)."""
        return self.divisions[code or self.current_division]

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport into this sandbox (honours injected timeouts)."""
        return _SandboxTransport(self)

    def advance(self, seconds: float) -> None:
        """Move the simulated clock on (token lifetimes, rate windows, the error hour)."""
        self.clock.advance(seconds)

    def authorize(self, redirect_uri: str | None = None) -> str:
        """The merchant consents: an authorisation code for the registered redirect URL."""
        with self._lock:
            return self.oauth.authorize(redirect_uri or self.app.redirect_uri)

    def issue_tokens(self) -> dict[str, Any]:
        """A token answer as if the code exchange had happened (tests that skip OAuth)."""
        code = self.authorize()
        status, body = self.oauth.token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.app.redirect_uri,
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
            }
        )
        assert status == 200, body
        return body

    # -- faults -------------------------------------------------------------------------

    def fail_next(self, status: int | str = 500, times: int = 1) -> None:
        """The next ``times`` API calls answer ``status`` (429, 500, 503) or time out."""
        with self._lock:
            self._faults.extend([status] * times)

    def reject_next_write(self, message: str) -> None:
        """The next POST/PUT fails as Exact refuses data: 400 with ``message``."""
        with self._lock:
            self._faults.append(("reject", message))

    def pop_fault(self, method: str) -> Any:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if isinstance(fault, tuple) and method not in {"POST", "PUT"}:
                return None
            return self._faults.popleft()

    # -- webhooks -----------------------------------------------------------------------

    def deliver_webhooks(
        self, transport: httpx.BaseTransport | None = None
    ) -> list[webhooks.Delivery]:
        """Send the queued events: signed bodies, POSTed through ``transport`` when given."""
        with self._lock:
            pending = [
                pair
                for div in self.divisions.values()
                for pair in webhooks.deliveries(
                    div, self.app.client_id, self.app.webhook_secret, SITE
                )
            ]
        out = []
        for url, body in pending:
            status = webhooks.post(url, body, transport) if transport is not None else None
            out.append(webhooks.Delivery(url, body, status))
        return out

    # -- HTTP ---------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("exact_sandbox")

        @app.get("/api/oauth2/auth")
        def authorize() -> Any:
            return self._authorize_page()

        @app.post("/api/oauth2/token")
        def token() -> Response:
            self._log("POST", "oauth2/token", None, {})
            if self.latency:
                time.sleep(self.latency)
            with self._lock:
                status, body = self.oauth.token(request.form.to_dict())
            return _json(body, status)

        @app.route("/api/v1/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
        def api(rest: str) -> Response:
            return self._api(rest)

        return app

    def _authorize_page(self) -> Any:
        args = request.args
        if args.get("client_id") != self.app.client_id:
            return Response("Unknown client_id", status=400, content_type="text/plain")
        try:
            code = self.authorize(args.get("redirect_uri") or "")
        except ValueError as exc:
            return Response(str(exc), status=400, content_type="text/plain")
        query = {"code": code, **({"state": args["state"]} if "state" in args else {})}
        return redirect(f"{args['redirect_uri']}?{urlencode(query)}")

    def _api(self, rest: str) -> Response:
        match = DIVISION_PATH.match(rest)
        body = request.get_json(silent=True)
        if match is None:
            return _json(error_body(f"Resource not found for the segment '{rest}'."), 404)
        code = match["division"]
        division = self.current_division if code == "current" else int(code)
        resource = match["resource"] if code != "current" else f"current/{match['resource']}"
        entry = self._log(request.method, resource, division, body)
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            now = self.clock.now()
            entry["time"] = now  # when the limits counted it (after the latency and the lock)
            answer = self._answer(division, resource, body, now)
        entry["status"] = answer.status
        return _json(answer.body, answer.status, answer.headers)

    def _answer(self, division: int, resource: str, body: Any, now: float) -> Answer:
        endpoint = KEY_SUFFIX.sub("", resource).lower()
        blocks = self.blocks.get(division)
        if not self.oauth.valid_access(_bearer()):
            if blocks is not None:
                blocks.record(endpoint, now)
            return Answer(401, error_body("Access token is invalid or expired."))
        if division not in self.divisions or blocks is None:
            return Answer(403, error_body(f"You have no access to division {division}."))
        wait = blocks.blocked(endpoint, now)
        if wait:
            text = f"Too many errors on this endpoint: blocked for {int(wait) + 1} more seconds."
            return Answer(429, error_body(text))
        allowed, headers = self.limits[division].take(now)
        if not allowed:
            return Answer(429, error_body("API rate limit exceeded."), headers)
        answer = self._fault(request.method) or handle_api(self, division, resource, body)
        if answer.status in ERROR_STATUSES:
            blocks.record(endpoint, now)
        return Answer(answer.status, answer.body, {**headers, **answer.headers})

    def _fault(self, method: str) -> Answer | None:
        fault = self.pop_fault(method)
        if fault is None:
            return None
        if isinstance(fault, tuple):
            return Answer(400, error_body(fault[1]))
        status = 504 if fault == "timeout" else int(fault)
        return Answer(status, error_body(f"Simulated failure (HTTP {status})."))

    def _log(self, method: str, path: str, division: int | None, body: Any) -> dict[str, Any]:
        entry = {
            "method": method,
            "path": path,
            "division": division,
            "params": dict(request.args),
            "body": body,
            "status": None,
            "time": self.clock.now(),
        }
        with self._lock:
            self.requests.append(entry)
        return entry

    def api_calls(self) -> list[dict[str, Any]]:
        """The logged API requests (token calls excluded)."""
        return [r for r in self.requests if r["division"] is not None]


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:] if header.lower().startswith("bearer ") else ""


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if body is None:
        return Response(status=status, headers=headers)
    return Response(
        odata.dumps(body),
        status=status,
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


class _SandboxTransport(httpx.BaseTransport):
    """WSGITransport into the sandbox that turns a queued "timeout" into httpx.ReadTimeout."""

    def __init__(self, sandbox: ExactSandbox) -> None:
        self.sandbox = sandbox
        self.inner = httpx.WSGITransport(app=sandbox.wsgi_app)

    def handle_request(self, req: httpx.Request) -> httpx.Response:
        with self.sandbox._lock:
            faults = self.sandbox._faults
            timeout = bool(faults) and faults[0] == "timeout" and "/api/v1/" in req.url.path
            if timeout:
                faults.popleft()
        if timeout:
            raise httpx.ReadTimeout("sandbox: injected timeout", request=req)
        return self.inner.handle_request(req)
