"""The rubric that turns ledger figures into 0..5 scores, and the wage table.

The defaults ship in ``assessment/data`` (``rubric.toml`` documents itself); a
user's file overrides them table by table, key by key.
"""

from __future__ import annotations

import bisect
import csv
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from ledger.errors import InvalidInput
from ledger.i18n import msg

INDICATORS: tuple[str, ...] = (
    "household_income",
    "savings",
    "cash_turnover",
    "access_to_capital",
    "business_network",
)


@attrs.frozen
class RubricEntry:
    key: str
    name: str
    unit: str
    levels: tuple[float, ...]  # levels[i]: the smallest figure that scores i
    survey: tuple[str, ...] = ()

    def score(self, figure: float | None) -> int | None:
        if figure is None:
            return None
        return max(0, bisect.bisect_right(self.levels, figure) - 1)


@attrs.frozen
class Rubric:
    scale: int
    entries: dict[str, RubricEntry]
    source: str


def _data(name: str) -> str:
    return resources.files("assessment").joinpath("data", name).read_text(encoding="utf-8")


def _read_toml(path: str | Path) -> dict[str, Any]:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(
            "rubric", msg("--rubric file {path!r} does not exist.", path=str(path))
        ) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidInput(
            "rubric",
            msg("--rubric file {path!r} cannot be read: {error}.", path=str(path), error=error),
        ) from None


def load_rubric(path: str | Path | None = None) -> Rubric:
    """The default rubric, overridden by ``path`` if given."""
    base = tomllib.loads(_data("rubric.toml"))
    source = "default"
    if path is not None:
        override = _read_toml(path)
        source = str(path)
        unknown = sorted(set(override) - {"scale", "indicators"})
        unknown += sorted(set(override.get("indicators", {})) - set(INDICATORS))
        if unknown:
            raise InvalidInput(
                "rubric",
                msg(
                    "--rubric file {source!r} names {unknown!r}, which is not part of a rubric (use scale and indicators.{{{names}}}).",
                    source=source,
                    unknown=unknown[0],
                    names=",".join(INDICATORS),
                ),
            )
        base["scale"] = override.get("scale", base["scale"])
        for key, table in override.get("indicators", {}).items():
            base["indicators"][key] = {**base["indicators"][key], **table}
    return _build(base, source)


def _build(raw: dict[str, Any], source: str) -> Rubric:
    scale = raw.get("scale")
    if not isinstance(scale, int) or isinstance(scale, bool) or scale < 1:
        raise InvalidInput(
            "rubric",
            msg(
                "rubric {source!r}: scale must be a whole number above 0, not {scale!r}.",
                source=source,
                scale=scale,
            ),
        )
    entries = {}
    for key in INDICATORS:
        table = raw["indicators"][key]
        levels = table.get("levels")
        where = f"rubric {source!r}: indicators.{key}.levels"
        if not isinstance(levels, list) or len(levels) != scale + 1:
            raise InvalidInput(
                "rubric",
                msg(
                    "{where} must list {value} numbers (scores 0..{scale}).",
                    where=where,
                    value=scale + 1,
                    scale=scale,
                ),
            )
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in levels):
            raise InvalidInput(
                "rubric",
                msg("{where} must be numbers, not {levels!r}.", where=where, levels=levels),
            )
        if any(a > b for a, b in zip(levels, levels[1:], strict=False)):
            raise InvalidInput(
                "rubric", msg("{where} must not decrease: {levels!r}.", where=where, levels=levels)
            )
        survey = table.get("survey", [])
        if not isinstance(survey, list) or not all(isinstance(w, str) for w in survey):
            raise InvalidInput(
                "rubric",
                msg(
                    "rubric {source!r}: indicators.{key}.survey must be a list of words.",
                    source=source,
                    key=key,
                ),
            )
        entries[key] = RubricEntry(
            key=key,
            name=str(table.get("name", key)),
            unit=str(table.get("unit", "")),
            levels=tuple(float(v) for v in levels),
            survey=tuple(survey),
        )
    return Rubric(scale=scale, entries=entries, source=source)


@attrs.frozen
class WageTable:
    """The monthly minimum wage (UMK) of Kota Serang by year, in rupiah."""

    by_year: dict[int, int]
    source: str

    def for_year(self, year: int) -> tuple[int, int]:
        """(wage, the year it is from): the nearest year the table has."""
        nearest = min(self.by_year, key=lambda y: (abs(y - year), y))
        return self.by_year[nearest], nearest


def load_wages(path: str | Path | None = None) -> WageTable:
    if path is None:
        text, source = _data("umk_serang.csv"), "default"
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            raise InvalidInput(
                "wages", msg("--wages file {source!r} cannot be read.", source=source)
            ) from None
    table: dict[int, int] = {}
    for number, record in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            year = int(record["year"])
            wage = int(str(record["umk"]).replace(".", "").replace("_", ""))
        except (KeyError, TypeError, ValueError):
            raise InvalidInput(
                "wages",
                msg(
                    "--wages file {source!r} row {number} needs a year and a whole-rupiah umk (columns year,umk).",
                    source=source,
                    number=number,
                ),
            ) from None
        if wage <= 0:
            raise InvalidInput(
                "wages",
                msg(
                    "--wages file {source!r} row {number}: umk must be above 0.",
                    source=source,
                    number=number,
                ),
            )
        table[year] = wage
    if not table:
        raise InvalidInput("wages", msg("--wages file {source!r} has no years.", source=source))
    return WageTable(by_year=table, source=source)
