"""How figures are written for a reader: the one place every renderer formats numbers.

Whole rupiah are written the way the command line reads them back (``Rp 1.500.000``, the
Indonesian grouping, in either language), so an amount copied from any report can be typed
in again. Every other number follows the chosen language: Indonesian groups thousands with
``.`` and writes decimals with ``,`` (``2.000 simulasi``, ``Rp 0,2 jt``, ``1,7 bagan``);
English groups with ``,`` and writes decimals with ``.`` (``2,000 runs``, ``1.7 bagan``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ledger.i18n import indonesian_digits, language

Number = int | float | Decimal


def localised_number(text: str, lang: str | None = None) -> str:
    """A number already formatted the English way, in the chosen language."""
    return indonesian_digits(text) if (lang or language()) == "id" else text


def rupiah(amount: int) -> str:
    """Whole rupiah: Rp 1.500.000 (negative as -Rp 1.500.000), in either language."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(int(amount)):,}".replace(",", ".")


def number(value: Number, decimals: int = 0, lang: str | None = None) -> str:
    """A number with thousands grouped and ``decimals`` decimals, in the chosen language."""
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and not any(c not in "-0.," for c in text):
        text = text[1:]  # -0.0 is 0.0
    return localised_number(text, lang)


def count(value: Number, lang: str | None = None) -> str:
    """A count: whole when it is whole (90), else one decimal (28,9 in Indonesian)."""
    return number(value, 0 if float(value).is_integer() else 1, lang)


def juta(amount: Number, decimals: int = 1, lang: str | None = None) -> str:
    """Rupiah in juta (millions), as Indonesians write them: 29,3 (Rp 29.311.200)."""
    return number(float(amount) / 1e6, decimals, lang)


def juta_rp(amount: Number, decimals: int = 1, lang: str | None = None) -> str:
    """Rp 29,3 jt."""
    return f"Rp {juta(amount, decimals, lang)} jt"


def percent(fraction: float, decimals: int = 0, lang: str | None = None) -> str:
    """A share of 1 as a percentage: 0.25 -> 25%."""
    return number(100 * fraction, decimals, lang) + "%"


def points(basis_points: int, lang: str | None = None) -> str:
    """A policy percentage kept as basis points: 3000 -> 30, 1250 -> 12,5 in Indonesian."""
    whole, frac = divmod(basis_points, 100)
    text = f"{whole}" if frac == 0 else f"{whole}.{frac:02d}".rstrip("0")
    return localised_number(text, lang)


def score(value: float | None, lang: str | None = None) -> str:
    """An SLIA score to two decimals (3,25 in Indonesian); a dash when missing."""
    return "–" if value is None else number(value, 2, lang)


def change(value: float | None, lang: str | None = None) -> str:
    """A signed change to two decimals (+0,75); zero without a sign."""
    if value is None:
        return "–"
    text = f"{value:+.2f}"
    if text in ("+0.00", "-0.00"):
        text = "0.00"
    return localised_number(text, lang)


def kg(value: Number, lang: str | None = None) -> str:
    return number(value, 0 if float(value).is_integer() else 1, lang) + " kg"


def date(day: dt.date) -> str:
    """Dates are YYYY-MM-DD in every language (the contract's form)."""
    return day.isoformat()
