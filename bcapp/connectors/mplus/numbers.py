"""Numeric Mplus article numbers for BigCommerce SKUs.

Mplus article numbers are ``xsd:long``: a SKU such as ``MUG-RED-L`` cannot be
one. A SKU that already is a plain positive number keeps that number; any
other SKU gets a free number from a merchant-chosen range, and the SKU itself
travels in the article's ``extArticleId`` so it comes back on every read.

The allocation is pure: the flow passes ``used`` (asking its binding table and,
if it wants, Mplus) and remembers the result in ``Binding.erp_id``/``data``.
The first candidate is derived from the SKU, so allocating the same SKU twice
against the same ``used`` gives the same number (a crash between create and
bind does not leave an orphan with a different number) and a full range is
probed in O(1) expected steps rather than scanned from its start.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from bcapp.errors import ConfigError

MAX_LONG = 2**63 - 1


def numeric_sku(sku: str) -> int | None:
    """The SKU as an article number when it is one exactly (no sign, no leading zero)."""
    text = sku.strip()
    if text != sku or not text.isascii() or not text.isdigit() or text.startswith("0"):
        return None
    number = int(text)
    return number if 0 < number <= MAX_LONG else None


def allocate_article_number(sku: str, used: Callable[[int], bool], number_range: range) -> int:
    """The Mplus article number for ``sku``.

    Args:
        sku: the BigCommerce SKU.
        used: True when a number is already taken (by another SKU or in Mplus).
        number_range: where numbers for non-numeric SKUs come from (a ``range``).

    Returns:
        The SKU itself when it is numeric and free; otherwise the first free
        number of the range, probing from a position derived from the SKU.

    Raises:
        ConfigError: the range is empty, outside xsd:long, or full.
    """
    own = numeric_sku(sku)
    if own is not None and not used(own):
        return own
    if not number_range or number_range.start < 1 or number_range[-1] > MAX_LONG:
        raise ConfigError("The article-number range for letter SKUs is empty or not valid.")
    size = len(number_range)
    start = int.from_bytes(hashlib.sha256(sku.encode()).digest()[:8], "big") % size
    for step in range(size):
        candidate = number_range[(start + step) % size]
        if not used(candidate):
            return candidate
    raise ConfigError(
        f"Every article number from {number_range.start} to {number_range[-1]} is in use; "
        "widen the range for letter SKUs in the Mplus settings."
    )
