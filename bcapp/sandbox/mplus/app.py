"""The Mplus simulator as a WSGI app: POST a SOAP envelope, get Mplus's answer.

Like the real API it reads ``ident`` and ``secret`` from the query string,
dispatches on the first child element of ``SOAP-ENV:Body`` (every soapAction
in the WSDL is empty; the SOAPAction header is ignored), answers faults as
SOAP 1.1 ``Fault`` envelopes with HTTP 500, and ``GET /?wsdl`` returns the WSDL.

With ``validate=True`` (the default) every request is validated against the
WSDL's schema first — an invalid one gets the ``Client`` fault gSOAP gives
("Validation constraint violation") and is kept in ``invalid_requests`` so a
test can assert there were none — and every answer is validated too, so the
simulator cannot drift from the WSDL unnoticed.

Fault injection (``state.inject``): the next N calls get a ``Server`` fault,
an HTTP 503 with ``Retry-After``, extra latency, or (through
:meth:`MplusSandbox.transport`) a client-side read timeout.
``state.reject_next_write(message)`` makes the next write answer its
``…-FAILED`` result with Mplus's ``errorMessage``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import httpx
from lxml import etree

from bcapp.connectors.mplus import soap
from bcapp.connectors.mplus.wsdl import TNS, WSDL_PATH, index, xml_schema
from bcapp.sandbox.mplus import catalog, lists, sales  # noqa: F401  (registers the handlers)
from bcapp.sandbox.mplus.catalog import HANDLERS
from bcapp.sandbox.mplus.state import MplusState

AUTH_FAULT = ("SOAP-ENV:Client.Authentication", "Invalid ident and/or secret.")

#: What each write answers when refused (``state.reject_next_write``), besides errorMessage.
REFUSED: dict[str, dict[str, Any]] = {
    "createOrder": {
        "result": "CREATE-ORDER-RESULT-FAILED",
        "info": {"orderId": "", "orderString": ""},
    },
    "createRelation": {"result": "CREATE-RELATION-RESULT-FAILED", "relationNumber": 0},
    "updateRelation": {"result": "UPDATE-RELATION-RESULT-FAILED"},
    "createProduct": {"result": "CREATE-PRODUCT-RESULT-FAILED", "productNumber": 0},
    "updateProduct": {"result": "UPDATE-PRODUCT-RESULT-FAILED"},
}

StartResponse = Callable[..., Any]


class SoapFault(Exception):
    """Raised inside the simulator; becomes a Fault envelope."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class MplusSandbox:
    """A stateful WSGI MplusQapi; mount it with ``httpx.WSGITransport(app=sandbox)``.

    Args:
        state: the installation to serve (a fresh one by default).
        validate: validate requests and answers against the WSDL schema.
        sleep: how latency is injected (tests may pass a fake).
    """

    def __init__(
        self,
        state: MplusState | None = None,
        *,
        validate: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.state = state or MplusState()
        self.validate = validate
        self.sleep = sleep
        self.invalid_requests: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET":
            return self._reply(start_response, "200 OK", WSDL_PATH.read_bytes())
        query = parse_qs(environ.get("QUERY_STRING", ""))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else environ["wsgi.input"].read()
        try:
            return self._handle(start_response, query, body)
        except SoapFault as fault:
            return self._reply(
                start_response,
                "500 Internal Server Error",
                soap.fault_envelope(fault.code, fault.message),
            )

    def _handle(
        self, start_response: StartResponse, query: dict[str, list[str]], body: bytes
    ) -> Iterable[bytes]:
        payload = self._payload(body)
        operation = etree.QName(payload).localname
        self.state.calls.append(operation)
        if (
            query.get("ident", [""])[0] != self.state.ident
            or query.get("secret", [""])[0] != self.state.secret
        ):
            raise SoapFault(*AUTH_FAULT)
        injected = self._inject(operation)
        if injected is not None:
            return self._reply(
                start_response,
                "503 Service Unavailable",
                injected,
                [("Retry-After", "1"), ("Content-Type", "text/plain")],
            )
        answer = self._dispatch(operation, payload)
        return self._reply(start_response, "200 OK", answer)

    def _payload(self, body: bytes) -> etree._Element:
        try:
            element = soap.body_element(body)
        except soap.SoapFormatError as exc:
            raise SoapFault("SOAP-ENV:Client", f"Malformed request: {exc}") from None
        if etree.QName(element).namespace != TNS:
            raise SoapFault("SOAP-ENV:Client", "Tag mismatch: not an MplusQapi request")
        return element

    def _inject(self, operation: str) -> bytes | None:
        injection = self.state.take_injection(operation)
        if injection is None:
            return None
        if injection.kind == "latency":
            self.sleep(injection.seconds)
            return None
        if injection.kind == "server_fault":
            raise SoapFault("SOAP-ENV:Server", "Internal error, please try again later.")
        return b"Service Temporarily Unavailable"

    def _dispatch(self, operation: str, payload: etree._Element) -> bytes:
        idx = index()
        if operation not in idx.operations:
            raise SoapFault("SOAP-ENV:Client", f"Method '{operation}' not implemented")
        handler = HANDLERS.get(operation)
        if handler is None:
            raise SoapFault("SOAP-ENV:Server", f"Method '{operation}' is not simulated")
        self._check(payload, request=True)
        try:
            request = soap.parse(payload, idx.elements[operation], idx)
        except (ValueError, ArithmeticError) as exc:
            raise SoapFault("SOAP-ENV:Client", f"Validation constraint violation: {exc}") from None
        if operation in REFUSED and self.state.rejections:
            result = {**REFUSED[operation], "errorMessage": self.state.rejections.pop(0)}
        else:
            result = handler(self.state, request)
        answer = soap.envelope(idx.operation(operation).output, result, idx)
        if self.validate:
            self._check(soap.body_element(answer), request=False)
        return answer

    def _check(self, element: etree._Element, *, request: bool) -> None:
        if not self.validate:
            return
        schema = xml_schema()
        if schema.validate(etree.fromstring(etree.tostring(element))):
            return
        message = str(schema.error_log.last_error)
        if not request:
            raise RuntimeError(f"the Mplus sandbox answered outside the WSDL: {message}")
        self.invalid_requests.append(message)
        raise SoapFault("SOAP-ENV:Client", f"Validation constraint violation: {message}")

    def transport(self) -> httpx.BaseTransport:
        """A WSGI transport that also honours "timeout" injections (raises ReadTimeout)."""
        return _SandboxTransport(self)

    @staticmethod
    def _reply(
        start_response: StartResponse,
        status: str,
        body: bytes,
        headers: list[tuple[str, str]] | None = None,
    ) -> Iterable[bytes]:
        headers = headers or [("Content-Type", "text/xml; charset=utf-8")]
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]


class _SandboxTransport(httpx.WSGITransport):
    def __init__(self, sandbox: MplusSandbox) -> None:
        super().__init__(app=sandbox)
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.sandbox.state.take_injection(None, ("timeout",)):
            raise httpx.ReadTimeout("injected timeout", request=request)
        return super().handle_request(request)


def create_mplus_sandbox(state: MplusState | None = None, **kwargs: Any) -> MplusSandbox:
    """A fresh simulator (the demo serves it on a port, tests mount it in a transport)."""
    return MplusSandbox(state, **kwargs)
