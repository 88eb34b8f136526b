"""Job functions for the hardening tests (RQ imports them by name in its workers)."""

from __future__ import annotations

from rq import Queue
from rq.job import get_current_job


def run_a_copy_meanwhile() -> str:
    """While this job runs, a second worker runs the copy of it waiting in the same queue.

    That is what a job id pushed twice does with several workers: two executions of one
    job at once. (The copy runs this too; by then the queue is empty, so it just returns.)
    """
    from bcapp.jobs.worker import AppSimpleWorker

    job = get_current_job()
    assert job is not None
    queue = Queue(job.origin, connection=job.connection)
    AppSimpleWorker([queue], connection=job.connection).work(burst=True)
    return "done"
