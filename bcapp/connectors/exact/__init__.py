"""Exact Online: the wire-level client, OAuth, the shared call budget and pure mappings.

Modules:

* :mod:`.oauth`        country sites, authorize URL, code exchange, token refresh rules
* :mod:`.client`       :class:`ExactClient` (HttpApi): tokens, budget, OData pages, errors
* :mod:`.budget`       the per-division call budget (minute, day, order reserve, error
                       back-off); :mod:`.budget_redis` shares it between workers;
                       :mod:`.limits` holds the rate-limit headers and pure rules
* :mod:`.reader`       the sync API's Timestamp cursor and filtered bulk reads
* :mod:`.odata`        dates, GUIDs, literals, padded account codes, cursors
* :mod:`.mapping`      Exact rows → canonical records; :mod:`.payloads` the reverse
* :mod:`.webhooks`     HashCode verification of callbacks
* :mod:`.connector`    :class:`ExactConnector` (``CONNECTOR``), composed of :mod:`.session`
                       (tokens, budget, client), :mod:`.catalog`, :mod:`.orders` and
                       :mod:`.fulfilment`; :mod:`.settings` holds the settings schema

Facts and the choices made where Exact is silent: ``README.md`` beside this file.
"""

from bcapp.connectors.exact.budget import CallBudget, LocalCallBudget, Priority
from bcapp.connectors.exact.budget_redis import budget_for
from bcapp.connectors.exact.client import ExactClient
from bcapp.connectors.exact.connector import ExactConnector
from bcapp.connectors.exact.oauth import AppCredentials, TokenEndpoint, TokenManager, authorize_url
from bcapp.connectors.exact.webhooks import InvalidHashCode, WebhookEvent, verify_hashcode

#: What :func:`bcapp.connectors.discover` registers.
CONNECTOR = ExactConnector

__all__ = [
    "CONNECTOR",
    "AppCredentials",
    "CallBudget",
    "ExactClient",
    "ExactConnector",
    "InvalidHashCode",
    "LocalCallBudget",
    "Priority",
    "TokenEndpoint",
    "TokenManager",
    "WebhookEvent",
    "authorize_url",
    "budget_for",
    "verify_hashcode",
]
