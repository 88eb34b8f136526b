"""A working MplusKASSA (MplusQapi SOAP) simulator: see :mod:`.app` and :mod:`.state`."""

from bcapp.sandbox.mplus.app import MplusSandbox, create_mplus_sandbox
from bcapp.sandbox.mplus.state import WEB_EMPLOYEE, MplusState

__all__ = ["WEB_EMPLOYEE", "MplusSandbox", "MplusState", "create_mplus_sandbox"]
