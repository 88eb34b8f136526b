"""The orders suite's world (a store wired to the BigCommerce and AFAS sandboxes) for ops tests."""

from __future__ import annotations

from tests.orders.conftest import world  # noqa: F401  (the fixture)
