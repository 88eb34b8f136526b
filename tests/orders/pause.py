"""The crash tests' checkpoint hook: stop a worker's export at a named point until killed.

Installed in the worker subprocess (``install(points, key_prefix)``) before it
forks its work horses, which inherit it. The pause is announced in Redis
(``{key_prefix}paused:{point}`` = pid) so the test knows whom to SIGKILL and when.
"""

from __future__ import annotations

import logging
import os
import time

log = logging.getLogger(__name__)


def install(points: str, key_prefix: str) -> None:
    """Pause at each of the comma-separated ``points``."""
    import bcapp.sync.orders as orders
    from bcapp.extensions import redis_ext

    wanted = set(points.split(","))

    def pause(name: str) -> None:
        if name not in wanted:
            return
        redis_ext.client.set(f"{key_prefix}paused:{name}", os.getpid(), ex=600)
        log.warning("paused at %s (pid %s) until killed", name, os.getpid())
        while True:
            time.sleep(1)

    orders.checkpoint_hook = pause
