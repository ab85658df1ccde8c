"""The results of an SLIA assessment: plain frozen values.

Scores are floats here; they are computed exactly (``fractions.Fraction``) and
converted only at the end, so row order never changes a result.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from ledger.i18n import Message, msg

# The pentagon's axes, in this order (DOMAIN.md, SLIA).
CAPITALS: tuple[str, ...] = ("natural", "physical", "human", "financial", "social")


def capital_label(capital: str) -> Message | str:
    """A capital's name as a reader says it (English text; ``localise`` for the screen)."""
    labels = {
        "natural": msg("natural"),
        "physical": msg("physical"),
        "human": msg("human"),
        "financial": msg("financial"),
        "social": msg("social"),
    }
    return labels.get(capital, capital)


@attrs.frozen
class Issue:
    """A warning or an error found in the input, as one sentence."""

    severity: str  # "error" | "warning"
    code: str
    message: str
    row: int | None = None  # spreadsheet row (the header is row 1)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "row": self.row, "message": self.message}


@attrs.frozen
class IndicatorScore:
    capital: str
    name: str
    before: float | None
    after: float | None
    change: float | None
    respondents: int | None  # None: the survey has no respondent column

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "before": self.before,
            "after": self.after,
            "change": self.change,
            "respondents": self.respondents,
        }


@attrs.frozen
class CapitalScore:
    capital: str
    before: float | None
    after: float | None
    change: float | None
    indicators: tuple[IndicatorScore, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "before": self.before,
            "after": self.after,
            "change": self.change,
            "indicators": [i.as_json() for i in self.indicators],
        }


@attrs.frozen
class Period:
    """An inclusive range of dates, written ``FROM..TO``."""

    start: dt.date
    end: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    def text(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def as_json(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


@attrs.frozen
class Measure:
    """One ledger-derived indicator in one period: the figure and its score."""

    figure: float | None
    score: float | None
    detail: str  # how the figure came about, for the report

    def as_json(self) -> dict[str, Any]:
        return {"figure": self.figure, "score": self.score, "detail": self.detail}


@attrs.frozen
class LedgerIndicator:
    """A financial indicator derived from the replayed ledger."""

    key: str
    name: str
    unit: str
    before: Measure
    after: Measure
    survey_indicator: str | None = None  # the survey's indicator it stands beside
    # words that find that survey indicator by name (from the rubric)
    survey_words: tuple[str, ...] = attrs.field(default=(), eq=False, repr=False)

    @property
    def change(self) -> float | None:
        if self.before.score is None or self.after.score is None:
            return None
        return self.after.score - self.before.score

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "unit": self.unit,
            "before": self.before.as_json(),
            "after": self.after.as_json(),
            "change": self.change,
            "survey_indicator": self.survey_indicator,
        }


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


@attrs.frozen
class LedgerAssessment:
    """The financial capital as the ledger shows it over two periods."""

    before_period: Period
    after_period: Period
    rubric: str  # where the rubric came from
    indicators: tuple[LedgerIndicator, ...]
    warnings: tuple[Issue, ...] = ()
    # the books begin with the programme: a "before" period inside them is a
    # year of the programme (1 = its first), not a pre-programme baseline
    programme_year: int | None = None

    @property
    def before(self) -> float | None:
        return _mean([i.before.score for i in self.indicators if i.before.score is not None])

    @property
    def after(self) -> float | None:
        return _mean([i.after.score for i in self.indicators if i.after.score is not None])

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    def beside(self, survey_names: list[str]) -> LedgerAssessment:
        """Pair each indicator with the first unpaired survey indicator whose
        name contains one of its rubric words."""
        free = list(survey_names)
        paired = []
        for indicator in self.indicators:
            match = next(
                (
                    n
                    for n in free
                    if any(w.casefold() in n.casefold() for w in indicator.survey_words)
                ),
                None,
            )
            if match is not None:
                free.remove(match)
            paired.append(attrs.evolve(indicator, survey_indicator=match))
        return attrs.evolve(self, indicators=tuple(paired))

    def as_json(self) -> dict[str, Any]:
        return {
            "before_period": self.before_period.as_json(),
            "before_label": f"programme year {self.programme_year}"
            if self.programme_year
            else "before",
            "after_period": self.after_period.as_json(),
            "rubric": self.rubric,
            "before": self.before,
            "after": self.after,
            "change": self.change,
            "indicators": [i.as_json() for i in self.indicators],
        }


@attrs.frozen
class StoryView:
    """A Most Significant Change story as the report lists it."""

    member: str
    date: dt.date
    title: str
    text: str

    def as_json(self) -> dict[str, str]:
        return {
            "member": self.member,
            "date": self.date.isoformat(),
            "title": self.title,
            "text": self.text,
        }


@attrs.frozen
class Assessment:
    """An SLIA assessment: five capitals before and after, and what was found."""

    scale_max: float
    capitals: dict[str, CapitalScore]  # keyed and ordered as CAPITALS
    overall_change: float | None
    warnings: tuple[Issue, ...] = ()
    errors: tuple[Issue, ...] = ()
    source: str = ""
    ledger: LedgerAssessment | None = None
    stories: tuple[StoryView, ...] | None = None  # None: the ledger was not read

    @property
    def rejected(self) -> bool:
        return bool(self.errors)

    def as_json(self) -> dict[str, Any]:
        """The JSON document of ``kerang assess --json``.

        A rejected survey gives no scores: ``capitals`` and ``overall_change``
        are null and ``errors`` says why (the CLI adds the contract's
        ``error`` key and exits 2).
        """
        document: dict[str, Any] = {
            "scale_max": self.scale_max,
            "capitals": None
            if self.rejected
            else {c: self.capitals[c].as_json() for c in CAPITALS},
            "overall_change": None if self.rejected else self.overall_change,
            "warnings": [w.as_json() for w in self.warnings],
            "errors": [e.as_json() for e in self.errors],
        }
        if self.ledger is not None and not self.rejected:
            document["ledger"] = self.ledger.as_json()
        if self.stories is not None:
            document["stories"] = [s.as_json() for s in self.stories]
        return document
