"""The run's diary: status transitions and counts on :class:`SyncRun`, a LogEntry per record
that changed, failed or was skipped.

The dashboard draws its progress bar from ``SyncRun.total`` and the six
counters (seen = created + updated + unchanged + skipped + failed); the
activity log lists :class:`LogEntry` rows. Unchanged records are only counted
(unless the run lists everything: a dry run, ``show_unchanged``, a one-record
run), and a run lists at most ``SKIPPED_ROWS`` skipped records, then counts
the rest and says so in one note: a 100,000-SKU stock run every 15 minutes
must not write a row per SKU each time. Requests and responses pass through
:func:`bcapp.sync.records.redact` before they are stored, so no secret and no
unneeded personal data ever reaches the log. Nothing here commits: the
runner and :meth:`SyncContext.commit` decide when a batch is durable.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bcapp.extensions import db
from bcapp.models import LogEntry, RunStatus, SyncRun
from bcapp.models.base import utcnow
from bcapp.sync.records import Direction, Outcome, RecordId, redact, to_jsonable

COUNTERS = tuple(o.value for o in Outcome)
#: Write the heartbeat at most this often (each write is an UPDATE).
HEARTBEAT_EVERY = timedelta(seconds=5)
MESSAGE_LIMIT = 4000
#: Skipped records listed per run (unless it lists everything); the rest are counted.
SKIPPED_ROWS = 100
#: Log entries written to the run's transaction (flushed, not committed) every so many, so
#: the session lets go of them: a stock phase commits 2,000 at once, which held 7 MB of
#: entries and flush state at its peak.
FLUSH_EVERY = 250


class RunRecorder:
    """Counts and log entries of one run."""

    def __init__(
        self, run: SyncRun, *, direction: str = Direction.ERP_TO_BC, log_unchanged: bool = True
    ) -> None:
        self.run = run
        self.direction = str(direction)
        self.log_unchanged = log_unchanged
        #: Counters live here between commits: one UPDATE per commit, not one per record.
        self.counts: dict[str, int] = {}
        self.skipped_rows = 0
        #: The field-mapping version the run maps records with (set once it is read).
        self.mapping_version: int | None = None
        self._unflushed = 0

    def start(self, *, dry_run: bool, full: bool) -> None:
        """Mark the run running with fresh counters (a retried run starts counting again)."""
        run = self.run
        run.status, run.dry_run, run.full = RunStatus.RUNNING, dry_run, full
        run.started_at = run.heartbeat_at = utcnow()
        run.finished_at, run.total, run.message = None, None, ""
        self.counts = dict.fromkeys(("seen", *COUNTERS), 0)
        self.flush_counts()

    def flush_counts(self) -> None:
        """Copy the counters onto the run (before each commit)."""
        for name, value in self.counts.items():
            if getattr(self.run, name) != value:
                setattr(self.run, name, value)

    def finish(self, status: RunStatus, message: str = "") -> None:
        """Close the run with a status and a sentence for the merchant."""
        unlisted = self.skipped_rows - SKIPPED_ROWS
        if unlisted > 0:
            self.note(f"{unlisted} more skipped records are counted, not listed; a preview "
                      "(dry run) lists every record with its reason.")  # fmt: skip
        self.flush_counts()
        self.run.status = status
        self.run.message = message[:MESSAGE_LIMIT]
        self.run.finished_at = self.run.heartbeat_at = utcnow()

    def set_total(self, total: int | None) -> None:
        """How many records this run expects (None: unknown; the bar then counts only)."""
        self.run.total = total

    def add_total(self, count: int) -> None:
        """Grow the expected total by one batch (for sources that page without a count)."""
        self.run.total = (self.run.total or 0) + count

    def heartbeat(self, *, force: bool = False) -> bool:
        """Stamp ``heartbeat_at`` (throttled); True when it was written."""
        now = utcnow()
        last = self.run.heartbeat_at
        if force or last is None or now - _aware(last) >= HEARTBEAT_EVERY:
            self.run.heartbeat_at = now
            return True
        return False

    def record(
        self,
        outcome: Outcome | str,
        entity: str,
        bc_id: RecordId | None = None,
        erp_id: RecordId | None = None,
        message: str = "",
        request: Any = None,
        response: Any = None,
        details: dict[str, Any] | None = None,
        *,
        direction: str | None = None,
    ) -> LogEntry | None:
        """Count one record's outcome and add its log entry (redacted) to the session.

        Returns None, logging nothing, for an unchanged record of a flow
        registered with ``log_unchanged=False``.
        """
        outcome = Outcome(outcome)
        run = self.run
        for name in (outcome.value, "seen"):
            self.counts[name] = self.counts.get(name, getattr(run, name) or 0) + 1
        if not self.log_unchanged and not self._listed(outcome):
            self.heartbeat()
            return None
        entry = LogEntry(
            store_id=run.store_id,
            run_id=run.id,
            flow=run.flow,
            direction=str(direction or self.direction),
            entity=entity,
            bc_id=None if bc_id is None else str(bc_id),
            erp_id=None if erp_id is None else str(erp_id),
            outcome=outcome.value,
            message=redact(str(message))[:MESSAGE_LIMIT],
            request=None if request is None else redact(request),
            response=None if response is None else redact(response),
            details=_details(details, dry_run=bool(run.dry_run)),
            mapping_version=self.mapping_version,
        )
        db.session.add(entry)
        self._unflushed += 1
        if self._unflushed >= FLUSH_EVERY:
            db.session.flush()
            self._unflushed = 0
        self.heartbeat()
        return entry

    def _listed(self, outcome: Outcome) -> bool:
        """Whether a run that does not list everything writes this record's row."""
        if outcome is Outcome.UNCHANGED:
            return False
        if outcome is Outcome.SKIPPED:
            self.skipped_rows += 1
            return self.skipped_rows <= SKIPPED_ROWS
        return True

    def note(
        self, message: str, *, entity: str = "run", details: dict[str, Any] | None = None
    ) -> LogEntry:
        """A log line about the run itself (not a record): uncounted, direction "app"."""
        run = self.run
        entry = LogEntry(
            store_id=run.store_id, run_id=run.id, flow=run.flow,
            direction=Direction.APP.value, entity=entity, outcome="info",
            message=message[:MESSAGE_LIMIT], details=_details(details, dry_run=bool(run.dry_run)),
        )  # fmt: skip
        db.session.add(entry)
        return entry


def _details(details: dict[str, Any] | None, *, dry_run: bool) -> dict[str, Any] | None:
    out = redact(to_jsonable(details)) if details else {}
    if dry_run:
        out["dry_run"] = True
    return out or None


def _aware(value: Any) -> Any:
    """SQLite hands back naive datetimes; they were written as UTC."""
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
