"""Reading an SLIA survey from CSV.

Columns ``capital,indicator,before,after`` and optionally ``respondent`` and
``change`` (Indonesian headers are accepted too). The delimiter is whatever the
header uses: ``,``, ``;`` or a tab, so spreadsheets saved with Indonesian
settings (``;`` and decimal commas) read as they are.

Problems become :class:`~assessment.model.Issue` values, never exceptions, so
that every one of them can be reported at once; only a file that cannot be
read at all raises ``InvalidInput``.
"""

from __future__ import annotations

import csv
import io
import re
from fractions import Fraction
from pathlib import Path

import attrs

from assessment.model import CAPITALS, Issue
from ledger.errors import InvalidInput
from ledger.i18n import msg

# Words that name a capital, as real reports write them (English and Indonesian).
CAPITAL_WORDS: dict[str, str] = {
    "natural": "natural",
    "alam": "natural",
    "physical": "physical",
    "fisik": "physical",
    "human": "human",
    "manusia": "human",
    "sdm": "human",
    "financial": "financial",
    "keuangan": "financial",
    "finansial": "financial",
    "social": "social",
    "sosial": "social",
}

# Header spellings; the key is the column's meaning.
COLUMNS: dict[str, tuple[str, ...]] = {
    "capital": ("capital", "modal", "aset", "asset", "kapital"),
    "indicator": ("indicator", "indikator"),
    "before": ("before", "sebelum"),
    "after": ("after", "sesudah", "setelah"),
    "change": ("change", "perubahan", "variance", "varian", "selisih"),
    "respondent": ("respondent", "responden"),
}
REQUIRED = ("capital", "indicator", "before", "after")

_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


@attrs.frozen
class Score:
    """A number as written in the survey, kept exact."""

    value: Fraction
    text: str
    decimals: int  # digits after the decimal mark; 0 for a whole number


@attrs.frozen
class SurveyRow:
    row: int  # spreadsheet row; the header is row 1
    capital: str
    indicator: str
    respondent: str | None
    before: Score | None
    after: Score | None
    change: Score | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.capital, indicator_key(self.indicator))

    def values(self) -> tuple[Fraction | None, ...]:
        return tuple(s.value if s else None for s in (self.before, self.after, self.change))


@attrs.frozen
class Survey:
    source: str
    scale_max: Fraction
    rows: tuple[SurveyRow, ...]  # the rows without errors
    has_respondents: bool
    has_change: bool
    issues: tuple[Issue, ...] = ()


def indicator_key(name: str) -> str:
    """Indicators are the same if they differ only in case and spacing."""
    return " ".join(name.split()).casefold()


def capital_of(label: str) -> str | None:
    """``"Aset Alam"`` → ``"natural"``; None unless exactly one capital is named."""
    words = re.findall(r"[^\W\d_]+", label.casefold())
    found = {CAPITAL_WORDS[w] for w in words if w in CAPITAL_WORDS}
    if "sumber" in words and "daya" in words and "manusia" in words:
        found = {"human"}  # "sumber daya manusia" spelt out
    return found.pop() if len(found) == 1 else None


def parse_score(text: str) -> Score | None:
    """``"4,91"`` or ``"4.91"`` → 4.91 exactly; blank → None; else ValueError."""
    raw = text.strip()
    if not raw:
        return None
    if not _NUMBER.fullmatch(raw):
        raise ValueError(raw)
    number = raw.replace(",", ".")
    _, _, fraction = number.partition(".")
    return Score(Fraction(number), raw, len(fraction))


def parse_scale_max(value: object) -> Fraction:
    text = str(value).strip()
    try:
        score = parse_score(text)
    except ValueError:
        score = None
    if score is None or score.value <= 0:
        raise InvalidInput(
            "scale-max", msg("--scale-max must be a number above zero, not {text!r}.", text=text)
        )
    return score.value


def load_survey(path: str | Path, scale_max: object = 5) -> Survey:
    """Read a survey file; see :func:`read_survey`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(
            "survey", msg("--survey file {path!r} does not exist.", path=str(path))
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput(
            "survey",
            msg("--survey file {path!r} is not UTF-8 text; save it as UTF-8 CSV.", path=str(path)),
        ) from None
    except OSError as error:
        raise InvalidInput(
            "survey",
            msg(
                "--survey file {path!r} cannot be read: {strerror}.",
                path=str(path),
                strerror=error.strerror,
            ),
        ) from None
    return read_survey(text, scale_max=scale_max, source=str(path))


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    spelling = {alias: meaning for meaning, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    unknown: list[str] = []
    for index, name in enumerate(header):
        meaning = spelling.get(name.strip().casefold())
        if meaning is None or meaning in found:
            unknown.append(name.strip())
        else:
            found[meaning] = index
    return found, unknown


def read_survey(text: str, scale_max: object = 5, source: str = "survey") -> Survey:
    """Parse survey CSV text. Rows with errors are left out of ``rows``."""
    limit = parse_scale_max(scale_max)
    text = text.removeprefix("\ufeff")  # a spreadsheet's byte-order mark
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(first))
    records = [(n, r) for n, r in enumerate(reader, start=1) if any(c.strip() for c in r)]
    if not records:
        raise InvalidInput("survey", msg("--survey file {source!r} is empty.", source=source))
    _, header = records[0]
    columns, unknown = _header_map(header)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InvalidInput(
            "survey",
            msg(
                "--survey file {source!r} has no {missing!r} column (it needs {names}; the header is {names2}).",
                source=source,
                missing=missing[0],
                names=", ".join(REQUIRED),
                names2=", ".join(header),
            ),
        )
    issues = [
        Issue(
            "warning",
            "unknown_column",
            msg("column {name!r} is not a survey column; ignored.", name=name),
            1,
        )
        for name in unknown
    ]
    rows: list[SurveyRow] = []
    for number, record in records[1:]:
        row, row_issues = _read_row(number, record, header, columns, limit)
        issues.extend(row_issues)
        if row is not None:
            rows.append(row)
    return Survey(
        source=source,
        scale_max=limit,
        rows=tuple(rows),
        has_respondents="respondent" in columns,
        has_change="change" in columns,
        issues=tuple(issues),
    )


def _read_row(
    number: int,
    record: list[str],
    header: list[str],
    columns: dict[str, int],
    limit: Fraction,
) -> tuple[SurveyRow | None, list[Issue]]:
    def error(code: str, message: str) -> tuple[None, list[Issue]]:
        return None, [
            Issue(
                "error",
                code,
                msg("row {number}: {message}", number=number, message=message),
                number,
            )
        ]

    if len(record) > len(header):
        extra = ", ".join(record[len(header) :])
        return error(
            "extra_fields",
            msg(
                "has {count} fields but the header has {count2} (extra: {extra!r}); quote decimal commas (\"4,91\") or separate with ';'.",
                count=len(record),
                count2=len(header),
                extra=extra,
            ),
        )
    cell = {m: record[i].strip() if i < len(record) else "" for m, i in columns.items()}
    capital = capital_of(cell["capital"])
    if capital is None:
        return error(
            "unknown_capital",
            msg(
                "capital {capital!r} is not one of {names} (or alam, fisik, manusia/SDM, keuangan/finansial, sosial).",
                capital=cell["capital"],
                names=", ".join(CAPITALS),
            ),
        )
    indicator = " ".join(cell["indicator"].split())
    if not indicator:
        return error(
            "no_indicator", msg("the indicator of a {capital} row is blank.", capital=capital)
        )
    scores: dict[str, Score | None] = {}
    problems: list[Issue] = []
    for field in ("before", "after", "change"):
        if field not in cell:
            scores[field] = None
            continue
        try:
            scores[field] = parse_score(cell[field])
        except ValueError:
            problems.append(
                Issue(
                    "error",
                    "not_a_number",
                    msg(
                        "row {number}: {field} {cell!r} of {indicator!r} ({capital}) is not a number.",
                        number=number,
                        field=field,
                        cell=cell[field],
                        indicator=indicator,
                        capital=capital,
                    ),
                    number,
                )
            )
            continue
        score = scores[field]
        if field != "change" and score is not None and not 0 <= score.value <= limit:
            problems.append(
                Issue(
                    "error",
                    "out_of_range",
                    msg(
                        "row {number}: {field} score {text} of {indicator!r} ({capital}) is outside 0..{number2}.",
                        number=number,
                        field=field,
                        text=score.text,
                        indicator=indicator,
                        capital=capital,
                        number2=_number(limit),
                    ),
                    number,
                )
            )
    if problems:
        return None, problems
    respondent = cell.get("respondent")
    return (
        SurveyRow(
            row=number,
            capital=capital,
            indicator=indicator,
            respondent=respondent or None,
            before=scores["before"],
            after=scores["after"],
            change=scores["change"],
        ),
        [],
    )


def _number(value: Fraction | float) -> str:
    """A short rendering of a score for messages: 5, 4.91, 0.3333."""
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
