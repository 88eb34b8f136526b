"""Issue 14, points 3 and 4 in the job layer: jobs never import web; one retry policy;
event routing is a table kept in step with the webhook scopes."""

from __future__ import annotations

import ast
from pathlib import Path

from bcapp.jobs import events, retry
from bcapp.sync.webhooks import SCOPES

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_job_layer_never_imports_the_web_layer():
    offenders = {
        path.name: sorted(m for m in imported_modules(path) if m.startswith("bcapp.web"))
        for path in (ROOT / "bcapp" / "jobs").glob("*.py")
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_every_subscribed_scope_has_a_route_and_every_route_a_subscription():
    assert set(events.ROUTES) == set(SCOPES)


def test_one_retry_policy_for_flows_and_events(app):
    from bcapp.jobs.sync import retry_policy

    app.config["SYNC_RETRY_INTERVALS"] = [3, 4]
    assert retry_policy().intervals == retry.policy().intervals == [3, 4]
    assert retry.wait_for(0) == 3 and retry.wait_for(1, retry_after=9.5) == 10
    assert retry.wait_for(2) is None


def test_the_events_former_setting_is_read_as_the_one_policy(tmp_path):
    from bcapp.config import load

    assert load({"EVENT_RETRY_INTERVALS": [1, 1]})["SYNC_RETRY_INTERVALS"] == (1, 1)
    assert load({}, environ={"EVENT_RETRY_INTERVALS": "5,6"})["SYNC_RETRY_INTERVALS"] == (5, 6)
    both = load({"EVENT_RETRY_INTERVALS": [1], "SYNC_RETRY_INTERVALS": [2]})
    assert both["SYNC_RETRY_INTERVALS"] == (2,)
