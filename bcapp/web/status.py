"""``bcapp status``: the operator's screen, as plain text, without the UI.

One block for the deployment (workers alive per queue, queue depth and the
oldest job's wait) and one per store: the last run of each flow, the failures
waiting for someone, webhook health, the store's queued jobs and its
BigCommerce rate budget. It reads what the dashboard reads (this module reuses
its queries), so both always tell the same story.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from bcapp.extensions import db
from bcapp.jobs import liveness
from bcapp.jobs.queues import queue_stats
from bcapp.models import Store
from bcapp.onboarding import connection_problem, current_connection
from bcapp.web.attention import needs_attention
from bcapp.web.dashboard import budget_snapshot, flow_runs, webhook_health
from bcapp.web.wording import flow_label


def deployment_lines() -> Iterator[str]:
    """Workers and queues of the whole deployment."""
    found = liveness.workers()
    alive = [w for w in found if w.alive]
    yield f"Workers: {len(alive)} alive, {len(found) - len(alive)} stale"
    for worker in found:
        beat = _ago(worker.heartbeat_age) if worker.heartbeat_age is not None else "never"
        mark = "" if worker.alive else "  STALE"
        yield (f"  {worker.name} on {worker.hostname} (pid {worker.pid}) "
               f"[{', '.join(worker.queues)}] {worker.state}, heartbeat {beat}{mark}")  # fmt: skip
    for name in liveness.uncovered_queues(found):
        yield f"  WARNING: no live worker serves the {name} queue: its jobs are not run"
    queues = ", ".join(
        f"{name} {depth}" + (f" (oldest {_ago(age)})" if depth else "")
        for name, depth, age in queue_stats()
    )
    yield f"Queues: {queues}"


def store_lines(store: Store) -> Iterator[str]:
    """One store's block."""
    connection = current_connection(store)
    kind = connection.kind if connection is not None else "no ERP connected"
    yield f"Store {store.store_hash} ({store.status}) — {kind}"
    problem = connection_problem(connection)
    if problem:
        yield f"  ERP connection: {problem}"
    runs = flow_runs(store.id)
    yield "  Last runs:"
    for item in runs:
        yield "    " + _run_line(item)
    if not runs:
        yield "    none yet"
    attention = needs_attention(store, runs)
    waiting = len([i for i in attention.items if i.kind != "order"]) + attention.failed_orders
    yield (f"  Failures waiting: {waiting} ({attention.failed_orders} orders not exported)")
    yield "  " + _webhook_line(webhook_health(store))
    jobs = liveness.store_jobs(store.id)
    yield "  Queued jobs: " + ", ".join(f"{name} {count}" for name, count in jobs.items())
    yield "  " + _budget_line(budget_snapshot(store))


def stores(store_hash: str | None = None) -> list[Store]:
    """Installed stores (or the one named), in id order."""
    stmt = db.select(Store).order_by(Store.id)
    if store_hash:
        stmt = stmt.where(Store.store_hash == store_hash)
    return [s for s in db.session.execute(stmt).scalars() if s.is_installed or store_hash]


def _run_line(item: Any) -> str:
    label = flow_label(item.flow)
    if item.current is not None:
        return f"{label:<28} {item.current.status} now"
    run = item.last
    if run is None:
        return f"{label:<28} never ran"
    counts = ", ".join(
        f"{getattr(run, n)} {n}" for n in ("created", "updated", "failed") if getattr(run, n)
    )
    when = _since(run.finished_at or run.created_at)
    return f"{label:<28} {run.status:<9} {when}" + (f" — {counts}" if counts else "")


def _webhook_line(health: dict[str, Any]) -> str:
    last = health["last"]
    said = f"last delivery {_since(last.received_at)}" if last else "no delivery yet"
    watchdog = health["watchdog"]
    hooks = ""
    if watchdog is not None:
        hooks = f"; hooks checked {_since(watchdog.finished_at)} ({watchdog.status})"
    return (f"Webhooks: {said}, {health['day_count']} in 24 h, "
            f"{health['failed']} failed{hooks}")  # fmt: skip


def _budget_line(snapshot: Any) -> str:
    if snapshot is None or snapshot.left is None:
        return "Rate budget: not known yet (no BigCommerce answer seen)"
    quota = f"/{snapshot.quota}" if snapshot.quota else ""
    reset = f", window resets in {snapshot.reset_ms / 1000:.0f} s" if snapshot.reset_ms else ""
    return f"Rate budget: {snapshot.left}{quota} requests left{reset}"


def _since(when: datetime | None) -> str:
    if when is None:
        return "—"
    when = when.replace(tzinfo=when.tzinfo or UTC)
    return _ago((datetime.now(UTC) - when).total_seconds())


def _ago(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"
