"""BigCommerce's error bodies, v3 and v2 shapes, raised from any handler.

v3 answers ``{"status", "title", "type", "errors": {field: message}}``;
v2 answers a JSON array ``[{"status", "message"}]``. Handlers raise
``ApiError`` and the router renders the shape of the API version called.
"""

from __future__ import annotations

from typing import Any

STATUS_DOC = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"


class ApiError(Exception):
    """An HTTP error answer; ``errors`` maps field → message (v3 only)."""

    def __init__(
        self,
        status: int,
        title: str,
        errors: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.errors = errors or {}
        self.headers = headers or {}

    def body(self, version: str) -> Any:
        """The JSON body BigCommerce sends for this error on ``version`` (v2/v3)."""
        if version == "v2":
            return [{"status": self.status, "message": self.title}]
        return {
            "status": self.status,
            "title": self.title,
            "type": STATUS_DOC,
            "errors": self.errors,
        }


def unprocessable(title: str, **errors: str) -> ApiError:
    """422: the body was understood but a value is invalid."""
    return ApiError(422, title, errors)


def not_found(what: str) -> ApiError:
    """404 in BigCommerce's wording."""
    return ApiError(404, f"The requested {what} was not found.")


def conflict(title: str, **errors: str) -> ApiError:
    """409: a unique value (name, SKU, e-mail) already exists."""
    return ApiError(409, title, errors)


def bad_request(title: str) -> ApiError:
    """400: malformed JSON or a missing body."""
    return ApiError(400, title)
