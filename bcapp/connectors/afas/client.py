"""AFAS Profit REST wire protocol: token header, GetConnector queries, UpdateConnector posts.

Facts this module encodes (AFAS Profit REST, ``/ProfitRestServices``):

* The token is XML ``<token><version>1</version><data>…</data></token>``, base64
  encoded, sent as ``Authorization: AfasToken <base64>``.
* Base URL ``https://{environment}.{rest|resttest|restaccept}.afas.online/ProfitRestServices``.
* ``GET /connectors/{id}`` with ``skip``/``take``, ``orderbyfieldids`` (``-`` prefix
  for descending) and filters in three parallel lists: ``filterfieldids``,
  ``filtervalues``, ``operatortypes``. Within one *filter set* the lists are
  comma-separated and AND-ed; sets are separated by ``;`` and OR-ed. So
  ``a > c OR (a == c AND id > x)`` is one request: ``a;a,id`` / ``c;c,x`` / ``4;1,4``.
  Values cannot contain ``,`` or ``;`` (AFAS has no escape), so we refuse them.
* Answers ``{"skip": .., "take": .., "rows": [...]}``; ``GET /Metainfo/get/{id}``
  describes a GetConnector's fields; ``GET /MetaInfo`` lists connectors.
* ``POST``/``PUT /connectors/{UpdateConnector}`` with ``{"Name": {"Element": {...}}}``;
  success answers ``{"results": {"Name": {"Key": "value"}}}``.
* Errors: 401 for a bad token; validation (and other Profit) errors are HTTP 500
  with ``{"externalMessage", "errorNumber", "profitLogReference"}``; 503 for
  maintenance with ``retry_after`` in the body.
"""

from __future__ import annotations

import base64
import enum
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from bcapp.connectors.http import HttpApi, make_client, response_payload
from bcapp.errors import BcappError, ConfigError, FatalSyncError, RetryableSyncError

ENVIRONMENT_HOSTS = {"production": "rest", "test": "resttest", "acceptance": "restaccept"}
#: The page size AFAS handles comfortably; larger pages slow Profit down more than they save.
DEFAULT_TAKE = 100
#: Pages a full scan (:meth:`AfasClient.scan_rows`) has on the wire at once. Skip/take pages
#: of an ordered query are independent, so a snapshot of tens of thousands of rows (stock
#: per SKU and warehouse) waits for its pages' latency a few at a time, not one by one.
SCAN_PAGES_AT_ONCE = 4
#: Name prefix of a full scan's request threads (the benchmark counts their CPU as the run's).
SCAN_THREAD_PREFIX = "afas-scan"


class Op(enum.IntEnum):
    """GetConnector ``operatortypes`` codes."""

    EQ = 1
    GE = 2
    LE = 3
    GT = 4
    LT = 5
    CONTAINS = 6
    NE = 7
    EMPTY = 8
    NOT_EMPTY = 9
    STARTS_WITH = 10
    NOT_CONTAINS = 11
    NOT_STARTS_WITH = 12
    ENDS_WITH = 13
    NOT_ENDS_WITH = 14


@dataclass(frozen=True)
class Filter:
    """One condition ``field <op> value`` of a GetConnector filter set."""

    field: str
    op: Op
    value: Any = ""


FilterSet = Sequence[Filter]


def base_url(environment: str, environment_type: str = "production", override: str = "") -> str:
    """The ProfitRestServices URL of an environment (or the configured override)."""
    if override:
        return override.rstrip("/")
    host = ENVIRONMENT_HOSTS.get(environment_type)
    if host is None:
        raise ConfigError(f"Unknown AFAS environment type {environment_type!r}.")
    env = str(environment).strip()
    if not env.isdigit():
        raise ConfigError("The AFAS environment number must be digits only (e.g. 12345).")
    return f"https://{env}.{host}.afas.online/ProfitRestServices"


def token_header(token: str) -> str:
    """``AfasToken <base64 xml>`` for a token's data part (or a full token XML)."""
    token = token.strip()
    xml = (
        token
        if token.startswith("<token>")
        else (f"<token><version>1</version><data>{token}</data></token>")
    )
    return "AfasToken " + base64.b64encode(xml.encode()).decode()


def encode_filters(sets: Sequence[FilterSet]) -> dict[str, str]:
    """The three filter query parameters for OR-ed sets of AND-ed conditions."""
    sets = [s for s in sets if s]
    if not sets:
        return {}
    for flt in (f for s in sets for f in s):
        if any(ch in str(flt.value) for ch in ",;"):
            raise FatalSyncError(
                f"AFAS filters cannot contain ',' or ';' (field {flt.field}: {flt.value!r}).",
                remote="afas",
            )
    return {
        "filterfieldids": ";".join(",".join(f.field for f in s) for s in sets),
        "filtervalues": ";".join(",".join(_value(f.value) for f in s) for s in sets),
        "operatortypes": ";".join(",".join(str(int(f.op)) for f in s) for s in sets),
    }


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class AfasClient(HttpApi):
    """The AFAS Profit REST client; secrets are scrubbed from every recorded exchange."""

    remote: ClassVar[str] = "afas"
    remote_label: ClassVar[str] = "AFAS"
    auth_message: ClassVar[str] = (
        "AFAS refused the token: check the environment number, the environment type "
        "and the app connector token in the settings."
    )
    forbidden_message: ClassVar[str] = (
        "AFAS denied access: the app connector's IP restriction or user group does not "
        "allow this server."
    )

    @classmethod
    def connect(
        cls,
        url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        record: bool = False,
    ) -> AfasClient:
        """Build a client for one environment's base URL."""
        header = token_header(token)
        kwargs: dict[str, Any] = {"transport": transport}
        if timeout is not None:
            kwargs["timeout"] = timeout
        client = make_client(
            url + "/",
            headers={
                "Authorization": header,
                "Accept": "application/json",
                "Content-Type": "application/json;charset=utf-8",
            },
            **kwargs,
        )
        secrets = (token, header, header.split(" ", 1)[1])
        return cls(client=client, secrets=secrets, record=record)

    # -- errors ---------------------------------------------------------------------------

    def classify(self, response: httpx.Response) -> type[BcappError]:
        """A 500 with AFAS's error body is Profit refusing the data (fatal); otherwise retry."""
        if response.status_code == 500:
            body = response_payload(response)
            if isinstance(body, Mapping) and body.get("externalMessage"):
                return FatalSyncError
            return RetryableSyncError
        return super().classify(response)

    def error_message(self, response: httpx.Response) -> str:
        """AFAS's ``externalMessage`` verbatim (503: the maintenance message)."""
        body = response_payload(response)
        if isinstance(body, Mapping):
            if body.get("externalMessage"):
                return str(body["externalMessage"]).strip()
            error = body.get("error")
            if isinstance(error, Mapping) and error.get("message"):
                return str(error["message"])
        return super().error_message(response)

    def retry_after(self, response: httpx.Response) -> float | None:
        """503 bodies carry ``retry_after`` seconds; the header wins when present."""
        header = super().retry_after(response)
        body = response_payload(response)
        if header is None and isinstance(body, Mapping) and body.get("retry_after") is not None:
            try:
                return float(body["retry_after"])
            except (TypeError, ValueError):
                return None
        return header

    # -- reads ----------------------------------------------------------------------------

    def get_rows(
        self,
        connector: str,
        *,
        filters: Sequence[FilterSet] = (),
        order_by: Sequence[str] = (),
        skip: int = 0,
        take: int = DEFAULT_TAKE,
    ) -> list[dict[str, Any]]:
        """One page of a GetConnector's rows."""
        page = self._page(connector, filters=filters, order_by=order_by, skip=skip, take=take)
        return self._rows(connector, page)

    def _page(
        self,
        connector: str,
        *,
        filters: Sequence[FilterSet],
        order_by: Sequence[str],
        skip: int,
        take: int,
    ) -> httpx.Response:
        params: dict[str, Any] = {"skip": skip, "take": take}
        if order_by:
            params["orderbyfieldids"] = ",".join(order_by)
        params.update(encode_filters(filters))
        return self.request("GET", f"connectors/{connector}", params=params)

    @staticmethod
    def _rows(connector: str, page: httpx.Response) -> list[dict[str, Any]]:
        body = page.json()
        rows = body.get("rows") if isinstance(body, Mapping) else None
        if not isinstance(rows, list):
            raise RetryableSyncError(
                f"AFAS answered GetConnector {connector} without rows.", remote="afas"
            )
        return rows

    def iter_rows(
        self,
        connector: str,
        *,
        filters: Sequence[FilterSet] = (),
        order_by: Sequence[str] = (),
        take: int = DEFAULT_TAKE,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a query (skip/take), for small lookups and full scans."""
        skip = 0
        while True:
            rows = self.get_rows(
                connector, filters=filters, order_by=order_by, skip=skip, take=take
            )
            if rows:
                yield rows
            if len(rows) < take:
                return
            skip += take

    def scan_rows(
        self,
        connector: str,
        *,
        order_by: Sequence[str],
        take: int = DEFAULT_TAKE,
        at_once: int = SCAN_PAGES_AT_ONCE,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a full scan in order, ``at_once`` pages requested together.

        The same pages as :meth:`iter_rows` (``order_by`` must make the order total,
        as skip/take paging needs anyway), but the next pages are already on their way
        while one is handed over. Only the requests run in the pool; the answers are
        read here. The scan ends at the first short page; the few pages requested
        beyond it come back empty and are dropped.
        """
        if at_once <= 1:
            yield from self.iter_rows(connector, order_by=order_by, take=take)
            return
        pool = ThreadPoolExecutor(at_once, thread_name_prefix=SCAN_THREAD_PREFIX)
        pending: deque[Future[httpx.Response]] = deque()
        skip = 0

        def request_next() -> None:
            nonlocal skip
            pending.append(pool.submit(
                self._page, connector, filters=(), order_by=order_by, skip=skip, take=take
            ))  # fmt: skip
            skip += take

        try:
            for _ in range(at_once):
                request_next()
            while pending:
                rows = self._rows(connector, pending.popleft().result())
                if rows:
                    yield rows
                if len(rows) < take:
                    return
                request_next()
        finally:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True)

    def metainfo(self, connector: str | None = None) -> dict[str, Any]:
        """The environment's connector list, or one GetConnector's field descriptions."""
        path = f"Metainfo/get/{connector}" if connector else "MetaInfo"  # the spec's casing
        body: dict[str, Any] = self.request("GET", path).json()
        return body

    def update_metainfo(self, connector: str) -> dict[str, Any]:
        """An UpdateConnector's fields (type, length, mandatory) per object."""
        body: dict[str, Any] = self.request("GET", f"Metainfo/update/{connector}").json()
        return body

    # -- writes ---------------------------------------------------------------------------

    def post(self, connector: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Insert through an UpdateConnector; returns the ``results`` keys (e.g. OrNu)."""
        return _results(self.request("POST", f"connectors/{connector}", json_body=body), connector)

    def put(self, connector: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Update through an UpdateConnector."""
        return _results(self.request("PUT", f"connectors/{connector}", json_body=body), connector)


def _results(response: httpx.Response, connector: str) -> dict[str, Any]:
    """``{"results": {connector: {...}}}`` → the inner dict ({} for an empty 200/201)."""
    if not response.content:
        return {}
    body = response_payload(response)
    if not isinstance(body, Mapping):
        return {}
    results = body.get("results") or {}
    inner = results.get(connector) if isinstance(results, Mapping) else None
    return dict(inner) if isinstance(inner, Mapping) else {}
