"""AccountView (Visma AccountView.net) — the wire-level foundation of the connector.

AccountView.net is a REST bridge to the merchant's AccountView administration: one
generic endpoint (``/AccountViewData``) reads and writes every business object
(debtors AR1, articles AK1, sales orders SO1, journal pages DJ2, ...), OAuth2 with
rotating refresh tokens guards it, and the ``X-Company`` header picks the company.

Modules:

* :mod:`.facts` — what is known, and every assumption where it is not (one place;
  the sandbox reads it too). ``README.md`` tabulates the assumptions.
* :mod:`.oauth` — authorize URL, code exchange, refresh under the Credentials lock.
* :mod:`.client` — companies, ``lastKey``/``PageNumber`` paging, writes, errors.
* :mod:`.query` — numbered filters and the read parameters.
* :mod:`.envelopes` — the positional write format from plain dicts.
* :mod:`.dictionary` — field types and lengths of the tables bcapp uses.
* :mod:`.mapping`, :mod:`.journal` — pure ERP rows ⇄ canonical records and documents.
* :mod:`.settings` — the settings schema and its parsed form.
* :mod:`.changes` — change polling with a gap-free (CNG_DATE, key) cursor.
* :mod:`.connector` (with :mod:`.debtors`, :mod:`.sales`) — the Connector flows see.
* :mod:`.connect` — the connect wizard's calls: authorize URL, code exchange, companies.
"""

from bcapp.connectors.accountview.connect import authorize_url, companies, complete_connect
from bcapp.connectors.accountview.connector import AccountViewConnector

#: What :func:`bcapp.connectors.discover` registers.
CONNECTOR = AccountViewConnector

__all__ = [
    "CONNECTOR",
    "AccountViewConnector",
    "authorize_url",
    "companies",
    "complete_connect",
]
