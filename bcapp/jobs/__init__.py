"""RQ jobs: thin wrappers around one flow each, with deterministic ids per store.

* :mod:`bcapp.jobs.queues` — the three queues ("orders" latency-sensitive,
  "default", "catalog" long), ``job_id(store_id, flow, key)`` =
  ``store-{id}-{flow}[-{key}]``, ``cancel_store_jobs``.
* :mod:`bcapp.jobs.sync` — ``enqueue_flow(store_id, flow, ...)`` (returns the
  existing job when one is queued, started or scheduled), ``enqueue_retry``,
  ``enqueue_replay`` and the job ``run_flow_job``: RQ ``Retry`` with backoff for
  RetryableSyncError, never sleeping for a long ``retry_after``.
* :mod:`bcapp.jobs.schedule` — ``tick_job`` enqueues what is due per store
  (``store.settings["schedules"]`` over the flows' ``PERIODIC`` defaults).
* :mod:`bcapp.jobs.handoff` — the webhook hand-off (intake → dispatchers → event
  jobs), idempotent job making, and the recovery of events nothing will run.
* :mod:`bcapp.jobs.events` — ``handle_event_job`` and ``ROUTES`` (scope → flow).
* :mod:`bcapp.jobs.retry` — the one retry policy of every job.
* :mod:`bcapp.jobs.runtime` — ``app_context()``: the Flask app inside a job.
* :mod:`bcapp.jobs.worker` — the worker, its supervised pool (``bcapp worker
  --concurrency N``) and the clock (``bcapp tick``).
"""

from bcapp.jobs.runtime import app_context, get_app, set_app

__all__ = ["app_context", "get_app", "set_app"]
