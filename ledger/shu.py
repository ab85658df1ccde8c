"""The year-end SHU (sisa hasil usaha) and its appropriation: exact to the rupiah.

The SHU of a year is the cooperative's own result: its 2 % share of the
harvests (sales less harvest costs, the manager's, partners' and savings
shares) plus its other income, less its operating expenses — the balances of
the Income and Expenses accounts over the year. Infaq never enters it: the
infaq fund is a liability of its own (PSAK 109), not income.

A positive SHU is divided by the bylaws' percentages (``ledger/data/bylaws.toml``)
over five parts by the contract's largest-remainder rule (ties in the order
reserve, jasa usaha, jasa modal, education, social). Jasa usaha is then divided
over the members in proportion to each member's harvest income of the year,
jasa modal in proportion to their pokok + wajib savings at the year's end
(largest remainder again, ties in ascending member ID order). A member part
that no member has a base for (no harvest income, or no pokok/wajib savings)
stays in the reserve. A loss (SHU below zero) is recorded and nothing is
appropriated: it stays in ``Equity:SHU:<YEAR>`` as SHU not yet covered.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ledger.errors import InvalidInput
from ledger.money import format_percent, parse_percent
from ledger.split import WHOLE, largest_remainder

FUNDS: tuple[str, ...] = ("reserve", "jasa_usaha", "jasa_modal", "education", "social")
BYLAWS_FILE = Path(__file__).parent / "data" / "bylaws.toml"


def bylaws_points(
    values: Mapping[str, object], source: str = "bylaws", given: Iterable[str] = ()
) -> dict[str, int]:
    """The five percentages as basis points; they must add up to 100. ``given``: the
    parts given on their own (an option or a column) over the file's; a refusal names
    the one at fault, else the bylaws file ``source``."""
    given = [k for k in FUNDS if k in set(given)]
    unknown = sorted(set(values) - set(FUNDS))
    if unknown:
        raise InvalidInput(
            "bylaws",
            "{field} {source}: {unknown!r} is not an SHU part; use {names}.",
            source=source,
            unknown=unknown[0],
            names=", ".join(FUNDS),
        )
    missing = [k for k in FUNDS if k not in values]
    if missing:
        raise InvalidInput(
            "bylaws",
            "{field} {source}: the SHU part {missing} is missing.",
            source=source,
            missing=missing[0],
        )
    points = {k: _part(values[k], k, k in given, source) for k in FUNDS}
    total = sum(points.values())
    if total != WHOLE:
        text = ", ".join(f"{k} {format_percent(v)}" for k, v in points.items())
        if given:  # the part given over the file's broke the sum
            raise InvalidInput(
                given[0],
                "{field} makes the SHU parts add up to {total}, not 100 ({text}).",
                total=format_percent(total),
                text=text,
            )
        raise InvalidInput(
            "bylaws",
            "{field} {source}: the SHU parts must add up to 100, not {total} ({text}).",
            source=source,
            total=format_percent(total),
            text=text,
        )
    return points


def _part(value: object, part: str, given: bool, source: str) -> int:
    """One part's percentage, refused naming its option or column, or the bylaws file."""
    try:
        return parse_percent(value, part)
    except InvalidInput:
        shown = value if len(str(value)) <= 40 else f"{str(value)[:20]}…"
        if given:
            raise InvalidInput(
                part,
                "{field} must be a percentage from 0 to 100 with at most two decimals, not {value!r}.",
                value=shown,
            ) from None
        raise InvalidInput(
            "bylaws",
            "{field} {source}: {part} must be a percentage from 0 to 100 with at most two decimals, not {value!r}.",
            source=source,
            part=part,
            value=shown,
        ) from None


def load_bylaws(path: str | Path | None = None, field: str = "bylaws") -> dict[str, object]:
    """The ``[shu]`` percentages of a bylaws file, unchecked."""
    file = Path(path) if path else BYLAWS_FILE
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(field, "{field} {file} does not exist.", file=file) from None
    except IsADirectoryError:
        raise InvalidInput(
            field, "{field} {file} is a folder, not a bylaws file.", file=file
        ) from None
    except OSError as e:
        raise InvalidInput(
            field, "{field} {file} cannot be read ({reason}).", file=file, reason=e.strerror
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InvalidInput(
            field, "{field} {file} is not valid TOML ({e}).", file=file, e=e
        ) from None
    shu = data.get("shu")
    if not isinstance(shu, dict):
        raise InvalidInput(field, "{field} {file} has no [shu] table.", file=file)
    return dict(shu)


@attrs.frozen
class Bylaws:
    """The ``[shu]`` table of a bylaws file as read (unchecked) and where it came from."""

    source: str
    values: dict[str, object]

    @classmethod
    def read(cls, path: str | Path | None, field: str = "bylaws") -> Bylaws:
        return cls(str(path or BYLAWS_FILE), load_bylaws(path, field))

    def points(self, overrides: Mapping[str, object | None]) -> dict[str, int]:
        """The five percentages with any given ``overrides`` put over the file's."""
        return bylaws_with(self.values, overrides, self.source)


def resolve_bylaws(
    path: str | Path | None, overrides: Mapping[str, object | None]
) -> dict[str, int]:
    """The bylaws file's percentages with any given ``overrides`` put over them."""
    return Bylaws.read(path).points(overrides)


def bylaws_with(
    bylaws: Mapping[str, object], overrides: Mapping[str, object | None], source: str = "bylaws"
) -> dict[str, int]:
    """The bylaws' percentages (as read from their file) with any given ``overrides``."""
    given = {k: v for k, v in overrides.items() if v not in (None, "")}
    return bylaws_points({**bylaws, **given}, source, given)


def divide_by(amount: int, bases: Mapping[str, int]) -> dict[str, int]:
    """``amount`` over the members with a positive base, by largest remainder
    (ties in ascending member ID order); {} when nobody has a base."""
    members = sorted(m for m, b in bases.items() if b > 0)
    if not members:
        return {}
    return dict(zip(members, largest_remainder(amount, [bases[m] for m in members]), strict=True))


@attrs.frozen
class Appropriation:
    """The SHU divided: per part, per member, and what the reserve receives."""

    shu: int
    funds: dict[str, int]
    jasa_usaha: dict[str, int]
    jasa_modal: dict[str, int]
    reserve: int
    notes: tuple[str, ...]


def appropriate(
    shu: int,
    bylaws: Mapping[str, int],
    usaha_base: Mapping[str, int],
    modal_base: Mapping[str, int],
) -> Appropriation:
    if shu <= 0:
        what = "a loss" if shu < 0 else "no SHU"
        return Appropriation(
            shu,
            dict.fromkeys(FUNDS, 0),
            {},
            {},
            0,
            (f"{what}: nothing is appropriated",),
        )
    funds = dict(zip(FUNDS, largest_remainder(shu, [bylaws[k] for k in FUNDS]), strict=True))
    usaha = divide_by(funds["jasa_usaha"], usaha_base)
    modal = divide_by(funds["jasa_modal"], modal_base)
    reserve, notes = funds["reserve"], []
    if not usaha and funds["jasa_usaha"]:
        reserve += funds["jasa_usaha"]
        notes.append("no member had harvest income: jasa usaha is kept in the reserve")
    if not modal and funds["jasa_modal"]:
        reserve += funds["jasa_modal"]
        notes.append("no member held pokok or wajib savings: jasa modal is kept in the reserve")
    return Appropriation(shu, funds, usaha, modal, reserve, tuple(notes))


def close_record(
    year: int,
    day: Any,
    round_: int,
    bylaws: Mapping[str, int],
    closing: Mapping[str, int],
    usaha_base: Mapping[str, int],
    modal_base: Mapping[str, int],
) -> dict[str, Any]:
    """The fields of a ``YearClosed`` event: the whole appropriation."""
    closing = {a: v for a, v in sorted(closing.items()) if v}
    shu = -sum(closing.values())
    usaha = {m: b for m, b in sorted(usaha_base.items()) if b > 0}
    modal = {m: b for m, b in sorted(modal_base.items()) if b > 0}
    a = appropriate(shu, bylaws, usaha, modal)
    return {
        "year": year,
        "day": day,
        "round": round_,
        "bylaws": {k: bylaws[k] for k in FUNDS},
        "closing": closing,
        "shu": shu,
        "funds": a.funds,
        "usaha_base": usaha,
        "modal_base": modal,
        "jasa_usaha": a.jasa_usaha,
        "jasa_modal": a.jasa_modal,
        "reserve": a.reserve,
    }


def notes_of(close: Mapping[str, Any]) -> tuple[str, ...]:
    """What a recorded close says about itself (a loss, parts kept in the reserve)."""
    return appropriate(
        close["shu"], close["bylaws"], close["usaha_base"], close["modal_base"]
    ).notes
