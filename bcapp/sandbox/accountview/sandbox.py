"""AccountViewSandbox: a stateful AccountView.net (OAuth2 + REST v3) as a WSGI app."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import httpx
from flask import Flask, Response, request

from bcapp.connectors.accountview import facts
from bcapp.sandbox.accountview import query, spec
from bcapp.sandbox.accountview.oauth import Grant, OAuthServer
from bcapp.sandbox.accountview.rules import Writer
from bcapp.sandbox.accountview.seeding import Seeding
from bcapp.sandbox.accountview.store import (
    BUSINESS_OBJECTS,
    Clock,
    Company,
    Row,
    jsonable,
    reference_data,
)
from bcapp.sandbox.accountview.writes import Refused, parse

SANDBOX_URL = "https://accountview.sandbox.invalid"  # .invalid: never resolves without transport
DEFAULT_REDIRECT = "https://bcapp.example.com/accountview/callback"
NOT_FOUND = "No HTTP resource was found that matches the request URI."


class AccountViewSandbox(Seeding):
    """A simulated AccountView.net (see the package docstring for the API)."""

    def __init__(
        self,
        companies: Iterable[tuple[str, str]] = (("DEMO", "Demo Webshop BV"),),
        *,
        client_id: str = "bcapp-sandbox-client",
        client_secret: str = "sandbox-secret-5f0c9a1e7d3b",
        redirect_uris: Iterable[str] = (DEFAULT_REDIRECT,),
        base_url: str = SANDBOX_URL,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.clock = Clock()
        self.dictionary = spec.current()
        self.companies: dict[str, Company] = {}
        for code, description in companies:
            self.add_company(code, description)
        self.oauth = OAuthServer(self.clock, client_id, client_secret, set(redirect_uris))
        self.requests: list[dict[str, Any]] = []
        self.latency = 0.0
        self.single_row_as_object = False  # [I A3] answer a one-row table as a bare object
        self.rate_limit: tuple[int, float] | None = None  # (requests, per seconds) per token
        self._calls: dict[str, deque[float]] = {}
        self._faults: deque[Any] = deque()
        self._lock = threading.RLock()
        self.wsgi_app = self._build_app()

    # -- wiring ---------------------------------------------------------------------------

    @property
    def company_id(self) -> str:
        """The X-Company id of the first company."""
        return self.company().id

    @property
    def api_url(self) -> str:
        return self.base_url + facts.API_PATH

    def add_company(self, code: str, description: str = "") -> Company:
        """Another administration, with the reference data of a fresh one."""
        company = Company(code, description or code)
        reference_data(company, self.clock)
        self.companies[company.id] = company
        return company

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport into this sandbox (honours injected timeouts)."""
        return _SandboxTransport(self)

    def issue_tokens(self, scope: str = " ".join(facts.SCOPES)) -> dict[str, Any]:
        """A token pair without the browser round trip, with ``expires_at`` on the sandbox clock."""
        body = self.oauth.issue(scope)
        return {**body, "expires_at": self.clock.timestamp() + body["expires_in"]}

    def revoke_refresh_tokens(self) -> None:
        self.oauth.revoke_refresh_tokens()

    def expire_access_tokens(self) -> None:
        self.oauth.expire_access_tokens()

    def deny_next_authorization(self) -> None:
        self.oauth.deny_next()

    # -- faults ---------------------------------------------------------------------------

    def fail_next(self, status: int | str = 500, times: int = 1) -> None:
        """The next ``times`` API requests answer ``status`` (500, 503) or time out."""
        with self._lock:
            self._faults.extend([status] * times)

    def reject_next_write(self, message: str) -> None:
        """The next write is refused the AccountView way (HTTP 200, error body) with ``message``."""
        with self._lock:
            self._faults.append(("reject", message))

    def _pop_fault(self, *, rejection: bool) -> Any:
        """The next outage (``rejection`` False) or the next write refusal (True), if queued."""
        with self._lock:
            if not self._faults or isinstance(self._faults[0], tuple) != rejection:
                return None
            return self._faults.popleft()

    # -- HTTP -----------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("accountview_sandbox")

        @app.route(facts.AUTHORIZE_PATH, methods=["GET"])
        def authorize() -> Response:
            self._log("")
            status, target = self.oauth.authorize(request.args)
            if status == 302:
                return Response(status=302, headers={"Location": target})
            return Response(
                f"<h1>AccountView</h1><p>{target}</p>", status=400, content_type="text/html"
            )

        @app.route(facts.API_PATH + "/<path:rest>", methods=["GET", "POST"])
        def api(rest: str) -> Response:
            return self._handle(rest)

        return app

    def _log(self, rest: str) -> None:
        body: Any = request.get_json(silent=True)
        if body is None and request.form:
            body = dict(request.form)
        self.requests.append(
            {
                "method": request.method,
                "path": rest or request.path,
                "params": dict(request.args),
                "headers": {facts.COMPANY_HEADER: request.headers.get(facts.COMPANY_HEADER, "")},
                "body": body,
            }
        )

    def _handle(self, rest: str) -> Response:
        self._log(rest)
        if self.latency:
            time.sleep(self.latency)
        lower = rest.lower()
        fault = self._pop_fault(rejection=False)  # outages come before anything else
        if fault is not None:
            return _fault_response(fault)
        if lower == facts.TOKEN_PATH:
            with self._lock:
                status, body = self.oauth.token(request.form)
            return _json(body, status, {"Cache-Control": "no-store"})
        grant = self.oauth.bearer(request.headers.get("Authorization", ""))
        if grant is None:
            headers = {"WWW-Authenticate": "Bearer"}
            return _json({"Message": facts.UNAUTHORIZED_MESSAGE}, 401, headers)
        limited = self._rate_limited(request.headers["Authorization"])
        if limited is not None:
            return limited
        with self._lock:
            return self._route(lower, grant)

    def _rate_limited(self, token: str) -> Response | None:
        """[I] An optional per-token sliding window; 429 with Retry-After when exceeded."""
        if self.rate_limit is None:
            return None
        limit, window = self.rate_limit
        now = time.monotonic()
        calls = self._calls.setdefault(token, deque())
        while calls and calls[0] <= now - window:
            calls.popleft()
        if len(calls) >= limit:
            wait = max(1, round(calls[0] + window - now))
            body = _error(f"Too many requests: at most {limit} per {window:g} seconds.")
            return _json(body, facts.RATE_LIMITED_STATUS, {"Retry-After": str(wait)})
        calls.append(now)
        return None

    def _route(self, lower: str, grant: Grant) -> Response:
        if lower == facts.COMPANIES_PATH:
            return _json([c.entry() for c in self.companies.values()])
        company = self.companies.get(request.headers.get(facts.COMPANY_HEADER, ""))
        if company is None:
            return self._no_company()
        if lower == facts.BUSINESS_OBJECTS_PATH:
            return _json([bo.catalogue_entry() for bo in BUSINESS_OBJECTS.values()])
        if lower == facts.SYSTEM_DATA_PATH and request.method == "GET":
            return self._read(company, system=True)
        if lower == facts.DATA_PATH.lower():
            if request.method == "GET":
                return self._read(company)
            if facts.SCOPE_UPDATE not in grant.scope.split():
                message = "The access token does not allow changes (updateaccountviewdata)."
                return _json(_error(message), 403)
            rejection = self._pop_fault(rejection=True)  # only a write that got this far
            if rejection is not None:
                return _json(_error(rejection[1]), facts.BUSINESS_ERROR_STATUS)
            return self._write(company)
        return _json({"Message": NOT_FOUND}, 404)

    def _no_company(self) -> Response:
        given = request.headers.get(facts.COMPANY_HEADER, "")
        if not given:
            return _json(_error("The X-Company header is missing."), facts.REQUEST_ERROR_STATUS)
        return _json(_error(f"Company '{given}' is not available to this user."), 403)

    def _read(self, company: Company, *, system: bool = False) -> Response:
        args = query.lower_args(request.args)
        code = args.get("businessobject", "").upper()
        bo = BUSINESS_OBJECTS.get(code)
        if bo is None or (system and code != facts.DATA_DICTIONARY):
            return _json(
                _error(f"Business object '{code}' does not exist."), facts.REQUEST_ERROR_STATUS
            )
        source = query.Source(rows=lambda t: self._rows(company, t), fields=self.dictionary.fields)
        try:
            body = query.read(source, bo, request.args)
        except query.RequestError as exc:
            return _json(_error(str(exc)), facts.REQUEST_ERROR_STATUS)
        return _json(self._shape(body))

    def _rows(self, company: Company, table: str) -> list[Row]:
        return self.dictionary.dct_rows() if table == "DCT_FLD" else company.rows(table)

    def _shape(self, body: dict[str, list[Row]]) -> dict[str, Any]:
        """A one-row table as a bare object when ``single_row_as_object`` is on."""
        if not self.single_row_as_object:
            return dict(body)
        return {t: rows[0] if len(rows) == 1 else rows for t, rows in body.items()}

    def _write(self, company: Company) -> Response:
        try:
            parsed = parse(_json_body(), self.dictionary)
            written = Writer(company, self.clock, self.dictionary).apply(parsed)
        except query.RequestError as exc:
            return _json(_error(str(exc)), facts.REQUEST_ERROR_STATUS)
        except Refused as exc:
            return _json(_error(str(exc)), facts.BUSINESS_ERROR_STATUS)
        out = {
            table: [_public(row, table, i) for i, row in enumerate(rows)]
            for table, rows in written.items()
        }
        return _json(self._shape(out))


def _json_body() -> Any:
    """The request body as JSON with exact decimals (None when it is not JSON)."""
    try:
        return json.loads(request.get_data(as_text=True) or "null", parse_float=Decimal)
    except ValueError:
        return None


def _public(row: Row, table: str, position: int) -> Row:
    out = {k: jsonable(v) for k, v in row.items() if not k.startswith(query.HIDDEN)}
    out[f"{table}_Id"] = position
    return out


def _error(message: str) -> dict[str, Any]:
    """AccountView's error body [V A1]."""
    return {"ErrorType": facts.ERROR_TYPE, "ErrorNumbers": None, "ErrorMessage": message}


def _fault_response(fault: Any) -> Response:
    if fault == 503:
        return _json({"Message": "The service is unavailable."}, 503, {"Retry-After": "30"})
    status = 504 if fault == "timeout" else int(fault)
    return Response("Internal server error", status=status, content_type="text/plain")


def _json(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        content_type="application/json; charset=utf-8",
        headers=dict(headers or {}),
    )


class _SandboxTransport(httpx.BaseTransport):
    """WSGITransport into the sandbox that turns a queued "timeout" into httpx.ReadTimeout."""

    def __init__(self, sandbox: AccountViewSandbox) -> None:
        self.sandbox = sandbox
        self.inner = httpx.WSGITransport(app=sandbox.wsgi_app)

    def handle_request(self, req: httpx.Request) -> httpx.Response:
        with self.sandbox._lock:
            faults = self.sandbox._faults
            timeout = bool(faults) and faults[0] == "timeout" and facts.API_PATH in req.url.path
            if timeout:
                faults.popleft()
        if timeout:
            raise httpx.ReadTimeout("sandbox: injected timeout", request=req)
        return self.inner.handle_request(req)
