"""AccountView fixtures: a fresh sandbox, and whether the vendor's dictionaries are present."""

from __future__ import annotations

import pytest

from bcapp.sandbox.accountview import AccountViewSandbox
from bcapp.sandbox.accountview.spec import load_vendor

VENDOR = load_vendor()
NO_VENDOR_REASON = (
    "AccountView data dictionaries not found (../shared/erp-specs/accountview or "
    "BCAPP_SHARED_DIR): conformance with the vendor's dictionary is checked where they are present"
)
needs_vendor = pytest.mark.skipif(VENDOR is None, reason=NO_VENDOR_REASON)


@pytest.fixture
def sandbox() -> AccountViewSandbox:
    return AccountViewSandbox()
