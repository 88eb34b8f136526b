"""What we know about AccountView.net, and what we chose where nobody outside Visma knows.

Both the client and the sandbox (``bcapp.sandbox.accountview``) read this module, so
every assumption is made once: change a value here and both sides follow. Comments
tag each value **[V]** (verified; the source tag refers to
``../shared/erp-notes-accountview-exact.md``) or **[I]** (inferred or chosen). Every
[I] value is a row of the assumption table in this package's ``README.md``; one call
to ``accountviewsystembusinessobjects`` and ``FLD`` on a real tenant settles most.
"""

from __future__ import annotations

from typing import Final

# -- hosts and paths ------------------------------------------------------------------------

PRODUCTION_URL: Final = "https://www.accountview.net"  # [V A1]
TEST_URL: Final = "https://test.accountview.net"  # [V A2 README]
API_PATH: Final = "/api/v3"  # [V A1]
AUTHORIZE_PATH: Final = "/ams/authorize.aspx"  # [V A3, A5]
TOKEN_PATH: Final = "token"  # under API_PATH [V A1, A3, A5]
COMPANIES_PATH: Final = "companies"  # [V A1; also written /Companies]
DATA_PATH: Final = "AccountViewData"  # [V A1, A2, A3]
BUSINESS_OBJECTS_PATH: Final = "accountviewsystembusinessobjects"  # [V A1]
SYSTEM_DATA_PATH: Final = "accountviewsystemdata"  # [V A1]
COMPANY_HEADER: Final = "X-Company"  # [V A1, A4]

# -- OAuth2 ---------------------------------------------------------------------------------

SCOPE_READ: Final = "readaccountviewdata"  # [V A3, A4, A5]
SCOPE_UPDATE: Final = "updateaccountviewdata"  # [V A3]
SCOPE_DELETE: Final = "deleteaccountviewdata"  # [V A3]
#: What bcapp asks for: it reads the catalog and writes debtors, orders and journal pages.
SCOPES: Final = (SCOPE_READ, SCOPE_UPDATE)
#: [I] Access-token lifetime when the token response has no ``expires_in``. The token
#: endpoint (``/token``, client credentials in the form body) is the ASP.NET OWIN
#: pattern, whose default lifetime is 20 minutes. The sandbox issues exactly this.
ACCESS_TOKEN_LIFETIME: Final = 1200
#: Refresh this many seconds before the access token expires (clock skew, slow calls).
REFRESH_MARGIN: Final = 60
#: [I] Authorization codes live this long and work once (the sandbox enforces it).
AUTH_CODE_LIFETIME: Final = 600
#: [I] A spent, revoked or unknown refresh token: RFC 6749 §5.2 ``invalid_grant``,
#: HTTP 400, ``{"error": ..., "error_description": ...}`` (the OWIN middleware's shape).
REFUSED_GRANT: Final = "invalid_grant"
#: [I] Refresh tokens rotate (A3 stores the new one after each refresh). Reusing a spent
#: one is treated as theft: the sandbox then also revokes the tokens issued after it.
#: Stricter than most servers on purpose, so a double refresh cannot go unnoticed.
REVOKE_FAMILY_ON_REUSE: Final = True
#: [I] The 401 body of a refused bearer token (ASP.NET Web API's standard message).
UNAUTHORIZED_MESSAGE: Final = "Authorization has been denied for this request."

# -- reading --------------------------------------------------------------------------------

#: [V A1, A2] Page sizes seen in client code: 20, 200, 400, 1000.
DEFAULT_PAGE_SIZE: Final = 200
#: [I] No maximum is documented; the sandbox refuses larger pages so we never rely on one.
MAX_PAGE_SIZE: Final = 1000
#: [I] The sandbox's page size when a read names none.
SERVER_DEFAULT_PAGE_SIZE: Final = 100
#: [I] ``FilterIsListOfValuesN=true``: the values travel comma-separated in ``FilterValueN``.
LIST_SEPARATOR: Final = ","
#: [V A3, A4] Filter operators seen in client code (the server reads them case-insensitively).
OPERATORS: Final = ("Equal", "NotEqual", "Contains", "DateOnOrAfterDate")
#: [I] String comparisons in filters ignore case (e-mail matching relies on it).
FILTERS_IGNORE_CASE: Final = True
#: [V A1] Date formats in JSON: ``2006-01-02`` (D) and ``2006-01-02T15:04:05`` (T).
DATE_FORMAT: Final = "%Y-%m-%d"
DATETIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%S"

#: Paging by ``lastKey``: the field whose value of the last row asks for the next page.
#: [V A2] for CONTACT, LEDGER, DCT_FLD and PROJECTS, and REC_ID as A2's default;
#: [I] for the tables A2 never read (ARTICLE by code, ...). ``<TABLE>_Id`` keys are
#: positions in the (filtered, ordered) result, as the DCT_FLD dumps show (0, 1, 2 ...).
TABLE_KEYS: Final[dict[str, str]] = {
    "CONTACT": "SUB_NR",
    "LEDGER": "ACCT_NR",
    "DCT_FLD": "DCT_FLD_Id",
    "PROJECTS": "PROJ_CODE",
    "ARTICLE": "ART_CODE",  # [I]
    "ART_GRP": "AG_CODE",  # [I]
    "VAT": "VAT_CODE",  # [I]
    "DAILY": "DJ_CODE",  # [I]
    "SO_HDR": "ORD_NR",  # [I]
    "DJ_PAGE": "DJ_PAGE_Id",  # [I] DJ_PAGE has no REC_ID in its dictionary
}
DEFAULT_TABLE_KEY: Final = "REC_ID"


def table_key(table: str) -> str:
    """The ``lastKey`` field of a table (A2's default REC_ID for the tables not listed)."""
    return TABLE_KEYS.get(table.upper(), DEFAULT_TABLE_KEY)


# -- business objects -----------------------------------------------------------------------

DEBTORS: Final = "AR1"  # CONTACT [V A1, A3]
ARTICLES: Final = "AK1"  # ARTICLE [V A1, A3, A4]
ARTICLE_GROUPS: Final = "AG1"  # ART_GRP [V A3, A4]
DELIVERY_ADDRESSES: Final = "ADDR"  # DEL_ADDR [V A3]
SALES_ORDERS: Final = "SO1"  # SO_HDR + SO_LINE [V A3]
#: [I] Sales invoices: the notes found no invoice business object; posted invoices are
#: sales-journal pages, written through DJ2 (DJ_PAGE + DJ_LINE) and read through DJ2P.
SALES_JOURNAL: Final = "DJ2"  # [V A1 write]
SALES_JOURNAL_READ: Final = "DJ2P"  # [V A1 read]
VAT_CODES: Final = "VA1"  # VAT [V A1, A2]
LEDGER_ACCOUNTS: Final = "GL1"  # LEDGER [V A1, A2]
JOURNALS: Final = "DJ1"  # DAILY [V A1]
DATA_DICTIONARY: Final = "FLD"  # DCT_FLD [V A1, A2]
#: [I] Packing slips: no business object is known and none is simulated; an order
#: leaves SO_HDR for the history (ALH, ``HST_AH``) once invoiced [I, notes 1.2].

# -- fields whose names or meaning are not documented ---------------------------------------

STOCK_AVAILABLE_FIELD: Final = "QTY_AVAIL"  # [V A3] "available" stock, used as shop stock
STOCK_FREE_FIELD: Final = "QTY_FREE2"  # [V A3, A4] name; [I] = available minus reserved
#: [I] Sales reservations: a separate figure exists (APIcenter subtracts it), its field
#: name was not found. Chosen: QTY_RES. The merchant can pick another field.
STOCK_RESERVED_FIELD: Final = "QTY_RES"
ARTICLE_BLOCKED_FIELD: Final = "REC_BLK"  # [I] "Geblokkeerd", as on CONTACT and LEDGER
#: [I] The sales-order number AccountView assigns (returned by the POST, key of SO_HDR).
ORDER_NUMBER_FIELD: Final = "ORD_NR"
#: [V A3] COMMENT1 ("omschrijving verkooporder") carries the store's order reference.
ORDER_REFERENCE_FIELD: Final = "COMMENT1"
#: [I] Length of SO_HDR.COMMENT1 (no SO_HDR dictionary; CONTACT's COMMENT1 is a memo).
ORDER_REFERENCE_LENGTH: Final = 40
#: [I] SO_HDR's delivery (shipping) method, where ``OrderInstructions.delivery_method`` goes:
#: CONTACT has SHIP_MTH "Vervoersmethode" (dictionary) and the order history ``ship_mth`` [A4].
ORDER_SHIP_METHOD_FIELD: Final = "SHIP_MTH"
#: [I] SO_LINE's VAT code (as on DJ_LINE and CONTACT), where a mapped tax class goes.
ORDER_LINE_VAT_FIELD: Final = "VAT_CODE"
#: [I] The invoice number of a journal page (DJ_PAGE.INV_NR, C12 [V dictionary]) carries the
#: store's order reference when orders are sent as invoices; a longer one is refused.
INVOICE_REFERENCE_FIELD: Final = "INV_NR"
#: [V dictionary] CONTACT.RPL_GRP "Relatiegroep": the default debtor field mapped onto a
#: BigCommerce customer group (the merchant can pick APX_LIST, the price list, and others).
DEFAULT_GROUP_FIELD: Final = "RPL_GRP"
#: [I] ``Equal`` on text may behave like FoxPro's ``=`` with SET EXACT OFF (a prefix match):
#: every lookup by e-mail, reference or number is checked again exactly by the connector.
EQUAL_MAY_MATCH_PREFIX: Final = True
#: Debtor numbers asked about per read when new debtors are numbered from a range.
RANGE_PROBE: Final = 100
#: [I] SUB_NR is auto-numbered when a debtor is written without one (A3 sends none),
#: although the dictionary marks it mandatory. The sandbox numbers from here.
FIRST_DEBTOR_NUMBER: Final = 10001

#: [I] Dates and times in AccountView are the administration's local time without a zone
#: (A1's types carry none); store times (UTC) are converted to this zone before writing.
ADMINISTRATION_TIMEZONE: Final = "Europe/Amsterdam"

# -- writing --------------------------------------------------------------------------------

ROW_ID: Final = "RowId"  # [V A1, A3]
HEADER_ID: Final = "HeaderId"  # [V A1, A3]
#: [I] RowAction appears as a column in A1, its values are undocumented. Chosen: "I"
#: inserts (also the default without the column), "U" updates the row with that key.
ROW_ACTION: Final = "RowAction"
ROW_INSERT: Final = "I"
ROW_UPDATE: Final = "U"
#: Fields AccountView fills itself when a write leaves them out, although the dictionary
#: marks them mandatory. [I] SUB_NR (A3 never sends it); DJ_LINE's page fields come from
#: the page it belongs to, and its REC_ID/SRC_* are system keys (A1 sends none of them).
SYSTEM_FILLED: Final[dict[str, frozenset[str]]] = {
    "CONTACT": frozenset({"SUB_NR"}),
    "DJ_PAGE": frozenset({"PAGE_NR"}),
    "DJ_LINE": frozenset({"DJ_CODE", "PAGE_NR", "REC_ID", "SRC_ID", "SRC_TYPE"}),
    "DEL_ADDR": frozenset({"REC_ID"}),
    "SO_HDR": frozenset({"ORD_NR"}),
    "SO_LINE": frozenset({"REC_ID", "ORD_NR"}),
}

# -- errors ---------------------------------------------------------------------------------

ERROR_TYPE: Final = "AccountViewError"  # [V A1 client.go comment]
#: [I] Business-rule and dictionary errors arrive with HTTP 200 and the error body
#: (clients treat a non-empty ErrorMessage as failure on any 2xx) [V A1, A3].
BUSINESS_ERROR_STATUS: Final = 200
#: [I] A malformed request (no definition, values not lining up): HTTP 400, same body.
REQUEST_ERROR_STATUS: Final = 400
#: [I] Rate limits: none published, none seen in clients. The sandbox can impose one
#: (429 with Retry-After); the client treats 429 as retryable and honours Retry-After.
RATE_LIMITED_STATUS: Final = 429
