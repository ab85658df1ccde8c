"""Reading user input: whole rupiah, kilograms, dates and percentages.

Money is always an ``int`` of rupiah. Percentages are kept as integer basis
points (hundredths of a percent) so that policy arithmetic never needs floats.

A number is read only when it has exactly one reading. A text is read twice, once
the Indonesian way (``.`` groups thousands, ``,`` marks decimals) and once the
English way (``,`` groups thousands, ``.`` marks decimals); ``_`` groups thousands
in both. When the two readings differ the text is refused naming both, with one
exception for money: a dot followed by three digits is always the Indonesian
thousands mark (nobody writes a thousandth of a rupiah), so ``Rp 2.500`` is
Rp 2.500. Only ASCII digits count.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ledger.errors import InvalidInput
from ledger.i18n import msg

# The largest amount of one entry: Rp 1.000.000.000.000.000 (10^15). A ledger of a
# few thousand such entries still sums far inside 64-bit integers (about 9.2 x 10^18).
MAX_RUPIAH = 10**15
# The largest harvest weight, and its finest step (kilograms to 10 grams).
MAX_KG = Decimal(1_000_000)
KG_DECIMALS = 2
# Texts longer than this are not numbers, whatever they hold.
_LONGEST_NUMBER = 40

# One convention: how the integer part may be grouped, and which mark starts decimals.
_INDONESIAN = re.compile(
    r"(?P<int>[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]{1,3}(?:_[0-9]{3})+)(?:,(?P<frac>[0-9]+))?"
)
_ENGLISH = re.compile(
    r"(?P<int>[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?:_[0-9]{3})+)(?:\.(?P<frac>[0-9]+))?"
)
_CURRENCY = re.compile(r"(?:rp\.?|idr)\s*", re.IGNORECASE)
_NUMBERISH = re.compile(r"[0-9.,_]+")


def _readings(body: str, *, money: bool) -> dict[str, Decimal]:
    """The value of ``body`` under each convention that can read it."""
    found: dict[str, Decimal] = {}
    for name, pattern in (("id", _INDONESIAN), ("en", _ENGLISH)):
        m = pattern.fullmatch(body)
        if not m:
            continue
        frac = m["frac"]
        if money and name == "en" and frac is not None and len(frac) == 3:
            continue  # Rp 2.500 is two and a half thousand rupiah, never Rp 2,5
        whole = re.sub(r"[.,_]", "", m["int"])
        found[name] = Decimal(f"{whole}.{frac}" if frac else whole)
    return found


def _show(value: Decimal, *, money: bool) -> str:
    """A reading as the refusal names it, in Indonesian notation (the books' own)."""
    if money:
        if value == value.to_integral_value():
            return format_rupiah(int(value))
        whole, _, frac = format(value.normalize(), "f").partition(".")
        return f"{format_rupiah(int(whole))},{frac}"
    return f"{format_kg(value, 'id')} kg"


def parse_rupiah(value: object, field: str, *, allow_zero: bool = True) -> int:
    """Whole rupiah from text (see the module docstring) or an integral number.

    Refuses, naming ``field``: fractions of a rupiah, negatives, non-numbers,
    ambiguous texts (both readings named) and amounts above ``MAX_RUPIAH``.
    """
    if isinstance(value, bool):
        raise InvalidInput(field, "{field} must be whole rupiah, not {value!r}.", value=value)
    if isinstance(value, int):
        amount = value
    elif isinstance(value, Decimal | float):
        amount = _integral(value, field)
    elif isinstance(value, str):
        amount = _parse_rupiah_text(value, field)
    else:
        raise InvalidInput(field, "{field} must be whole rupiah, not {value!r}.", value=value)
    return _bounded(amount, field, value, allow_zero)


def _integral(value: Decimal | float, field: str) -> int:
    """A JSON number where whole rupiah are meant: finite and integral."""
    number = Decimal(repr(value)) if isinstance(value, float) else value
    if not number.is_finite():
        raise InvalidInput(field, "{field} must be a finite number, not {value}.", value=value)
    if abs(number) > MAX_RUPIAH:  # before to_integral: 1e400 must not be expanded
        raise _too_large(field, value)
    if number != number.to_integral_value():
        raise InvalidInput(
            field, "{field} must be whole rupiah; {value} has a fraction.", value=value
        )
    return int(number)


def _too_large(field: str, value: object) -> InvalidInput:
    shown = value if len(str(value)) <= _LONGEST_NUMBER else f"{str(value)[:20]}…"
    return InvalidInput(
        field,
        "{field} {value} is more than the largest amount kerang records ({limit}).",
        value=shown,
        limit=format_rupiah(MAX_RUPIAH),
    )


def _bounded(amount: int, field: str, value: object, allow_zero: bool) -> int:
    if amount < 0:
        raise InvalidInput(field, "{field} must not be negative ({value}).", value=value)
    if amount > MAX_RUPIAH:
        raise _too_large(field, value)
    if amount == 0 and not allow_zero:
        raise InvalidInput(field, "{field} must be more than zero.")
    return amount


def _not_a_number(field: str, raw: str, what: str) -> InvalidInput:
    if what == "money":
        return InvalidInput(
            field,
            "{field} must be a whole number of rupiah such as 1500000 or 1.500.000, not {raw!r}.",
            raw=raw,
        )
    return InvalidInput(
        field, "{field} must be a number of kilograms such as 2750 or 2750,5, not {raw!r}.", raw=raw
    )


def _number_text(text: str, field: str, what: str) -> tuple[str, str]:
    """(the text as typed, its digits and separators) or a refusal."""
    raw = text.strip()
    if len(raw) > _LONGEST_NUMBER:
        raise InvalidInput(
            field,
            "{field} is {length} characters long; a number has at most {limit}.",
            length=len(raw),
            limit=_LONGEST_NUMBER,
        )
    body = raw
    if what == "money" and (m := _CURRENCY.match(body)):
        body = body[m.end() :]
    if body.startswith("-") or body.startswith("−"):
        raise InvalidInput(field, "{field} must not be negative ({raw}).", raw=raw)
    if body.startswith("+"):
        body = body[1:]
    if what == "money" and body.endswith(",-"):  # Rp 1.500.000,- : no cents
        body = body[:-2]
    if not _NUMBERISH.fullmatch(body):  # ASCII digits only: no ٣ or ３
        raise _not_a_number(field, raw, what)
    return raw, body


def _read(text: str, field: str, what: str) -> Decimal:
    raw, body = _number_text(text, field, what)
    money = what == "money"
    readings = _readings(body, money=money)
    values = sorted(set(readings.values()))
    if len(values) > 1:
        first, second = (_show(v, money=money) for v in values)
        raise InvalidInput(
            field,
            "{field} {raw!r} has two readings, {first} or {second}; write the one you mean as shown.",
            raw=raw,
            first=first,
            second=second,
        )
    if not values:
        if money and re.fullmatch(r"[0-9.,_]+", body):
            raise InvalidInput(
                field,
                "{field} must be whole rupiah such as 1500000 or 1.500.000; {raw!r} has a fraction or misplaced separators.",
                raw=raw,
            )
        raise _not_a_number(field, raw, what)
    return values[0]


def _parse_rupiah_text(text: str, field: str) -> int:
    raw = text.strip()
    value = _read(text, field, "money")
    if value != value.to_integral_value():
        raise InvalidInput(
            field,
            "{field} must be whole rupiah such as 1500000 or 1.500.000; {raw!r} has a fraction or misplaced separators.",
            raw=raw,
        )
    return int(value)


def parse_kg(value: object, field: str = "kg") -> Decimal:
    """Kilograms, more than zero and at most ``MAX_KG``, to at most two decimals.

    ``2750.5``, ``2.750,5`` and ``2,750.5`` are 2750.5 kg; ``2.500`` and ``2,500``
    have two readings (2,5 kg or 2.500 kg) and are refused naming both.
    """
    if isinstance(value, bool):
        raise InvalidInput(field, "{field} must be a number of kilograms.")
    if isinstance(value, int):
        kg = Decimal(value)
    elif isinstance(value, float | Decimal):
        kg = Decimal(repr(value)) if isinstance(value, float) else value
        if not kg.is_finite():
            raise InvalidInput(field, "{field} must be a finite number, not {value}.", value=value)
    elif isinstance(value, str):
        kg = _read(value, field, "kg")
    else:
        raise InvalidInput(field, "{field} must be a number of kilograms.")
    if kg <= 0:
        raise InvalidInput(field, "{field} must be more than zero ({value}).", value=value)
    if kg > MAX_KG:
        raise InvalidInput(
            field,
            "{field} {value} is more than the largest harvest kerang records ({limit} kg).",
            value=value if len(str(value)) <= _LONGEST_NUMBER else f"{str(value)[:20]}…",
            limit=format_kg(MAX_KG, "id"),
        )
    if kg != kg.quantize(Decimal(1).scaleb(-KG_DECIMALS), rounding=ROUND_HALF_UP):
        raise InvalidInput(
            field,
            "{field} {value} has more than two decimals; kilograms are recorded to 10 grams.",
            value=value,
        )
    try:
        return Decimal(format(kg.normalize(), "f"))  # canonical: 3000, 12.5 (never 3E+3)
    except InvalidOperation:  # pragma: no cover - bounded above
        raise _not_a_number(field, str(value), "kg") from None


def format_kg(kg: Decimal, lang: str = "id") -> str:
    """Kilograms without a thousands mark and the language's decimal mark: 2750,5 / 2750.5.

    Read back by ``parse_kg`` to the same value in either language (no grouping, so a
    single separator is always the decimal mark).
    """
    text = format(Decimal(kg).normalize(), "f")
    return text.replace(".", ",") if lang == "id" else text


def gross_of(kg: Decimal, price: int) -> int:
    """kg x price, rounded half-up to the rupiah (the contract's rule 1)."""
    return int((kg * price).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def checked_gross(kg: Decimal, price: int) -> int:
    """``gross_of`` for a new harvest: refused when the proceeds exceed ``MAX_RUPIAH``."""
    gross = gross_of(kg, price)
    if gross > MAX_RUPIAH:
        raise _too_large("price", f"{format_kg(kg)} kg × {format_rupiah(price)}")
    return gross


# ------------------------------------------------------------------ dates
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DMY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
EARLIEST = dt.date(1900, 1, 1)
_STARTED = dt.date.today()


def latest_business_date(today: dt.date | None = None) -> dt.date:
    """The last date a ledger entry may carry: one year after today."""
    today = today or dt.date.today()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


def parse_date(value: object, field: str = "date", *, today: dt.date | None = None) -> dt.date:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY``; from 1900 up to one year after today.

    Refusals quote the text as it was typed.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
        shown = value.isoformat()
    elif isinstance(value, str):
        shown = value.strip()
        day = _read_date(shown, field)
    else:
        raise InvalidInput(
            field, "{field} must be a date as YYYY-MM-DD or DD/MM/YYYY, not {value!r}.", value=value
        )
    if day < EARLIEST:
        raise InvalidInput(field, "{field} {value!r} is before 1900.", value=shown)
    # a day before this process started is never more than a year ahead: no clock read
    if (today is not None or day >= _STARTED) and day > latest_business_date(today):
        raise InvalidInput(
            field,
            "{field} {value!r} is more than a year from today; a ledger records what happened.",
            value=shown,
        )
    return day


def _read_date(text: str, field: str) -> dt.date:
    if m := _ISO.fullmatch(text):
        year, month, day = (int(x) for x in m.groups())
    elif m := _DMY.fullmatch(text):
        day, month, year = (int(x) for x in m.groups())
    else:
        shown = text if len(text) <= _LONGEST_NUMBER else f"{text[:20]}…"
        raise InvalidInput(
            field, "{field} must be a date as YYYY-MM-DD or DD/MM/YYYY, not {value!r}.", value=shown
        )
    try:
        return dt.date(year, month, day)
    except ValueError:
        reason = (
            msg("there is no month {month}", month=month)
            if not 1 <= month <= 12
            else msg("that month has no day {day}", day=day)
        )
        raise InvalidInput(
            field, "{field} {value!r} is not a real date ({reason}).", value=text, reason=reason
        ) from None


def format_date(day: dt.date, lang: str = "en") -> str:
    """ISO in English, DD/MM/YYYY in Indonesian; ``parse_date`` reads both back."""
    return day.strftime("%d/%m/%Y") if lang == "id" else day.isoformat()


# ------------------------------------------------------------------ percentages
def parse_percent(value: object, field: str) -> int:
    """A percentage with at most two decimals, as integer basis points."""
    text = str(value).strip().rstrip("%").strip()
    if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,2})?", text):
        raise InvalidInput(
            field,
            msg(
                "{field} must be a percentage with at most two decimals, not {value!r}.",
                field=field,
                value=value if len(str(value)) <= _LONGEST_NUMBER else f"{str(value)[:20]}…",
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
    """A text field, read by the rule for its kind (``ledger.text``)."""
    from ledger.text import read_field

    return read_field(value, field)
