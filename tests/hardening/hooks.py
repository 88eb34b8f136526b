"""Test hooks installed in a stack process before it starts (``Stack.bcapp(..., hook=...)``).

``install(config)`` widens the windows a SIGKILL must hit to matter: a dispatcher
holds the ids it took for a moment before it makes their jobs, and an export pauses
between the ERP's create and our binding. Production code only offers the injectable
checkpoints; the pauses live here.
"""

from __future__ import annotations

import time
from typing import Any

DISPATCH_PAUSE = 0.03
EXPORT_PAUSE = 0.02


def install(config: dict[str, Any]) -> None:
    import bcapp.sync.orders as orders
    from bcapp.jobs import handoff

    def hold(point: str, dispatcher: Any) -> None:
        time.sleep(DISPATCH_PAUSE)

    def pause(point: str) -> None:
        if point == "after_create":
            time.sleep(EXPORT_PAUSE)

    handoff.checkpoint_hook = hold
    orders.checkpoint_hook = pause
