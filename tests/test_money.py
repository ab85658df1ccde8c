"""Input parsing: whole rupiah, kilograms, dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidInput
from ledger.money import format_rupiah, parse_date, parse_kg, parse_rupiah


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1500000", 1500000),
        ("1.500.000", 1500000),
        ("1_500_000", 1500000),
        ("Rp 1.500.000", 1500000),
        ("1.500.000,00", 1500000),
        ("0", 0),
        (" 25.000 ", 25000),
    ],
)
def test_accepted_rupiah(text, amount):
    assert parse_rupiah(text, "amount") == amount


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1500000.5", "fraction"),
        ("1.500,50", "fraction"),
        ("1,5", "fraction"),
        ("-5", "negative"),
        ("abc", "whole number"),
        ("1.50.000", "separators"),
        ("", "whole number"),
    ],
)
def test_refused_rupiah_names_the_field(text, why):
    with pytest.raises(InvalidInput, match=why) as e:
        parse_rupiah(text, "amount")
    assert e.value.field == "amount"
    assert "--amount" in e.value.message


@given(st.integers(0, 10**15))
def test_every_indonesian_format_round_trips(n):
    assert parse_rupiah(format_rupiah(n), "x") == n
    assert parse_rupiah(f"{n:_}", "x") == n
    assert parse_rupiah(str(n), "x") == n


def test_kilograms():
    assert parse_kg("12.5") == Decimal("12.5")
    assert parse_kg("12,5") == Decimal("12.5")
    assert parse_kg("2.750,5") == Decimal("2750.5")
    assert str(parse_kg("3000.0")) == "3000"
    for bad in ("0", "-1", "x", "nan"):
        with pytest.raises(InvalidInput):
            parse_kg(bad)


def test_dates():
    assert parse_date("2016-02-29") == dt.date(2016, 2, 29)
    for bad in ("2015-02-29", "01/02/2015", "2015-1-1", ""):
        with pytest.raises(InvalidInput, match="date"):
            parse_date(bad)
