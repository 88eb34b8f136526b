"""Where flows announce themselves: ``FLOWS``, ``PERIODIC`` and ``RETRY_HANDLERS``.

A flow module (``bcapp/sync/<entity>.py``) registers at import time::

    from bcapp.connectors.base import Capability
    from bcapp.sync import register_flow, register_retry

    @register_flow("products", requires={Capability.PRODUCTS}, queue="catalog",
                   lock="catalog", group="catalog", every=60)
    def sync_products(ctx, **options): ...

    @register_retry("product", requires={Capability.PRODUCTS}, lock="catalog")
    def retry_product(ctx, *, bc_id=None, erp_id=None, payload=None): ...

* ``requires`` — capabilities the store's connector must have; the runner
  refuses the run (ConfigError) otherwise and the tick does not schedule it.
* ``queue`` — "orders" (latency-sensitive), "default" or "catalog" (long).
* ``lock`` — runs sharing a lock name never overlap for one store (default:
  the flow's name). BigCommerce asks not to run bulk inventory writes beside
  bulk catalog writes, so catalog flows share "catalog".
* ``group`` — the switch in ``store.settings["flows"]`` that turns the flow
  off (default: the flow's name), and what ``bcapp resync`` selects ("catalog").
* ``every`` — default minutes between scheduled runs (``PERIODIC``); the
  merchant overrides per flow in ``store.settings["schedules"]`` (0 = off).
* ``direction`` — the log's direction for the flow's records.
* ``log_unchanged`` — True lists every unchanged record in the log. Off by default:
  unchanged records are counted on the run but get no log entry (a 100,000-SKU
  stock run every 15 minutes would otherwise write ~10 million rows a day); dry
  runs and a run asked for with ``show_unchanged`` list them anyway.
* ``per_record`` — the flow syncs one record named by its options (an order, a
  customer, a shipment): only its event or the log's Retry start it, never the
  schedule or a "Run now" button (which have no record to name).

A retry handler re-syncs one record: with ``payload`` None it re-fetches the
latest state (the log's Retry button), otherwise it re-sends the stored,
redacted request (Replay). Flow modules are found by :func:`load_flows`, which
imports every module of ``bcapp.sync`` that is not part of the core.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from bcapp.connectors.base import Capability
from bcapp.errors import ConfigError
from bcapp.models import Store
from bcapp.sync.context import SyncContext
from bcapp.sync.records import Direction

log = logging.getLogger(__name__)

FlowFn = Callable[..., Any]
#: A decorated flow function keeps its own signature (the registry holds it as a FlowFn).
F = TypeVar("F", bound=FlowFn)
CORE_MODULES = frozenset({"binder", "context", "recorder", "records", "registry", "runner"})
QUEUES = ("orders", "default", "catalog")


@dataclass(frozen=True)
class Flow:
    """A registered flow: the callable plus what the runner and the jobs need to know."""

    name: str
    fn: FlowFn
    requires: frozenset[Capability] = frozenset()
    queue: str = "default"
    lock: str = ""
    group: str = ""
    direction: str = Direction.ERP_TO_BC.value
    needs_connection: bool = True
    #: True: "unchanged" records get a log entry each (default: they are only counted).
    log_unchanged: bool = False
    #: One record per run, named by options: started by events and Retry, never scheduled.
    per_record: bool = False
    #: For flows whose needs depend on the options (retry/replay): options → a refined Flow.
    resolver: Callable[[Flow, Mapping[str, Any]], Flow] | None = field(default=None, compare=False)
    #: Store → whether the schedule runs this flow for it (a run asked for by hand still
    #: runs and says why it has nothing to do); None: always.
    when: Callable[[Store], bool] | None = field(default=None, compare=False)

    def __call__(self, ctx: SyncContext, **options: Any) -> Any:
        return self.fn(ctx, **options)

    @property
    def schedulable(self) -> bool:
        """Whether the schedule (and a "Run now" button) may start this flow."""
        return not self.per_record

    @property
    def lock_name(self) -> str:
        return self.lock or self.name

    @property
    def group_name(self) -> str:
        return self.group or self.name

    def for_options(self, options: Mapping[str, Any]) -> Flow:
        """This flow as it runs with ``options`` (retry resolves its entity's handler)."""
        return self.resolver(self, options) if self.resolver else self


@dataclass(frozen=True)
class RetryHandler:
    """Re-syncs one record of ``entity``: ``fn(ctx, bc_id=None, erp_id=None, payload=None)``."""

    entity: str
    fn: FlowFn
    requires: frozenset[Capability] = frozenset()
    lock: str = ""
    queue: str = "default"
    direction: str = Direction.ERP_TO_BC.value


#: name → Flow (a Flow is callable as ``flow(ctx, **options)``).
FLOWS: dict[str, Flow] = {}
#: name → default minutes between scheduled runs.
PERIODIC: dict[str, int] = {}
#: entity → RetryHandler (the log's Retry and Replay buttons).
RETRY_HANDLERS: dict[str, RetryHandler] = {}


def register_flow(
    name: str,
    *,
    requires: Iterable[Capability] = (),
    queue: str = "default",
    lock: str = "",
    group: str = "",
    direction: str = Direction.ERP_TO_BC.value,
    every: int | None = None,
    needs_connection: bool = True,
    log_unchanged: bool = False,
    when: Callable[[Store], bool] | None = None,
    per_record: bool = False,
) -> Callable[[F], F]:
    """Decorator: register ``fn`` as flow ``name`` (re-registering replaces it)."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; use one of {QUEUES}")

    def decorate(fn: F) -> F:
        FLOWS[name] = Flow(
            name, fn, frozenset(requires), queue, lock, group, str(direction), needs_connection,
            log_unchanged, per_record, when=when,
        )  # fmt: skip
        if every is not None:
            PERIODIC[name] = every
        else:
            PERIODIC.pop(name, None)
        return fn

    return decorate


def register_retry(
    entity: str,
    *,
    requires: Iterable[Capability] = (),
    lock: str = "",
    queue: str = "default",
    direction: str = Direction.ERP_TO_BC.value,
) -> Callable[[F], F]:
    """Decorator: register ``fn`` as the retry handler of ``entity``."""

    def decorate(fn: F) -> F:
        RETRY_HANDLERS[entity] = RetryHandler(
            entity, fn, frozenset(requires), lock, queue, str(direction)
        )
        return fn

    return decorate


def unregister(name: str) -> None:
    """Forget a flow (tests register their own and clean up)."""
    FLOWS.pop(name, None)
    PERIODIC.pop(name, None)


def get_flow(name: str) -> Flow:
    """The flow called ``name``; loads the flow modules first if it is not known yet."""
    if name not in FLOWS:
        load_flows()
    try:
        return FLOWS[name]
    except KeyError:
        raise ConfigError(f"There is no sync flow called {name!r}.") from None


def flows_in_group(group: str) -> list[Flow]:
    """Registered flows of a settings group, in registration order."""
    load_flows()
    return [f for f in FLOWS.values() if f.group_name == group]


def retry_handler(entity: str) -> RetryHandler:
    if entity not in RETRY_HANDLERS:
        load_flows()
    try:
        return RETRY_HANDLERS[entity]
    except KeyError:
        raise ConfigError(f"Records of type {entity!r} cannot be retried.") from None


_loaded = False


def load_flows(*, force: bool = False) -> None:
    """Import every flow module of ``bcapp.sync`` once (a broken one is logged, not fatal)."""
    global _loaded
    if _loaded and not force:
        return
    _loaded = True
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name in CORE_MODULES or info.name.startswith("_"):
            continue
        try:
            importlib.import_module(f"bcapp.sync.{info.name}")
        except Exception:  # one broken flow module must not stop the others
            log.exception("could not load flow module bcapp.sync.%s", info.name)


def with_handler(flow: Flow, handler: RetryHandler) -> Flow:
    """``flow`` refined by a retry handler's capabilities, lock, queue and direction."""
    return replace(
        flow,
        requires=handler.requires,
        lock=handler.lock or f"retry:{handler.entity}",
        queue=handler.queue,
        direction=handler.direction,
        resolver=None,
    )
