"""Mplus's number and date conventions, converted exactly.

* Money is an integer number of cents (``priceIncl`` 1995 is €19.95).
* Quantities are an integer plus ``decimalPlaces`` (``quantity`` 15 with
  ``decimalPlaces`` 1 is 1.5 units).
* Percentages (``vatPercentage``, ``discountPercentage``) are integers in
  hundredths of a percent (2100 is 21%). This is our reading of Mplus's
  integer percentages; it lives in this one place so it is one edit if wrong.
* Dates are structs: ``SoapMplusDate`` {day, mon, year} and
  ``SoapMplusDateTime`` {sec, min, hour, day, mon, year, isdst, timezone}, the
  wall-clock time of the Mplus installation. We read and write them in the
  installation's time zone (a setting, Europe/Amsterdam by default) and keep
  ``timezone`` as the UTC offset in minutes.

Everything is :class:`~decimal.Decimal`; a float never touches money.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bcapp.errors import FatalSyncError

CENT = Decimal("0.01")
#: Quantities beyond this many decimals are refused rather than rounded (Mplus keeps 3).
MAX_DECIMAL_PLACES = 6


def from_cents(cents: int | None) -> Decimal:
    """Cents as a Decimal amount (None is zero)."""
    return (Decimal(cents or 0) / 100).quantize(CENT)


def to_cents(amount: Decimal) -> int:
    """An amount in whole cents, half-up (BigCommerce amounts may carry 4 decimals)."""
    return int(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP) * 100)


def from_percentage(value: int | None) -> Decimal:
    """Mplus hundredths of a percent as a percent (2100 → 21)."""
    return (Decimal(value or 0) / 100).normalize() if value else Decimal("0")


def to_percentage(percent: Decimal) -> int:
    """A percent as Mplus hundredths (21 → 2100)."""
    return int((Decimal(percent) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_quantity(value: int | None, decimal_places: int | None) -> Decimal:
    """An Mplus quantity (value, decimalPlaces) as a Decimal (15, 1 → 1.5)."""
    return Decimal(value or 0).scaleb(-(decimal_places or 0))


def to_quantity(quantity: Decimal) -> tuple[int, int]:
    """A Decimal quantity as (value, decimalPlaces), exactly (1.50 → (15, 1))."""
    normal = Decimal(quantity).normalize()
    exponent = normal.as_tuple().exponent
    places = max(0, -int(exponent))
    if places > MAX_DECIMAL_PLACES:
        raise FatalSyncError(f"Quantity {quantity} has more decimals than Mplus keeps.")
    return int(normal.scaleb(places)), places


def to_mplus_date(day: date) -> dict[str, int]:
    """A SoapMplusDate struct."""
    return {"day": day.day, "mon": day.month, "year": day.year}


def from_mplus_date(value: Mapping[str, Any] | None) -> date | None:
    """A SoapMplusDate struct as a date (None when absent or all zero)."""
    if not value or not value.get("year"):
        return None
    return date(value["year"], value["mon"], value["day"])


def to_mplus_datetime(moment: datetime, zone: str = "Europe/Amsterdam") -> dict[str, Any]:
    """A SoapMplusDateTime struct: wall time in the installation's zone."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    local = aware.astimezone(ZoneInfo(zone))
    offset = local.utcoffset()
    dst = local.dst()
    return {
        "sec": local.second,
        "min": local.minute,
        "hour": local.hour,
        "day": local.day,
        "mon": local.month,
        "year": local.year,
        "isdst": bool(dst and dst.total_seconds()),
        "timezone": int(offset.total_seconds() // 60) if offset else 0,
    }


def from_mplus_datetime(
    value: Mapping[str, Any] | None, zone: str = "Europe/Amsterdam"
) -> datetime | None:
    """A SoapMplusDateTime struct as an aware UTC datetime (None when absent)."""
    if not value or not value.get("year"):
        return None
    local = datetime(
        value["year"],
        value["mon"],
        value["day"],
        value.get("hour", 0),
        value.get("min", 0),
        value.get("sec", 0),
        tzinfo=ZoneInfo(zone),
    )
    return local.astimezone(UTC)
