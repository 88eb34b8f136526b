"""AFAS Profit connector: REST GetConnectors in, UpdateConnectors out.

``client`` speaks the wire protocol, ``changes`` polls GetConnectors with a
gap-free cursor, ``mapping`` translates canonical records ⇄ AFAS, ``settings``
holds the schema the settings page renders, ``connector`` ties them together.
"""

from bcapp.connectors.afas.connector import AfasConnector

#: What :func:`bcapp.connectors.discover` registers.
CONNECTOR = AfasConnector

__all__ = ["CONNECTOR", "AfasConnector"]
