"""SLIA impact assessment: five capitals scored before and after.

From a survey (``load_survey`` → ``assess``) and, for the financial capital,
from the replayed ledger (``ledger_indicators`` on ``ledger.views.Books``, or
``read_ledger`` on a database). ``assess_survey`` does all of it for
``kerang assess``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from assessment.aggregate import assess
from assessment.financial import (
    ledger_indicators,
    parse_period,
    read_ledger,
    read_stories,
    stories_of,
)
from assessment.model import (
    CAPITALS,
    Assessment,
    CapitalScore,
    IndicatorScore,
    Issue,
    LedgerAssessment,
    LedgerIndicator,
    Measure,
    Period,
    StoryView,
)
from assessment.rubric import Rubric, WageTable, load_rubric, load_wages
from assessment.survey import Survey, load_survey, read_survey
from ledger.errors import InvalidInput
from ledger.i18n import msg
from ledger.views import Books

__all__ = [
    "CAPITALS",
    "Assessment",
    "CapitalScore",
    "IndicatorScore",
    "Issue",
    "LedgerAssessment",
    "LedgerIndicator",
    "Measure",
    "Period",
    "Rubric",
    "StoryView",
    "Survey",
    "WageTable",
    "assess",
    "assess_survey",
    "ledger_indicators",
    "load_rubric",
    "load_survey",
    "load_wages",
    "parse_period",
    "read_ledger",
    "read_stories",
    "read_survey",
    "stories_of",
]


def assess_survey(
    survey: str | Path,
    *,
    scale_max: object = 5,
    books: Callable[[dt.date | None], Books] | None = None,
    from_ledger: bool = False,
    before: str | None = None,
    after: str | None = None,
    rubric: str | Path | None = None,
    wages: str | Path | None = None,
    respondents: int | None = None,
) -> Assessment:
    """Everything ``kerang assess`` does short of rendering.

    ``books(as_of)`` gives the ledger's books as of a date (``ledger.read_books``;
    None: as they stand). With ``from_ledger`` the financial indicators are
    measured from them over the ``before`` and ``after`` periods
    (``FROM..TO``); with ``books`` the ledger's Most Significant Change stories
    are listed. Input
    that cannot be read raises ``ledger.errors.InvalidInput``; problems in the
    survey's rows are in ``Assessment.errors`` and ``.warnings``.
    """
    loaded = load_survey(survey, scale_max)
    ledger = stories = None
    if from_ledger:
        if books is None:
            raise ValueError("from_ledger needs the books")
        ledger, stories = read_ledger(
            books,
            parse_period(before, "before"),
            parse_period(after, "after"),
            rubric=load_rubric(rubric),
            wages=load_wages(wages),
            scale_max=float(loaded.scale_max),
        )
    elif books is not None:
        stories = read_stories(books)
    if respondents is not None and not 1 <= respondents <= 100_000:
        raise InvalidInput(
            "respondents",
            msg("--respondents must be 1..100000, not {n}.", n=respondents),
        )
    return assess(loaded, ledger=ledger, stories=stories, respondents=respondents)
