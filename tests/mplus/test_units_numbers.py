"""Exact conversions (cents, decimal places, date structs) and the article-number allocator."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bcapp.connectors.mplus import allocate_article_number, units
from bcapp.connectors.mplus.numbers import numeric_sku
from bcapp.errors import ConfigError, FatalSyncError


@pytest.mark.parametrize(
    ("amount", "cents"),
    [
        (Decimal("19.95"), 1995),
        (Decimal("0.1") + Decimal("0.2"), 30),
        (Decimal("16.4876"), 1649),
        (Decimal("-5.005"), -501),
        (Decimal("1234567890123.45"), 123456789012345),
    ],
)
def test_cents_are_exact(amount: Decimal, cents: int) -> None:
    assert units.to_cents(amount) == cents
    assert units.from_cents(cents) == amount.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


@pytest.mark.parametrize(
    ("quantity", "wire"),
    [
        (Decimal("2"), (2, 0)),
        (Decimal("1.50"), (15, 1)),
        (Decimal("0.125"), (125, 3)),
        (Decimal("100"), (100, 0)),
        (Decimal("-3.2"), (-32, 1)),
    ],
)
def test_quantities_keep_their_decimals(quantity: Decimal, wire: tuple[int, int]) -> None:
    assert units.to_quantity(quantity) == wire
    assert units.from_quantity(*wire) == quantity


def test_quantity_with_too_many_decimals_is_refused() -> None:
    with pytest.raises(FatalSyncError):
        units.to_quantity(Decimal("1.0000001"))


def test_percentages_in_hundredths() -> None:
    assert units.to_percentage(Decimal("21")) == 2100
    assert units.from_percentage(2100) == Decimal(21) and units.from_percentage(950) == Decimal(
        "9.5"
    )


def test_datetime_structs_round_trip_across_dst() -> None:
    for moment in (
        datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
        datetime(2026, 7, 15, 9, 0, tzinfo=UTC),
    ):
        struct = units.to_mplus_datetime(moment)
        assert units.from_mplus_datetime(struct) == moment
    winter, summer = (units.to_mplus_datetime(datetime(2026, m, 15, 9, tzinfo=UTC)) for m in (1, 7))
    assert (winter["hour"], winter["isdst"], winter["timezone"]) == (10, False, 60)
    assert (summer["hour"], summer["isdst"], summer["timezone"]) == (11, True, 120)
    assert units.from_mplus_date(units.to_mplus_date(date(2026, 2, 28))) == date(2026, 2, 28)
    assert units.from_mplus_datetime(None) is None and units.from_mplus_date({"year": 0}) is None


@pytest.mark.parametrize(
    ("sku", "number"),
    [
        ("1001", 1001),
        ("0123", None),
        ("12a", None),
        ("-5", None),
        (" 12", None),
        ("١٢", None),
        (str(2**63), None),
    ],
)
def test_numeric_sku(sku: str, number: int | None) -> None:
    assert numeric_sku(sku) == number


RANGE = range(9_000_000, 9_000_010)


def test_numeric_sku_keeps_its_number_and_letters_get_one_from_the_range() -> None:
    assert allocate_article_number("4711", lambda n: False, RANGE) == 4711
    number = allocate_article_number("MUG-RED", lambda n: False, RANGE)
    assert number in RANGE
    assert allocate_article_number("MUG-RED", lambda n: False, RANGE) == number  # stable


def test_allocation_skips_used_numbers_and_taken_numeric_skus() -> None:
    used = set(RANGE) - {9_000_004}
    assert allocate_article_number("ANY", used.__contains__, RANGE) == 9_000_004
    assert allocate_article_number("4711", {4711}.__contains__, RANGE) in RANGE


def test_full_or_bad_range_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="widen the range"):
        allocate_article_number("X", lambda n: True, RANGE)
    with pytest.raises(ConfigError):
        allocate_article_number("X", lambda n: False, range(0))


def test_many_allocations_are_unique() -> None:
    taken: set[int] = set()
    for i in range(500):
        taken.add(allocate_article_number(f"SKU-{i}", taken.__contains__, range(1, 1001)))
    assert len(taken) == 500
