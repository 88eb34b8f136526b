"""AccountView.net REST v3 wire protocol: companies, generic reads with paging, writes.

Facts this module encodes (sources in ``../shared/erp-notes-accountview-exact.md``;
the choices where facts are missing live in :mod:`.facts` and the README):

* ``Authorization: Bearer <token>`` on every call, ``X-Company: <company id>`` on data
  calls; ``GET /companies`` lists the companies the user may open.
* One generic endpoint: ``GET /AccountViewData?BusinessObject=AK1&Fields=…&PageSize=…``
  with numbered filters ``FilterControlSourceN/FilterOperatorN/FilterValueTypeN/
  FilterValueN/FilterIsListOfValuesN`` (``matchAnyFilter=true`` ORs them), sorting by
  ``SortFields``/``SortOrder``, and paging by ``lastKey`` (the key of the last row)
  or ``PageNumber``. Answers are keyed by upper-case table name.
* ``POST /AccountViewData`` writes (see :mod:`.envelopes`).
* Errors are ``{"ErrorType", "ErrorNumbers", "ErrorMessage"}``, **also on HTTP 200**:
  a non-empty ``ErrorMessage`` is a failure whatever the status. It becomes a
  :class:`~bcapp.errors.FatalSyncError` carrying AccountView's words verbatim; 401
  (after one refresh) a ConfigError; 429, 5xx and timeouts RetryableSyncError.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import httpx

from bcapp.connectors.accountview import facts
from bcapp.connectors.accountview.dictionary import FieldDef, parse_fields
from bcapp.connectors.accountview.envelopes import Document, build, rows_of
from bcapp.connectors.accountview.oauth import TokenKeeper
from bcapp.connectors.accountview.query import Filter, Op, Paging, Query
from bcapp.connectors.http import HttpApi, make_client, response_payload
from bcapp.errors import ConfigError, FatalSyncError

Row = dict[str, Any]


@dataclass(frozen=True)
class Company:
    """One entry of ``GET /companies``; ``id`` goes into the X-Company header."""

    id: str
    code: str
    description: str


@dataclass(frozen=True)
class BusinessObject:
    """One entry of ``GET /accountviewsystembusinessobjects``."""

    code: str
    description: str
    insert_allowed: bool
    update_allowed: bool
    delete_allowed: bool


@dataclass(kw_only=True)
class AccountViewClient(HttpApi):
    """The AccountView.net REST client for one connection (and, once chosen, one company)."""

    remote: ClassVar[str] = "accountview"
    remote_label: ClassVar[str] = "AccountView"
    auth_message: ClassVar[str] = (
        "Reconnect AccountView: AccountView refused bcapp's access token. Open the settings "
        "and connect again."
    )
    forbidden_message: ClassVar[str] = (
        "AccountView denied access: check that the connected AccountView user may open this "
        "company and that bcapp was allowed to update data (reconnect to grant it)."
    )
    tokens: TokenKeeper
    company_id: str = ""

    @classmethod
    def connect(
        cls,
        api_url: str,
        tokens: TokenKeeper,
        company_id: str = "",
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        record: bool = False,
    ) -> AccountViewClient:
        """A client for ``…/api/v3`` whose tokens come from ``tokens``."""
        kwargs: dict[str, Any] = {"transport": transport}
        if timeout is not None:
            kwargs["timeout"] = timeout
        headers = {"Accept": "application/json", "Content-Type": "application/json; charset=utf-8"}
        client = make_client(api_url.rstrip("/") + "/", headers=headers, **kwargs)
        return cls(client=client, record=record, tokens=tokens, company_id=company_id)

    # -- sending ----------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        company: bool = True,
    ) -> Any:
        """Send one request with a valid token; the JSON body, or an error raised.

        A 401 for a token we believed valid is answered by one refresh and one retry
        (the token may have been revoked early); a second 401 is a ConfigError.
        """
        token = self.tokens.access_token()
        try:
            response = self._send(method, path, token, params, json_body, company)
        except ConfigError as exc:
            if exc.details.get("status") != 401:
                raise
            token = self.tokens.replace_rejected(token)
            response = self._send(method, path, token, params, json_body, company)
        body = response_payload(response)
        self._raise_for_error_body(body, response.status_code)
        return body

    def _send(
        self,
        method: str,
        path: str,
        token: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        company: bool,
    ) -> httpx.Response:
        if token not in self.secrets:
            self.secrets = (*self.secrets, token)
        self.client.headers["Authorization"] = f"Bearer {token}"
        if company:
            if not self.company_id:
                raise ConfigError("Choose the AccountView company to sync with in the settings.")
            self.client.headers[facts.COMPANY_HEADER] = self.company_id
        else:
            self.client.headers.pop(facts.COMPANY_HEADER, None)
        return self.request(method, path, params=params, json_body=json_body)

    def _raise_for_error_body(self, body: Any, status: int) -> None:
        """AccountView's error body on a 2xx is a refusal: FatalSyncError with its words."""
        error = error_fields(body)
        if error is None:
            return
        kind, numbers, message = error
        raise FatalSyncError(
            message,
            status=status,
            remote=self.remote,
            details={"error_type": kind, "error_numbers": numbers, "body": self.last_body()},
        )

    def error_message(self, response: httpx.Response) -> str:
        """``ErrorMessage`` (or ASP.NET's ``Message``) verbatim."""
        body = response_payload(response)
        error = error_fields(body)
        if error is not None:
            return error[2]
        if isinstance(body, Mapping) and isinstance(body.get("Message"), str):
            return str(body["Message"])
        return super().error_message(response)

    # -- system data ------------------------------------------------------------------------

    def companies(self) -> list[Company]:
        """The companies (administrations) the connected user may open."""
        body = self.call("GET", facts.COMPANIES_PATH, company=False)
        items = body if isinstance(body, list) else [body] if isinstance(body, Mapping) else []
        return [
            Company(str(c.get("Id", "")), str(c.get("Code", "")), str(c.get("Description", "")))
            for c in items
            if isinstance(c, Mapping)
        ]

    def business_objects(self) -> list[BusinessObject]:
        """The business objects of the company, with what the API may do to each."""
        body = self.call("GET", facts.BUSINESS_OBJECTS_PATH)
        return [
            BusinessObject(
                code=str(b.get("Code", "")),
                description=str(b.get("Description", "")),
                insert_allowed=bool(b.get("InsertAllowed")),
                update_allowed=bool(b.get("UpdateAllowed")),
                delete_allowed=bool(b.get("DeleteAllowed")),
            )
            for b in (body if isinstance(body, list) else [])
            if isinstance(b, Mapping)
        ]

    def fields(self, table: str) -> dict[str, FieldDef]:
        """The data dictionary of one table (``FLD``), e.g. to offer stock fields to pick."""
        pages = self.iter_rows(
            facts.DATA_DICTIONARY,
            "DCT_FLD",
            filters=[Filter("DBF_NAME", table.upper())],
            page_size=facts.MAX_PAGE_SIZE,
        )
        rows = [row for page in pages for row in page]
        return parse_fields(rows).get(table.upper(), {})

    # -- reads ------------------------------------------------------------------------------

    def get_page(
        self,
        query: Query,
        *,
        page_size: int = facts.DEFAULT_PAGE_SIZE,
        last_key: str | None = None,
        page_number: int | None = None,
    ) -> Any:
        """One raw page (the body keyed by table) of a query."""
        params = query.params(page_size)
        if last_key is not None:
            params["lastKey"] = last_key
        if page_number is not None:
            params["PageNumber"] = str(page_number)
        return self.call("GET", facts.DATA_PATH, params=params)

    def iter_pages(
        self,
        query: Query,
        *,
        page_size: int = facts.DEFAULT_PAGE_SIZE,
        paging: Paging | None = None,
    ) -> Iterator[Any]:
        """Every page of a query, raw (for reads that need the detail tables too).

        ``paging`` defaults to ``lastKey`` (rows in key order, no gap and no repeat when
        rows change between pages) unless the query sorts by something else, which only
        ``PageNumber`` can page through.
        """
        paging = paging or (Paging.PAGE_NUMBER if query.order else Paging.LAST_KEY)
        key, last_key, number = facts.table_key(query.table), None, 1
        while True:
            if paging is Paging.LAST_KEY:
                body = self.get_page(query, page_size=page_size, last_key=last_key)
            else:
                body = self.get_page(query, page_size=page_size, page_number=number)
            rows = rows_of(body, query.table)
            if rows:
                yield body
            if len(rows) < page_size:
                return
            last_key, number = self._next_key(rows, key, last_key), number + 1

    def _next_key(self, rows: list[Row], key: str, previous: str | None) -> str:
        """The ``lastKey`` after a page; refuses a key that does not move on (no endless loop)."""
        value = next((v for k, v in rows[-1].items() if k.upper() == key.upper()), None)
        if value is None or (previous is not None and str(value) == previous):
            raise FatalSyncError(
                f"AccountView's page of {key} values did not move on (last key {value!r}).",
                remote=self.remote,
            )
        return str(value)

    def iter_rows(
        self,
        business_object: str,
        table: str,
        fields: Sequence[str] = (),
        filters: Sequence[Filter] = (),
        page_size: int = facts.DEFAULT_PAGE_SIZE,
        order: Sequence[str] = (),
        *,
        descending: bool = False,
        match_any: bool = False,
        paging: Paging | None = None,
    ) -> Iterator[list[Row]]:
        """The rows of ``table``, one list per page (a row sent as an object → a list)."""
        query = Query(
            business_object,
            table,
            tuple(fields),
            tuple(filters),
            match_any=match_any,
            order=tuple(order),
            descending=descending,
        )
        for body in self.iter_pages(query, page_size=page_size, paging=paging):
            yield rows_of(body, table)

    # -- writes -----------------------------------------------------------------------------

    def write(
        self, business_object: str, documents: Sequence[Document], *, book_date: date
    ) -> dict[str, list[Row]]:
        """Write documents in one call; the created rows keyed by table (generated keys)."""
        body = build(business_object, documents, book_date=book_date)
        answer = self.call("POST", facts.DATA_PATH, json_body=body)
        tables = {d.table.upper() for d in documents}
        tables |= {detail.table.upper() for d in documents for detail in d.details}
        return {table: rows_of(answer, table) for table in sorted(tables)}


def error_fields(body: Any) -> tuple[str, Any, str] | None:
    """``(ErrorType, ErrorNumbers, ErrorMessage)`` of an error body (any key case), or None."""
    if not isinstance(body, Mapping):
        return None
    upper = {str(k).upper(): v for k, v in body.items()}
    message = upper.get("ERRORMESSAGE")
    if not isinstance(message, str) or not message.strip():
        return None
    return str(upper.get("ERRORTYPE") or ""), upper.get("ERRORNUMBERS"), message


__all__ = [
    "AccountViewClient",
    "BusinessObject",
    "Company",
    "Filter",
    "Op",
    "Paging",
    "Query",
    "error_fields",
]
