"""Every request body is bounded while it is read, chunked ones included.

Flask's ``MAX_CONTENT_LENGTH`` (a setting here, default 1 MiB) bounds every request: a
larger ``Content-Length`` is refused before a byte is read (Werkzeug), and a chunked
body (no length; gunicorn marks such a stream terminated) is read through
:class:`BoundedRequest`'s stream, which raises 413 on the first byte past the limit,
so nothing larger is ever held in memory. (Werkzeug's own limit on such a stream
stops reading at the limit without a word: the form or body is silently cut short.)
Forms are parsed through the same stream. A view that takes less lowers
``request.max_content_length`` before it reads (the webhook intake: 256 KB).

A 413 also closes the connection (:class:`CloseAfterRefusal`): otherwise gunicorn
would read and discard the rest of the body to keep the connection alive, that is,
still receive all of it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from flask import Flask, Request, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import LimitedStream, get_content_length

#: Set in the WSGI environ when the response must end the connection.
CLOSE = "bcapp.close_connection"


class Overflow(io.RawIOBase):
    """Reads a stream limited to ``limit + 1`` bytes; raises 413 on byte ``limit + 1``."""

    def __init__(self, raw: Any, limit: int) -> None:
        self.inner, self.limit, self.total = LimitedStream(raw, limit + 1, is_max=True), limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.inner.readinto(buffer) or 0
        self.total += count
        if self.total > self.limit:
            raise RequestEntityTooLarge()
        return count


class BoundedRequest(Request):
    """Flask's request, whose body stream refuses (413) what passes ``max_content_length``."""

    @cached_property
    def stream(self) -> Any:
        limit, environ = self.max_content_length, self.environ
        streaming = get_content_length(environ) is None and "wsgi.input_terminated" in environ
        if limit is None or not streaming:
            return super().stream  # a declared length: Werkzeug checks it before reading
        return io.BufferedReader(Overflow(environ["wsgi.input"], limit))


def init_limits(app: Flask) -> None:
    """Bounded request bodies; a too-large one is answered 413 and ends the connection."""
    app.request_class = BoundedRequest
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.wsgi_app = CloseAfterRefusal(app.wsgi_app)  # type: ignore[method-assign]


def close_connection() -> None:
    """End the connection after this response (the request body was left unread)."""
    request.environ[CLOSE] = True


def too_large(exc: RequestEntityTooLarge) -> Any:
    close_connection()
    return "The request body is too large.\n", 413, {"Content-Type": "text/plain"}


class CloseAfterRefusal:
    """WSGI middleware: a response marked :data:`CLOSE` is the connection's last.

    gunicorn's ``start_response`` belongs to its response object, whose
    ``force_close()`` stops it from draining the unread body for the next request.
    Other servers get ``Connection: close`` semantics their own way (or not at all).
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if environ.get(CLOSE):
                server_response = getattr(start_response, "__self__", None)
                force_close = getattr(server_response, "force_close", None)
                if callable(force_close):
                    force_close()
            return start_response(status, headers, exc_info)

        return self.app(environ, start)
