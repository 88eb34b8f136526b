"""Lifecycle signals, so flows hook into install/uninstall without editing the routes.

Receivers run inside the request after the store row is committed; they must
only enqueue work (webhook registration, first sync), never call out slowly.
"""

from blinker import Namespace

_signals = Namespace()

#: sender=app, store=Store — after a first install or a reinstall is committed.
store_installed = _signals.signal("store-installed")
#: sender=app, store=Store — after the token and ERP credentials are deleted.
store_uninstalled = _signals.signal("store-uninstalled")
#: sender=app, store=Store — BigCommerce refused the store's token: syncing stops until the
#: merchant opens the app again (the job layer cancels the store's queued jobs).
store_paused = _signals.signal("store-paused")
