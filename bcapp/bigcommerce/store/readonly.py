"""A BigCommerce transport for dry runs: reads go through, writes are refused."""

from __future__ import annotations

import httpx

from bcapp.errors import FatalSyncError

#: BigCommerce POSTs that only read (a refund quote computes, it refunds nothing).
READ_ONLY_POSTS = ("/payment_actions/refund_quotes",)


class ReadOnlyTransport(httpx.BaseTransport):
    """Refuses BigCommerce writes in a dry run: a flow that forgot ``ctx.dry_run`` fails loudly.

    The refusal is a FatalSyncError, so inside :func:`~bcapp.sync.runner.for_each`
    it shows up in the preview as a failed record naming the request.
    """

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method not in ("GET", "HEAD") and not path.endswith(READ_ONLY_POSTS):
            raise FatalSyncError(
                f"Dry run: refused to send {request.method} {path} to BigCommerce.",
                remote="bigcommerce",
            )
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()
