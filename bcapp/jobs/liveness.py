"""Is anyone working? RQ's worker registry, read for this deployment's queues.

Every RQ worker registers itself in Redis and renews a heartbeat while it
lives (RQ's default worker TTL is 420 s; a busy worker renews it between jobs and
during long ones). A worker that died without a goodbye drops out when its key
expires; one whose heartbeat is older than :data:`STALE_AFTER` is reported as
stale before that. ``bcapp status`` shows what this module reads.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from rq import Worker

from bcapp.extensions import redis_ext
from bcapp.jobs.queues import QUEUE_NAMES, queue, queue_name, store_job_prefix

#: Seconds without a heartbeat after which a registered worker counts as stale.
STALE_AFTER = 120.0


@dataclass(frozen=True)
class WorkerInfo:
    """One registered RQ worker of this deployment."""

    name: str
    hostname: str
    pid: int | None
    queues: tuple[str, ...]  # without the deployment's prefix
    state: str
    heartbeat_age: float | None  # seconds since its last heartbeat

    @property
    def alive(self) -> bool:
        """Heard from within :data:`STALE_AFTER` seconds."""
        return self.heartbeat_age is not None and self.heartbeat_age <= STALE_AFTER


def workers() -> list[WorkerInfo]:
    """The registered workers that serve at least one of this deployment's queues."""
    ours = {queue_name(name): name for name in QUEUE_NAMES}
    found = []
    now = datetime.now(UTC)
    for worker in Worker.all(connection=redis_ext.client):
        names = tuple(ours[q] for q in worker.queue_names() if q in ours)
        if not names:
            continue
        beat = worker.last_heartbeat
        age = (now - beat.replace(tzinfo=beat.tzinfo or UTC)).total_seconds() if beat else None
        found.append(
            WorkerInfo(
                name=worker.name,
                hostname=str(worker.hostname or ""),
                pid=worker.pid,
                queues=names,
                state=str(worker.get_state()),
                heartbeat_age=age,
            )
        )
    return sorted(found, key=lambda w: (w.queues, w.name))


def uncovered_queues(found: list[WorkerInfo]) -> list[str]:
    """Queues no live worker serves: their jobs wait for ever."""
    served = {q for w in found if w.alive for q in w.queues}
    return [name for name in QUEUE_NAMES if name not in served]


def store_jobs(store_id: int) -> dict[str, int]:
    """Jobs of one store waiting in each queue."""
    prefix = store_job_prefix(store_id)
    counts: Counter[str] = Counter()
    for name in QUEUE_NAMES:
        counts[name] = sum(1 for jid in queue(name).get_job_ids() if jid.startswith(prefix))
    return dict(counts)
