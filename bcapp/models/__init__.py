"""Per-store state in the relational database (SQLite by default, PostgreSQL in production).

Redis never holds state that matters after a restart: only queues, locks and
rate budgets. Everything here is scoped to a store, directly or through its
connection, and is deleted with it.
"""

from bcapp.models.binding import Binding
from bcapp.models.connection import Connection
from bcapp.models.mapping import RECORD_TYPES, MappingVersion
from bcapp.models.store import Store, StoreStatus, StoreUser
from bcapp.models.sync import Cursor, LogEntry, RunStatus, SyncRun
from bcapp.models.webhook import WebhookEvent

__all__ = [
    "RECORD_TYPES",
    "Binding",
    "Connection",
    "Cursor",
    "LogEntry",
    "MappingVersion",
    "RunStatus",
    "Store",
    "StoreStatus",
    "StoreUser",
    "SyncRun",
    "WebhookEvent",
]
