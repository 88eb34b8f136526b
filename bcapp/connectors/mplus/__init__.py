"""MplusKASSA (MplusQapi SOAP) connector.

Modules: :mod:`.wsdl` (the shipped WSDL, indexed), :mod:`.soap` (dict ⇄ envelope
codec), :mod:`.client` (one installation, errors from one table), :mod:`.units`
(cents, quantities, date structs), :mod:`.mapping` (Mplus → canonical),
:mod:`.payloads` (canonical → Mplus), :mod:`.numbers` (numeric article numbers
for letter SKUs), :mod:`.settings`, :mod:`.store_led` (store → Mplus writes),
:mod:`.connector`.
"""

from bcapp.connectors.mplus.connector import MplusConnector
from bcapp.connectors.mplus.numbers import allocate_article_number

#: What :func:`bcapp.connectors.discover` registers.
CONNECTOR = MplusConnector

__all__ = ["CONNECTOR", "MplusConnector", "allocate_article_number"]
