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
* :mod:`.mapping` — pure ERP rows ⇄ canonical records.

The Connector class (flows' view) is built on these separately.
"""
