"""The sandboxes worlds for the accountant's features (issue 22): BigCommerce with AFAS
(``world``, from the orders suite) and with MplusKASSA (``shop``, from the Mplus suite)."""

from tests.mplus.test_order_flow import shop  # noqa: F401
from tests.orders.conftest import app_config, queue_prefix, world  # noqa: F401
