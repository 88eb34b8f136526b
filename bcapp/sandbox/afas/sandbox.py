"""AfasSandbox: one stateful AFAS Profit environment as a WSGI app."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, cast

import httpx
from flask import Flask, Response, request

from bcapp.sandbox.afas import spec
from bcapp.sandbox.afas.data import UPDATE_CONNECTORS, Clock, Tables, num, standard_connectors
from bcapp.sandbox.afas.query import FieldDef, GetConnectorDef, QueryError, run_query
from bcapp.sandbox.afas.spec import validate_update
from bcapp.sandbox.afas.updates import ProfitError, Updates

TOKEN_XML = re.compile(r"^<token><version>1</version><data>(?P<data>[^<]*)</data></token>$")


class AfasSandbox:
    """A simulated AFAS Profit environment (see the package docstring for the API)."""

    def __init__(self, environment: str = "12345", token: str | None = None) -> None:
        self.environment = environment
        self.token = token or "D5E3F0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F6071829" + "3A4B5C"
        self.tables = Tables()
        self.clock = Clock()
        self.updates = Updates(self.tables, self.clock)
        self.connectors: dict[str, GetConnectorDef] = {
            c.id: c for c in standard_connectors(self.tables)
        }
        self.requests: list[dict[str, Any]] = []  # every request, for assertions
        self.latency = 0.0
        self.restricted: set[str] = set()  # endpoints outside the app connector (401)
        self._faults: deque[Any] = deque()
        self._lock = threading.RLock()
        self.wsgi_app = self._build_app()

    # -- wiring ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The base URL to put in the settings' ``base_url`` override."""
        return f"https://{self.environment}.resttest.afas.online/ProfitRestServices"

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """Connector settings pointing at this sandbox."""
        return {
            "environment": self.environment,
            "environment_type": "test",
            "token": self.token,
            "base_url": self.base_url,
            **overrides,
        }

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport into this sandbox (honours injected timeouts)."""
        return _SandboxTransport(self)

    # -- faults ---------------------------------------------------------------------------

    def fail_next(self, status: int | str = 500, times: int = 1) -> None:
        """The next ``times`` requests answer ``status`` (500, 503) or time out ("timeout")."""
        with self._lock:
            self._faults.extend([status] * times)

    def reject_next_write(self, message: str) -> None:
        """The next UpdateConnector call fails as Profit does, with ``message``."""
        with self._lock:
            self._faults.append(("reject", message))

    def _pop_fault(self, *, writes: bool) -> Any:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if isinstance(fault, tuple) and not writes:
                return None
            return self._faults.popleft()

    # -- seeding --------------------------------------------------------------------------

    def add_article(
        self,
        code: str,
        description: str = "",
        *,
        price: Any = "10.00",
        group: str = "",
        ean: str = "",
        blocked: bool = False,
        dimensions: Iterable[tuple[str, str]] = (),
        vat: Any = "21",
        image_url: str = "",
        modified: str | None = None,
        **extra: Any,
    ) -> dict:
        """Add (or replace) an article; ``dimensions`` are (dim1, dim2) codes."""
        stamp = modified or self.clock.stamp()
        dims = list(dimensions)
        row = {
            "ItemCode": code,
            "Description": description or f"Article {code}",
            "ExtraDescription": "",
            "ArtGroup": group,
            "Blocked": blocked,
            "Barcode": ean,
            "SalesPrice": num(price),
            "VatPercentage": num(vat),
            "Weight": None,
            "ImageUrl": image_url,
            "StockDimId1": "MAAT" if dims else "",
            "StockDimId2": "KLEUR" if any(d2 for _, d2 in dims) else "",
            "Webshop": True,
            "Brand": "",
            "CountryOfOrigin": "",
            "UnitId": "STK",
            "VATGroup": "HOOG",
            "CreateDate": stamp,
            "ModifiedDate": stamp,
            **extra,
        }
        if group and group not in self.tables.groups:
            self.add_group(group)
        self.tables.articles[code] = row
        self.tables.dimensions[:] = [d for d in self.tables.dimensions if d["ItemCode"] != code]
        for i, (dim1, dim2) in enumerate(dims):
            self.tables.dimensions.append(
                {
                    "ItemCode": code,
                    "StockDimCode1": dim1,
                    "StockDimCode2": dim2 or "",
                    "Barcode": f"{ean}{i}" if ean else "",
                    "SalesPrice": None,
                    "Blocked": False,
                }
            )
        return row

    def touch_article(self, code: str, **changes: Any) -> dict:
        """Change an article (new modified stamp)."""
        row = self.tables.articles[code]
        row.update(changes)
        row["ModifiedDate"] = self.clock.stamp()
        return row

    def add_group(self, code: str, name: str = "") -> None:
        self.tables.groups[code] = {"Artikelgroep": code, "Omschrijving": name or f"Group {code}"}

    def set_stock(
        self,
        code: str,
        warehouse: str,
        on_hand: Any,
        reserved: Any = 0,
        dim1: str = "",
        dim2: str = "",
    ) -> None:
        self.tables.stock[(code, dim1, dim2, warehouse)] = {
            "ItemCode": code,
            "StockDimCode1": dim1,
            "StockDimCode2": dim2,
            "Warehouse": warehouse,
            "InStock": num(on_hand),
            "Reserved": num(reserved),
        }

    def add_debtor(self, email: str, name: str = "", number: str | None = None) -> str:
        number = number or str(self.updates.next_debtor)
        self.updates.next_debtor = max(self.updates.next_debtor, int(number) + 1)
        stamp = self.clock.stamp()
        self.tables.relations[number] = {
            "DebtorId": number,
            "DebtorName": name or email,
            "BcCo": f"P{number}",
            "Email": email,
            "TelNr": "",
            "VatNr": "",
            "Blocked": False,
            "CreateDate": stamp,
            "ModifiedDate": stamp,
            "kind": "person",
        }
        return number

    def touch_debtor(self, number: str, **changes: Any) -> dict[str, Any]:
        """Change a debtor as the merchant would in Profit (a new ModifiedDate)."""
        row = self.tables.relations[number]
        row.update(changes)
        row["ModifiedDate"] = self.clock.stamp()
        return row

    def set_order_status(self, number: str, status: str) -> None:
        order = self.tables.orders[number]
        order["Status"] = status
        order["ModifiedDate"] = self.clock.stamp()

    def add_packing_slip(
        self,
        order_number: str,
        lines: Iterable[tuple[str, Any]],
        *,
        tracking: str = "",
        carrier: str = "",
        ready: bool = True,
        dims: Mapping[str, tuple[str, str]] | None = None,
    ) -> str:
        """A packing slip for a sales order; lines are (item code, quantity)."""
        order = self.tables.orders[order_number]
        number = str(self.updates.next_packing_slip)
        self.updates.next_packing_slip += 1
        stamp = self.clock.stamp()
        dims = dims or {}
        self.tables.packing_slips[number] = {
            "DeliveryNoteNumber": number,
            "OrderNumber": order_number,
            "CustomerReference": order["CustomerReference"],
            "DebtorId": order["DebtorId"],
            "TrackTrace": tracking,
            "Transporter": carrier,
            "ReportedReady": ready,
            "DeliveryDate": stamp,
            "ModifiedDate": stamp,
            "source": "profit",
            "lines": [
                {
                    "ItemCode": code,
                    "StockDimCode1": dims.get(code, ("", ""))[0],
                    "StockDimCode2": dims.get(code, ("", ""))[1],
                    "Quantity": num(qty),
                }
                for code, qty in lines
            ],
        }
        return number

    def report_ready(self, number: str) -> None:
        slip = self.tables.packing_slips[number]
        slip["ReportedReady"] = True
        slip["ModifiedDate"] = self.clock.stamp()

    def add_credit_invoice(
        self, reference: str, lines: Iterable[tuple[str, Any, Any]], number: str | None = None
    ) -> str:
        """A credit invoice for a store order; lines are (item code, quantity, amount)."""
        number = number or str(80000001 + len(self.tables.credit_invoices))
        debtor = next(
            (
                o["DebtorId"]
                for o in self.tables.orders.values()
                if o["CustomerReference"] == reference
            ),
            "",
        )
        stamp = self.clock.stamp()
        self.tables.credit_invoices[number] = {
            "InvoiceNumber": number,
            "CustomerReference": reference,
            "DebtorId": debtor,
            "InvoiceDate": stamp,
            "ModifiedDate": stamp,
            "lines": [
                {
                    "ItemCode": code,
                    "StockDimCode1": "",
                    "StockDimCode2": "",
                    "Quantity": -(num(qty) or 0.0),
                    "AmountInclVat": -(num(amount) or 0.0),
                }
                for code, qty, amount in lines
            ],
        }
        return number

    def define_connector(
        self, connector_id: str, fields: Iterable[tuple[str, str]], source: str
    ) -> None:
        """A merchant-named custom GetConnector over an existing connector's rows."""
        base = self.connectors[source]
        self.connectors[connector_id] = GetConnectorDef(
            connector_id, [FieldDef(f, t) for f, t in fields], base.rows
        )

    def seed(
        self, articles: int = 0, *, with_dimensions: int = 0, modified: str | None = None
    ) -> list[str]:
        """Bulk articles A0001..; the first ``with_dimensions`` get sizes S/M/L."""
        codes = []
        for i in range(1, articles + 1):
            code = f"A{i:04d}"
            dims = [("S", ""), ("M", ""), ("L", "")] if i <= with_dimensions else []
            self.add_article(
                code,
                price=Decimal(10) + i,
                ean=f"87{i:011d}",
                dimensions=dims,
                group=f"G{i % 3}",
                modified=modified,
            )
            codes.append(code)
        return codes

    # -- inspection -----------------------------------------------------------------------

    def orders_with_reference(self, reference: str) -> list[dict[str, Any]]:
        return [o for o in self.tables.orders.values() if o["CustomerReference"] == reference]

    def debtors_with_email(self, email: str) -> list[dict[str, Any]]:
        return [r for r in self.tables.relations.values() if r["Email"] == email]

    # -- HTTP -----------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask(f"afas_sandbox_{self.environment}")

        @app.route("/ProfitRestServices/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
        def dispatch(rest: str) -> Response:
            return self._handle(rest)

        return app

    def _handle(self, rest: str) -> Response:
        self.requests.append(
            {
                "method": request.method,
                "path": rest,
                "params": dict(request.args),
                "body": request.get_json(silent=True),
            }
        )
        if self.latency:
            time.sleep(self.latency)
        if not self._authorised() or rest.rsplit("/", 1)[-1] in self.restricted:
            return Response(status=401)
        fault = self._pop_fault(writes=request.method in {"POST", "PUT"})
        if fault is not None:
            return self._fault_response(fault)
        with self._lock:
            lower = rest.lower()
            if lower == "metainfo":
                return self._json(self._metainfo())
            if lower.startswith("metainfo/get/"):
                return self._metainfo_get(rest.split("/", 2)[2])
            if lower.startswith("metainfo/update/"):
                return self._metainfo_update(rest.split("/", 2)[2])
            if lower.startswith("connectors/"):
                name = rest.split("/", 1)[1]
                if request.method == "GET":
                    return self._get_connector(name)
                return self._update(name, request.method)
        return self._error(404, f"Endpoint '{rest}' does not exist.")

    def _authorised(self) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("AfasToken "):
            return False
        try:
            xml = base64.b64decode(header.split(" ", 1)[1], validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return False
        match = TOKEN_XML.match(xml.strip())
        return match is not None and match["data"] == self.token

    def _fault_response(self, fault: Any) -> Response:
        if isinstance(fault, tuple):
            return self._error(500, fault[1])
        if fault == 503:
            body = {
                "error": {
                    "code": "503",
                    "message": "Service temporarily unavailable due to scheduled maintenance.",
                },
                "retry_after": 30,
            }
            return self._json(body, 503)
        return Response(
            "Internal server error",
            status=int(fault) if fault != "timeout" else 504,
            content_type="text/plain",
        )

    def _metainfo(self) -> dict[str, Any]:
        return {
            "updateConnectors": [{"id": i, "description": d} for i, d in UPDATE_CONNECTORS],
            "getConnectors": [{"id": c, "description": c} for c in self.connectors],
            "info": {
                "envid": f"O{self.environment}AA",
                "appName": "bcapp sandbox",
                "group": "bcapp",
                "tokenExpiry": "",
            },
        }

    def _metainfo_get(self, name: str) -> Response:
        conn = self.connectors.get(name)
        if conn is None:
            return self._error(
                500, f"GetConnector '{name}' does not exist or is not part of this app connector."
            )
        return self._json(conn.metainfo())

    def _metainfo_update(self, name: str) -> Response:
        """An UpdateConnector's fields (type, length, mandatory) per object, from AFAS's spec."""
        info = spec.update_metainfo(name)
        if info is None:
            return self._error(500, f"UpdateConnector '{name}' does not exist.")
        return self._json(info)

    def _get_connector(self, name: str) -> Response:
        conn = self.connectors.get(name)
        if conn is None:
            return self._error(
                500, f"GetConnector '{name}' does not exist or is not part of this app connector."
            )
        try:
            return self._json(run_query(conn, request.args))
        except QueryError as exc:
            return self._error(500, str(exc))

    def _update(self, name: str, method: str) -> Response:
        body = request.get_json(silent=True)
        errors = validate_update(name, method, body)
        if errors:
            return self._error(500, "\n".join(errors))
        handler = self.updates.handler(name, method)
        if handler is None:
            return self._error(500, f"UpdateConnector '{name}' does not support {method}.")
        try:
            results = handler(cast(Mapping[str, Any], body))  # validated: a mapping
        except ProfitError as exc:
            return self._error(500, str(exc))
        return self._json({"results": {name: results}}, 201 if method == "POST" else 200)

    def _error(self, status: int, message: str) -> Response:
        body = {
            "externalMessage": message,
            "errorNumber": -2147209215,
            "profitLogReference": f"{int(time.time() * 1000):X}",
        }
        return self._json(body, status)

    @staticmethod
    def _json(body: Any, status: int = 200) -> Response:
        return Response(json.dumps(body), status=status, content_type="application/json")


class Environments:
    """Several sandboxes behind one WSGI app, routed like AFAS Online by host name.

    ``https://12345.resttest.afas.online/...`` reaches the sandbox of environment
    12345; an unknown environment answers 404. ``transport()`` honours each
    sandbox's injected timeouts.
    """

    def __init__(self, *sandboxes: AfasSandbox) -> None:
        self.sandboxes = {sb.environment: sb for sb in sandboxes}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or ""
        sandbox = self.sandboxes.get(host.split(".", 1)[0])
        if sandbox is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Unknown AFAS environment"]
        return sandbox.wsgi_app(environ, start_response)

    def transport(self) -> httpx.BaseTransport:
        return _RoutingTransport(self)


class _RoutingTransport(httpx.BaseTransport):
    def __init__(self, environments: Environments) -> None:
        self.environments = environments
        self.fallback = httpx.WSGITransport(app=environments)

    def handle_request(self, req: httpx.Request) -> httpx.Response:
        sandbox = self.environments.sandboxes.get(req.url.host.split(".", 1)[0])
        if sandbox is None:
            return self.fallback.handle_request(req)
        return _SandboxTransport(sandbox).handle_request(req)


class _SandboxTransport(httpx.BaseTransport):
    """WSGITransport into the sandbox that turns a queued "timeout" into httpx.ReadTimeout."""

    def __init__(self, sandbox: AfasSandbox) -> None:
        self.sandbox = sandbox
        self.inner = httpx.WSGITransport(app=sandbox.wsgi_app)

    def handle_request(self, req: httpx.Request) -> httpx.Response:
        with self.sandbox._lock:
            timeout = bool(self.sandbox._faults) and self.sandbox._faults[0] == "timeout"
            if timeout:
                self.sandbox._faults.popleft()
        if timeout:
            raise httpx.ReadTimeout("sandbox: injected timeout", request=req)
        return self.inner.handle_request(req)
