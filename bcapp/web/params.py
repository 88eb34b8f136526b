"""Query-string values read within the bounds the database can take.

A number or a date typed into a URL reaches SQL: an id past PostgreSQL's ``integer``
(2,147,483,647) makes it refuse the query, an offset past 64 bits does not fit any
driver, and ``9999-12-31`` plus one day is past the last date Python knows. Each of
those was a 500, and so was a NUL character in a text filter (PostgreSQL refuses it).
Here a value that is not a number or a date at all is left out, as before (the
filter is ignored); a number or a date out of range is a 400; text loses its NULs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from werkzeug.exceptions import BadRequest

#: PostgreSQL's ``integer``: the ids of runs and log entries.
MAX_ID = 2**31 - 1
#: Dates a filter may name: before the first and after the last a whole day still fits.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def int_arg(
    args: Mapping[str, str], name: str, default: int | None, *, minimum: int = 1,
    maximum: int = MAX_ID,
) -> int | None:  # fmt: skip
    """``args[name]`` as an int, at least ``minimum``; ``default`` when absent or not a number.

    Raises:
        BadRequest: a number above ``maximum``.
    """
    raw = str(args.get(name, "") or "").strip()
    if not raw or len(raw) > 40:
        if len(raw) > 40 and raw.lstrip("+-").isdigit():
            raise BadRequest(f"{name} is out of range.")
        return default
    try:
        value = int(raw)
    except ValueError:
        return default
    if value > maximum:
        raise BadRequest(f"{name} is out of range.")
    return max(minimum, value)


def day_arg(args: Mapping[str, str], name: str) -> str:
    """``args[name]`` as an ISO day (``YYYY-MM-DD``); "" when absent or not a date.

    Raises:
        BadRequest: a date before 1900 or after 9998.
    """
    raw = str(args.get(name, "") or "").strip()
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        return ""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BadRequest(f"{name} is out of range.")
    return day.isoformat()


def text_arg(args: Mapping[str, str], name: str, limit: int) -> str:
    """``args[name]`` stripped and cut to ``limit`` characters, without NUL characters
    (PostgreSQL refuses a string that holds one)."""
    return clean_text(str(args.get(name, "") or ""), limit)


def clean_text(value: str, limit: int) -> str:
    """``value`` stripped, without NUL characters, at most ``limit`` characters."""
    return value.replace("\x00", "").strip()[:limit]
