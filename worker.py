"""Start an RQ worker for bcapp on the orders, default and catalog queues.

``python worker.py`` is the same as ``bcapp worker``: the app is built from the
environment (REDIS_URL, DATABASE_URL, ...) once, and every job runs inside it.
"""

from bcapp import create_app
from bcapp.jobs.worker import run_worker
from bcapp.logs import configure_logging

if __name__ == "__main__":
    configure_logging()
    run_worker(create_app())
