"""One retry policy for every job: sync flows (``run_flow_job``) and webhook events
(``handle_event_job``).

A :class:`~bcapp.errors.RetryableSyncError` (ERP down, BigCommerce 429, a record
locked by another worker) is retried by RQ's own ``Retry`` on the same job id,
after the intervals of ``SYNC_RETRY_INTERVALS`` (app config, default 30 s, 2 min,
10 min, 30 min, 1 h: five retries). When the error says ``retry_after`` (a 429's
reset, an ERP maintenance window) the coming attempt waits at least that long: a
reschedule on RQ's scheduler, never a sleeping worker. Any other failure is not
retried (it would fail the same way). ``EVENT_RETRY_INTERVALS``, the events' own
setting before there was one policy, is still read as another name for
``SYNC_RETRY_INTERVALS`` (:data:`bcapp.config.RENAMED`).
"""

from __future__ import annotations

import math

from flask import has_app_context
from rq import Retry
from rq.job import Job, get_current_job

from bcapp.config import current_settings

DEFAULT_INTERVALS = (30, 120, 600, 1800, 3600)


def intervals() -> list[int]:
    """Seconds before each retry, in order (their count is the number of retries)."""
    configured = current_settings().sync_retry_intervals if has_app_context() else None
    return [int(seconds) for seconds in (configured or DEFAULT_INTERVALS)]


def policy() -> Retry:
    """The ``Retry`` every job is enqueued with."""
    steps = intervals()
    return Retry(max=len(steps), interval=steps)


def wait_for(attempt: int, retry_after: float | None = None) -> int | None:
    """Seconds before retry number ``attempt + 1`` (0-based ``attempt``), None past the last."""
    steps = intervals()
    if attempt >= len(steps):
        return None
    return max(steps[attempt], math.ceil(retry_after or 0))


def ensure_policy(job: Job | None = None) -> None:
    """Give a job enqueued without ``Retry`` (by an older version, another module) the policy.

    The worker decides on a retry from the very job object that runs, so setting
    the fields now is enough; the worker saves them if it retries.
    """
    job = job or get_current_job()
    if job is not None and job.retries_left is None:
        steps = policy()
        job.retries_left, job.retry_intervals = steps.max, steps.intervals


def plan(retry_after: float | None) -> int | None:
    """The running job failed retryably: seconds until RQ runs it again, None when spent.

    Call it, then let the error propagate: RQ's worker schedules the retry.
    """
    job = get_current_job()
    if job is None or not job.retries_left:
        return None
    return defer(job, retry_after)


def defer(job: Job, retry_after: float | None) -> int:
    """Make the job's coming retry wait at least ``retry_after`` seconds; returns the wait.

    RQ picks the interval of the coming retry from ``job.retry_intervals`` by
    ``retries_left``; raising that one slot keeps the later backoff steps as
    they were. The worker saves the job when it schedules the retry.
    """
    steps = list(job.retry_intervals or [0])
    index = max(len(steps) - (job.retries_left or 1), 0)
    index = min(index, len(steps) - 1)
    wait = max(steps[index], math.ceil(retry_after or 0))
    steps[index] = wait
    job.retry_intervals = steps
    return wait


def stop() -> None:
    """No retry for the running job: a bug or a timeout fails the same way next time."""
    job = get_current_job()
    if job is not None:
        job.retries_left = 0


def attempts(job: Job) -> int:
    """How many times a job with this policy runs at most."""
    return len(job.retry_intervals or []) + 1
