"""Parsing of user input: whole rupiah, kilograms, dates and percentages.

Money is always an ``int`` of rupiah. Percentages are kept as integer basis
points (hundredths of a percent) so that policy arithmetic never needs floats.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ledger.errors import InvalidInput
from ledger.i18n import msg

_PLAIN = re.compile(r"\d+")
_UNDERSCORE = re.compile(r"\d{1,3}(_\d{3})+")
_DOTTED = re.compile(r"\d{1,3}(\.\d{3})+")
_ZERO_CENTS = re.compile(r",0+$")


def parse_rupiah(value: object, field: str, *, allow_zero: bool = True) -> int:
    """Whole rupiah from ``1500000``, ``1.500.000``, ``1_500_000`` (or an int).

    Fractions of a rupiah, negatives and non-numbers are refused naming ``field``.
    """
    if isinstance(value, bool):
        raise InvalidInput(
            field, msg("--{field} must be whole rupiah, not {value!r}.", field=field, value=value)
        )
    if isinstance(value, int):
        amount = value
    elif isinstance(value, Decimal | float):
        if value != int(value):
            raise InvalidInput(
                field,
                msg(
                    "--{field} must be whole rupiah; {value} has a fraction.",
                    field=field,
                    value=value,
                ),
            )
        amount = int(value)
    elif isinstance(value, str):
        amount = _parse_rupiah_text(value, field)
    else:
        raise InvalidInput(
            field, msg("--{field} must be whole rupiah, not {value!r}.", field=field, value=value)
        )
    if amount < 0:
        raise InvalidInput(
            field, msg("--{field} must not be negative ({value}).", field=field, value=value)
        )
    if amount == 0 and not allow_zero:
        raise InvalidInput(field, msg("--{field} must be more than zero.", field=field))
    return amount


def _parse_rupiah_text(text: str, field: str) -> int:
    raw = text.strip()
    body = raw
    if body[:2].lower() == "rp":
        body = body[2:].strip()
    body = _ZERO_CENTS.sub("", body)  # "1.500.000,00" is still whole rupiah
    if body.startswith("-"):
        raise InvalidInput(
            field, msg("--{field} must not be negative ({raw}).", field=field, raw=raw)
        )
    if _PLAIN.fullmatch(body):
        return int(body)
    if _UNDERSCORE.fullmatch(body):
        return int(body.replace("_", ""))
    if _DOTTED.fullmatch(body):
        return int(body.replace(".", ""))
    if re.fullmatch(r"[\d.,_]+", body or "x"):
        raise InvalidInput(
            field,
            msg(
                "--{field} must be whole rupiah such as 1500000 or 1.500.000; {raw!r} has a fraction or misplaced separators.",
                field=field,
                raw=raw,
            ),
        )
    raise InvalidInput(
        field, msg("--{field} must be a whole number of rupiah, not {raw!r}.", field=field, raw=raw)
    )


def parse_kg(value: object, field: str = "kg") -> Decimal:
    """Kilograms, possibly with decimals (a decimal comma is accepted)."""
    if isinstance(value, bool):
        raise InvalidInput(field, msg("--{field} must be a number of kilograms.", field=field))
    if isinstance(value, int | Decimal):
        kg = Decimal(value)
    elif isinstance(value, float):
        kg = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if "," in text:  # Indonesian: 2.750,5 kg
            text = text.replace(".", "").replace(",", ".")
        try:
            kg = Decimal(text)
        except InvalidOperation:
            raise InvalidInput(
                field,
                msg(
                    "--{field} must be a number of kilograms, not {value!r}.",
                    field=field,
                    value=value,
                ),
            ) from None
    else:
        raise InvalidInput(field, msg("--{field} must be a number of kilograms.", field=field))
    if not kg.is_finite():
        raise InvalidInput(
            field,
            msg("--{field} must be a finite number, not {value!r}.", field=field, value=value),
        )
    if kg <= 0:
        raise InvalidInput(
            field, msg("--{field} must be more than zero ({value}).", field=field, value=value)
        )
    return Decimal(format(kg.normalize(), "f"))  # canonical: 3000, 12.5 (never 3E+3)


def gross_of(kg: Decimal, price: int) -> int:
    """kg x price, rounded half-up to the rupiah (the contract's rule 1)."""
    return int((kg * price).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_date(value: object, field: str = "date") -> dt.date:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise InvalidInput(
            field,
            msg("--{field} must be a date as YYYY-MM-DD, not {value!r}.", field=field, value=value),
        )
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            field, msg("--{field} {value!r} is not a real date.", field=field, value=value)
        ) from None


def parse_percent(value: object, field: str) -> int:
    """A percentage with at most two decimals, as integer basis points."""
    text = str(value).strip().rstrip("%").strip()
    if not re.fullmatch(r"\d{1,3}(\.\d{1,2})?", text):
        raise InvalidInput(
            field,
            msg(
                "{field} must be a percentage with at most two decimals, not {value!r}.",
                field=field,
                value=value,
            ),
        )
    whole, _, frac = text.partition(".")
    points = int(whole) * 100 + int((frac + "00")[:2])
    if points > 10000:
        raise InvalidInput(
            field, msg("{field} must not exceed 100, not {value!r}.", field=field, value=value)
        )
    return points


def format_percent(points: int) -> str:
    whole, frac = divmod(points, 100)
    return f"{whole}" if frac == 0 else f"{whole}.{frac:02d}".rstrip("0")


def format_rupiah(amount: int) -> str:
    """Indonesian style: Rp 1.500.000 (negative as -Rp 1.500.000)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")


def require_text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, msg("--{field} must not be empty.", field=field))
    return value.strip()
