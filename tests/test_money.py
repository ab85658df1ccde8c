"""Reading numbers, dates and text: exactly one reading, or a refusal naming both."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidInput
from ledger.money import (
    MAX_KG,
    MAX_RUPIAH,
    format_date,
    format_kg,
    format_rupiah,
    latest_business_date,
    parse_date,
    parse_kg,
    parse_percent,
    parse_rupiah,
)
from ledger.text import display, read_code, read_words

# The accepted forms of money and their readings (the README's table).
MONEY_FORMS = [
    ("1500000", 1_500_000),
    ("1.500.000", 1_500_000),
    ("1_500_000", 1_500_000),
    ("Rp 1.500.000", 1_500_000),
    ("Rp. 1.500.000", 1_500_000),
    ("Rp1.500.000,-", 1_500_000),
    ("Rp 20.000,-", 20_000),
    ("IDR 1.500.000", 1_500_000),
    ("1.500.000,00", 1_500_000),
    ("20.000,00", 20_000),
    ("1,500,000", 1_500_000),
    ("1,500,000.00", 1_500_000),
    ("10,000.00", 10_000),
    ("1500000.00", 1_500_000),
    ("2.500", 2_500),
    ("0", 0),
    (" 25.000 ", 25_000),
    ("1.000.000.000.000.000", MAX_RUPIAH),
]


@pytest.mark.parametrize(("text", "amount"), MONEY_FORMS)
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
        ("10,000", "two readings, Rp 10 or Rp 10.000"),
        ("Rp20,000", "two readings, Rp 20 or Rp 20.000"),
        ("10,500", "two readings, Rp 10,5 or Rp 10.500"),
        ("٣٠٠", "whole number"),
        ("３００", "whole number"),
        ("1e400", "whole number"),
        ("NaN", "whole number"),
        ("9223372036854775807", "largest amount"),
        ("1.000.000.000.000.001", "largest amount"),
        ("9" * 50, "at most 40"),
    ],
)
def test_refused_rupiah_names_the_field(text, why):
    with pytest.raises(InvalidInput, match=re.escape(why)) as e:
        parse_rupiah(text, "amount")
    assert e.value.field == "amount" and e.value.message.values["field"] == "amount"
    from ledger.boundary import sentence  # the command line names it as its option

    assert sentence(e.value.message).startswith("--amount")


@pytest.mark.parametrize(
    "value", [Decimal("NaN"), Decimal("Infinity"), Decimal("1E+400"), Decimal("2.5"), True, 2**63]
)
def test_json_numbers_that_are_not_whole_rupiah(value):
    with pytest.raises(InvalidInput):
        parse_rupiah(value, "amount")


def test_integral_json_numbers_are_whole_rupiah():
    assert parse_rupiah(Decimal("1500000.0"), "amount") == 1_500_000
    assert parse_rupiah(Decimal("1.5E+6"), "amount") == 1_500_000


KG_FORMS = [
    ("2750.5", Decimal("2750.5")),
    ("2.750,5", Decimal("2750.5")),
    ("2,750.5", Decimal("2750.5")),
    ("2750,5", Decimal("2750.5")),
    ("1,000.5", Decimal("1000.5")),
    ("12.5", Decimal("12.5")),
    ("12,5", Decimal("12.5")),
    ("12,25", Decimal("12.25")),
    ("3000", Decimal("3000")),
    ("3000.0", Decimal("3000")),
    ("1.000.000", Decimal("1000000")),
    ("1_000", Decimal("1000")),
]


@pytest.mark.parametrize(("text", "kg"), KG_FORMS)
def test_accepted_kilograms(text, kg):
    assert parse_kg(text) == kg


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2.500", "two readings, 2,5 kg or 2500 kg"),
        ("2,500", "two readings, 2,5 kg or 2500 kg"),
        ("0,250", "two readings, 0,25 kg or 250 kg"),
        ("0", "more than zero"),
        ("-1", "negative"),
        ("x", "number of kilograms"),
        ("nan", "number of kilograms"),
        ("1e30", "number of kilograms"),
        ("1.000.001", "largest harvest"),
        ("12,125", "two readings"),
        ("12.1234", "more than two decimals"),
        ("٢٥", "number of kilograms"),
    ],
)
def test_refused_kilograms(text, why):
    with pytest.raises(InvalidInput, match=re.escape(why)):
        parse_kg(text)


def _indonesian_grouped(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@given(st.integers(0, MAX_RUPIAH))
def test_every_written_amount_reads_back(n):
    """Indonesian (the reports' own) and English spreadsheet forms read back exactly."""
    grouped = _indonesian_grouped(n)
    for text in (
        format_rupiah(n),
        f"Rp{grouped},-",
        f"Rp. {grouped}",
        f"{grouped},00",
        f"{n:_}",
        str(n),
        f"{n:,}.00",
    ):
        assert parse_rupiah(text, "x") == n, text
    if n >= 1_000_000:  # two or more commas: only the English reading exists
        assert parse_rupiah(f"{n:,}", "x") == n


@given(st.integers(1, 999), st.integers(0, 999))
def test_a_single_comma_before_three_digits_is_refused_as_money(head, tail):
    text = f"{head},{tail:03d}"
    with pytest.raises(InvalidInput, match="two readings"):
        parse_rupiah(text, "amount")


kilograms = st.decimals(
    min_value=Decimal("0.01"), max_value=MAX_KG, places=2, allow_nan=False, allow_infinity=False
)


@given(kilograms)
def test_every_written_weight_reads_back(kg):
    """format_kg in both languages, and the grouped forms with decimals, read back."""
    for lang in ("id", "en"):
        assert parse_kg(format_kg(kg, lang)) == kg
    whole, _, frac = format(kg.normalize(), "f").partition(".")
    if frac:
        assert parse_kg(f"{int(whole):,}.{frac}") == kg
        assert parse_kg(f"{int(whole):,}".replace(",", ".") + f",{frac}") == kg


@given(st.text(alphabet="0123456789.,_", min_size=1, max_size=14))
def test_an_accepted_number_has_exactly_one_reading(text):
    """Whatever is accepted as kilograms reads the same the Indonesian and the English way,
    or only one of the two ways can read it at all."""
    try:
        kg = parse_kg(text)
    except InvalidInput:
        return
    indonesian = _convention(text, thousands=".", decimal=",")
    english = _convention(text, thousands=",", decimal=".")
    readings = {r for r in (indonesian, english) if r is not None}
    assert readings == {kg}


def _convention(text: str, thousands: str, decimal: str) -> Decimal | None:
    """An independent reading of ``text`` under one convention (None: not readable)."""
    whole, sep, frac = text.partition(decimal)
    if sep and (not frac.isdigit() or decimal in frac):
        return None
    for mark in (thousands, "_"):
        if mark in whole:
            groups = whole.split(mark)
            if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
                return None
            if any(not g.isdigit() for g in groups):
                return None
            whole = "".join(groups)
    if not whole.isdigit():
        return None
    return Decimal(f"{whole}.{frac}" if sep else whole)


# ------------------------------------------------------------------ dates
TODAY = dt.date(2026, 6, 1)


def test_dates():
    assert parse_date("2016-02-29") == dt.date(2016, 2, 29)
    assert parse_date("15/07/2024") == dt.date(2024, 7, 15)
    assert parse_date("1/2/2015") == dt.date(2015, 2, 1)
    for bad in ("2015-02-29", "2015-1-1", "", "2015/01/01", "01-02-2015", "٢٠١٥-٠١-٠١"):
        with pytest.raises(InvalidInput, match="date"):
            parse_date(bad)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("09/15/2024", "'09/15/2024' is not a real date (there is no month 15)"),
        ("31/02/2024", "'31/02/2024' is not a real date (that month has no day 31)"),
        ("2024-15-09", "'2024-15-09' is not a real date (there is no month 15)"),
        ("2100-01-01", "'2100-01-01' is more than a year from today"),
        ("9999-12-31", "'9999-12-31' is more than a year from today"),
        ("1899-12-31", "'1899-12-31' is before 1900"),
        ("99999-01-01", "not '99999-01-01'"),
    ],
)
def test_a_refused_date_quotes_what_was_typed(text, said):
    with pytest.raises(InvalidInput) as e:
        parse_date(text, today=TODAY)
    assert said in e.value.message


def test_a_business_date_up_to_a_year_ahead():
    assert parse_date("2027-06-01", today=TODAY) == dt.date(2027, 6, 1)
    with pytest.raises(InvalidInput, match="more than a year"):
        parse_date("2027-06-02", today=TODAY)
    assert latest_business_date(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)


@given(st.dates(dt.date(1900, 1, 1), TODAY))
def test_every_written_date_reads_back(day):
    for lang in ("en", "id"):
        assert parse_date(format_date(day, lang), today=TODAY) == day


# ------------------------------------------------------------------ percentages and text
def test_percentages_take_ascii_digits_only():
    assert parse_percent("12.5", "p") == 1250
    for bad in ("١٢", "１２", "12.345", "101"):
        with pytest.raises(InvalidInput):
            parse_percent(bad, "p")


@pytest.mark.parametrize(
    "bad",
    [
        "S1\u200b",  # zero-width space
        "S\u202e1",  # right-to-left override
        "S 1",
        "S\t1",
        "S1\x00",
        "\x1b[31mS1",
        "S\u20281",
        "",
        "   ",
        "S" * 121,
    ],
)
def test_codes_are_one_clean_word(bad):
    with pytest.raises(InvalidInput):
        read_code(bad, "ref")


def test_codes_are_nfc():
    assert read_code("Cafe\u0301-1", "ref") == "Caf\u00e9-1"
    assert read_code(" NOTA-1 ", "ref") == "NOTA-1"


@pytest.mark.parametrize(
    "bad", ["Ibu\x1b[2J", "Ibu\u202eSiti", "Ibu\x00", "Ibu\nSiti", "Ibu\u200bSiti", "x" * 201]
)
def test_words_are_clean_and_bounded(bad):
    with pytest.raises(InvalidInput):
        read_words(bad, "name")


def test_words_keep_what_people_write():
    assert read_words("Ibu Siti Nur'aini (kelompok 2)", "name") == "Ibu Siti Nur'aini (kelompok 2)"
    assert read_words("line one\nline two", "text", 5000, lines=True) == "line one\nline two"


@given(st.text(max_size=40))
def test_display_never_passes_a_control_character(text):
    shown = display(text)
    assert all(ch.isprintable() and ch not in "\u202a\u202b\u202c\u202d\u202e" for ch in shown)
    if text.isprintable() and not any("\u202a" <= ch <= "\u202e" for ch in text):
        assert shown == text
