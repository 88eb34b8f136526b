"""The orders world (BigCommerce and AFAS sandboxes) for the accountant's features (issue 22)."""

from tests.orders.conftest import app_config, queue_prefix, world  # noqa: F401
