"""A stateful AccountView.net simulator (OAuth2 + REST v3), as a WSGI app.

Behaves like AccountView.net where bcapp depends on it (facts and assumptions shared
with the client in :mod:`bcapp.connectors.accountview.facts`):

* OAuth2 authorization code: ``GET /ams/authorize.aspx`` redirects to the redirect URI
  with ``code`` and ``state``; ``POST /api/v3/token`` takes the client id and secret in
  the form body; access tokens expire (sandbox clock); refresh tokens rotate, and a
  reused one is ``invalid_grant`` (and revokes its whole grant).
* ``Authorization: Bearer`` on every API call (401 ``{"Message": ...}`` otherwise) and
  ``X-Company`` on data calls; ``/companies``, ``/accountviewsystembusinessobjects``,
  ``/accountviewsystemdata`` and ``BusinessObject=FLD`` serve the data dictionary.
* ``GET /AccountViewData``: numbered filters (Equal, NotEqual, Contains,
  DateOnOrAfterDate, lists, ``matchAnyFilter``), ``Filter=`` (a FoxPro subset),
  ``Fields``, ``SortFields``/``SortOrder``, ``PageSize`` (at most 1000), ``lastKey`` and
  ``PageNumber`` paging; answers keyed by upper-case table (a single row as a bare
  object when ``single_row_as_object`` is on).
* ``POST /AccountViewData``: the positional Definition/Fields + Rows format, any key
  case, validated against the data dictionary (the vendor's from
  ``../shared/erp-specs/accountview`` when present, the built-in set otherwise), with
  business rules (see :mod:`.rules`); refusals are ``{ErrorType, ErrorNumbers,
  ErrorMessage}`` with HTTP 200, malformed bodies the same with 400; written rows come
  back keyed by table, with their generated keys.

Business objects: AR1 (CONTACT), ADDR (DEL_ADDR), AK1 (ARTICLE), AG1 (ART_GRP),
SO1 (SO_HDR + SO_LINE), DJ2/DJ2P (DJ_PAGE + DJ_LINE), DJ1 (DAILY), VA1 (VAT),
GL1 (LEDGER), FLD (DCT_FLD).

Public API::

    sb = AccountViewSandbox(companies=(("DEMO", "Demo Webshop BV"),), client_id=...,
                            client_secret=..., redirect_uris=(...,), base_url=SANDBOX_URL)
    sb.wsgi_app; sb.transport()            # mount it (a queued "timeout" raises ReadTimeout)
    sb.base_url; sb.api_url; sb.company_id  # site root, .../api/v3, first company's X-Company
    sb.oauth.client_id / client_secret / redirect_uris
    sb.issue_tokens(scope=...) -> {access_token, refresh_token, expires_in, expires_at, ...}
    sb.revoke_refresh_tokens(); sb.expire_access_tokens(); sb.deny_next_authorization()
    sb.add_company(code, description) -> Company; sb.company(code=None) -> Company
    sb.add_group(code, description); sb.seed(n, groups=3) -> ["A0001", ...]
    sb.add_article(code, description, price=, group=, available=, reserved=, blocked=, **fields)
    sb.touch_article(code, **changes); sb.set_stock(code, available, reserved=None)
    sb.add_debtor(email, name, number=None, **fields) -> SUB_NR
    sb.debtor(number); sb.touch_debtor(number, **changes)
    sb.add_delivery_address(debtor, name, **fields) -> REC_ID
    sb.rows(table); sb.article(code); sb.orders_with_reference(ref); sb.order_lines(ord_nr)
    sb.debtors_with_email(email); sb.journal_pages(invoice_number)
    sb.fail_next(500 | 503 | "timeout", times=1); sb.reject_next_write(message)
                           # served on a port, "timeout" answers 504 instead
    sb.latency = 0.05      # seconds added to every API request
    sb.rate_limit = (n, seconds)   # [I] per access token; 429 + Retry-After (None: off)
    sb.single_row_as_object = True # one-row tables as bare objects
    sb.clock.advance(s); sb.clock.timestamp()   # CNG_DATE stamps and token expiry
    sb.requests            # every request (method, path, params, X-Company, body/form)
    sb.dictionary.source   # table -> "vendor" | "builtin": which rules validate writes

Every company starts with VAT codes 0/1/2, ledger accounts 1300 (debtors), 1500/1510
(VAT), 8000/8010/8100 (revenue) and the sales day book VK.

Run standalone: ``python -m bcapp.sandbox.accountview [port]`` serves a seeded sandbox.
"""

from bcapp.sandbox.accountview.sandbox import DEFAULT_REDIRECT, SANDBOX_URL, AccountViewSandbox

__all__ = ["DEFAULT_REDIRECT", "SANDBOX_URL", "AccountViewSandbox"]
