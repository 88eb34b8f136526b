"""``bcapp worker --concurrency 4`` supervises its children (issue 15.5).

Before: SIGKILL of child #0 made the parent return (``all()`` stopped at the first
non-zero exit) and exit 0, leaving three workers and child #0's RQ scheduler running
as orphans; a dead child other than #0 was never replaced.
"""

from __future__ import annotations

import os
import re
import signal
import time

import pytest

from tests.conftest import base_config, clear_redis
from tests.hardening.stack import Stack, alive, descendants

pytestmark = [pytest.mark.redis, pytest.mark.slow]

STARTED = re.compile(r"pool: worker #(\d+) started \(pid (\d+)\)")


def started(stack: Stack) -> dict[int, int]:
    """The current pid of each worker slot, from the pool's log."""
    pids: dict[int, int] = {}
    for index, pid in STARTED.findall(stack.log("pool")):
        pids[int(index)] = int(pid)
    return pids


def wait_for(predicate, timeout: float = 30, what: str = "", stack: Stack | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(
        f"timed out waiting for {what}\n{stack.log('pool')[-3000:] if stack else ''}"
    )


def scheduler_of(pid: int) -> list[int]:
    """The processes a worker forked (RQ's scheduler, for worker #0)."""
    return descendants(pid)


@pytest.fixture
def stack(tmp_path, redis_url):
    from bcapp import create_app

    config = base_config(tmp_path, BCAPP_ENV="development", WORKER_LEASE_SECONDS=3)
    app = create_app(config)
    with app.app_context():
        from bcapp.extensions import db

        db.create_all()
    s = Stack(config, tmp_path)
    yield s
    s.stop()
    clear_redis(app)


def test_a_killed_child_is_replaced_and_a_signal_stops_them_all(stack):
    pool = stack.bcapp("pool", "worker", "--queue", "orders", "--concurrency", "4", "--simple")
    first = wait_for(
        lambda: len(started(stack)) == 4 and started(stack), what="4 workers", stack=stack
    )
    scheduler = wait_for(lambda: scheduler_of(first[0]), what="RQ's scheduler in #0", stack=stack)
    seen = set(first.values()) | set(scheduler)

    os.kill(first[0], signal.SIGKILL)
    second = wait_for(
        lambda: started(stack)[0] != first[0] and started(stack), 30, "#0 again", stack
    )
    wait_for(lambda: not any(alive(pid) for pid in scheduler), 15, "the old scheduler gone", stack)
    os.kill(first[3], signal.SIGKILL)
    third = wait_for(
        lambda: started(stack)[3] != first[3] and started(stack), 30, "#3 again", stack
    )

    assert pool.poll() is None, "the pool itself stays up"
    assert third[0] == second[0] and third[1] == first[1] and third[2] == first[2]
    live = {pid for pid in third.values() if alive(pid)}
    assert len(live) == 4
    new_scheduler = wait_for(lambda: scheduler_of(third[0]), 90, "a scheduler in the new #0", stack)
    seen |= set(third.values()) | set(new_scheduler)

    pool.send_signal(signal.SIGTERM)
    assert pool.wait(40) == 0, stack.log("pool")[-3000:]
    wait_for(lambda: not any(alive(pid) for pid in seen), 10, "every worker and scheduler gone")


def test_a_child_that_keeps_dying_comes_back_slower(stack):
    """Back-off: a worker that cannot start (Redis refuses it) is retried with growing waits."""
    stack.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    stack.config["BCAPP_ENV"] = "production"  # no fallback to an embedded Redis
    stack.config["BC_CLIENT_ID"] = stack.config["BC_CLIENT_ID"] or "x"
    pool = stack.bcapp("pool", "worker", "--queue", "orders", "--concurrency", "2", "--simple")
    wait_for(lambda: stack.log("pool").count("replacing it in 4 s") >= 1, 40, "back-off", stack)
    assert pool.poll() is None
    pool.send_signal(signal.SIGINT)
    assert pool.wait(20) == 0
