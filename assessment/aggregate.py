"""SLIA arithmetic: indicator, capital and overall scores, and the checks.

indicator score = mean over the respondents who answered (a blank is missing,
not zero); capital score = mean of its indicators; change = after − before;
overall change = mean of the five capital changes. All of it in exact
fractions, so the order of the rows can never change a result.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from assessment.model import (
    CAPITALS,
    Assessment,
    CapitalScore,
    IndicatorScore,
    Issue,
    LedgerAssessment,
    StoryView,
    capital_label,
)
from assessment.survey import Score, Survey, SurveyRow, _number, indicator_key
from ledger.i18n import msg


def _mean(values: Iterable[Fraction]) -> Fraction | None:
    values = list(values)
    return sum(values, Fraction(0)) / len(values) if values else None


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _diff(after: Fraction | None, before: Fraction | None) -> Fraction | None:
    return None if after is None or before is None else after - before


def _rounding(score: Score | None) -> Fraction:
    """How far a written score may be from the figure it was rounded from.

    Whole numbers are taken as exact (a respondent's 3 is 3); ``2.58`` may be
    anything from 2.575 to 2.585.
    """
    if score is None or score.decimals == 0:
        return Fraction(0)
    return Fraction(1, 2 * 10**score.decimals)


def _describe(row: SurveyRow) -> str:
    parts = []
    if row.before is not None:
        parts.append(msg("before {score}", score=row.before.text))
    if row.after is not None:
        parts.append(msg("after {score}", score=row.after.text))
    if row.change is not None:
        parts.append(msg("change {score}", score=row.change.text))
    if not parts:
        return msg("no scores")
    text = parts[0]
    for part in parts[1:]:
        text = msg("{first}, {then}", first=text, then=part)
    return text


def _unique_rows(survey: Survey, issues: list[Issue]) -> list[SurveyRow]:
    """Drop exact repeats (a warning) and refuse conflicting ones (an error)."""
    seen: dict[tuple, SurveyRow] = {}
    kept: list[SurveyRow] = []
    for row in survey.rows:
        if survey.has_respondents and row.respondent is None:
            issues.append(
                Issue(
                    "warning",
                    "no_respondent",
                    msg(
                        "row {row}: {indicator!r} ({capital}) has no respondent; "
                        "counted as a respondent of its own.",
                        row=row.row,
                        indicator=row.indicator,
                        capital=capital_label(row.capital),
                    ),
                    row.row,
                )
            )
            who: object = ("row", row.row)
        else:
            who = indicator_key(row.respondent) if row.respondent else None
        key = (*row.key, who)
        first = seen.get(key)
        if first is None:
            seen[key] = row
            kept.append(row)
            continue
        whose = (
            msg(" for respondent {respondent}", respondent=row.respondent) if row.respondent else ""
        )
        if first.values() == row.values():
            issues.append(
                Issue(
                    "warning",
                    "duplicate_indicator",
                    msg(
                        "row {row}: {indicator!r} is listed twice in {capital}{whose} "
                        "(rows {first} and {row}, identical); counted once.",
                        row=row.row,
                        indicator=row.indicator,
                        capital=capital_label(row.capital),
                        whose=whose,
                        first=first.row,
                    ),
                    row.row,
                )
            )
        else:
            issues.append(
                Issue(
                    "error",
                    "conflicting_indicator",
                    msg(
                        "row {row}: {indicator!r} is listed twice in {capital}{whose} with "
                        "different scores (row {first}: {first_scores}; row {row}: {scores}).",
                        row=row.row,
                        indicator=row.indicator,
                        capital=capital_label(row.capital),
                        whose=whose,
                        first=first.row,
                        first_scores=_describe(first),
                        scores=_describe(row),
                    ),
                    row.row,
                )
            )
    return kept


def _check_change(row: SurveyRow, issues: list[Issue]) -> None:
    if row.change is None:
        return
    if row.before is None or row.after is None:
        issues.append(
            Issue(
                "warning",
                "change_unchecked",
                msg(
                    "row {row}: the change {change} of {indicator!r} ({capital}) cannot be "
                    "checked: before or after is blank.",
                    row=row.row,
                    change=row.change.text,
                    indicator=row.indicator,
                    capital=capital_label(row.capital),
                ),
                row.row,
            )
        )
        return
    actual = row.after.value - row.before.value
    tolerance = sum(map(_rounding, (row.before, row.after, row.change)), Fraction(0))
    if abs(row.change.value - actual) > tolerance:
        issues.append(
            Issue(
                "warning",
                "change_mismatch",
                msg(
                    "row {row}: the change of {indicator!r} ({capital}) is given as {change} "
                    "but after − before is {after} − {before} = {actual}.",
                    row=row.row,
                    indicator=row.indicator,
                    capital=capital_label(row.capital),
                    change=row.change.text,
                    after=row.after.text,
                    before=row.before.text,
                    actual=_number(actual),
                ),
                row.row,
            )
        )


def assess(
    survey: Survey,
    *,
    ledger: LedgerAssessment | None = None,
    stories: Iterable[StoryView] | None = None,
) -> Assessment:
    """Score a survey; ``ledger`` and ``stories`` are carried into the report."""
    issues: list[Issue] = list(survey.issues)
    rows = _unique_rows(survey, issues)
    for row in rows:
        _check_change(row, issues)

    # indicators in order of first appearance, within each capital
    grouped: dict[str, dict[str, list[SurveyRow]]] = {c: {} for c in CAPITALS}
    for row in rows:
        grouped[row.capital].setdefault(indicator_key(row.indicator), []).append(row)

    capitals: dict[str, CapitalScore] = {}
    changes: list[Fraction] = []
    for capital in CAPITALS:
        indicators: list[IndicatorScore] = []
        befores: list[Fraction] = []
        afters: list[Fraction] = []
        for answers in grouped[capital].values():
            name, first_row = answers[0].indicator, answers[0].row
            before = _mean(r.before.value for r in answers if r.before is not None)
            after = _mean(r.after.value for r in answers if r.after is not None)
            for label, value in (("before", before), ("after", after)):
                if value is None:
                    issues.append(
                        Issue(
                            "warning",
                            f"missing_{label}",
                            msg(
                                "row {row}: {name!r} ({capital}) has no {label} score; "
                                "it is left out of {capital}'s {label} score.",
                                row=first_row,
                                name=name,
                                capital=capital_label(capital),
                                label=msg("before") if label == "before" else msg("after"),
                            ),
                            first_row,
                        )
                    )
            answered = {
                indicator_key(r.respondent) if r.respondent else r.row
                for r in answers
                if r.before is not None or r.after is not None
            }
            indicators.append(
                IndicatorScore(
                    capital=capital,
                    name=name,
                    before=_float(before),
                    after=_float(after),
                    change=_float(_diff(after, before)),
                    respondents=len(answered) if survey.has_respondents else None,
                )
            )
            if before is not None:
                befores.append(before)
            if after is not None:
                afters.append(after)
        before, after = _mean(befores), _mean(afters)
        change = _diff(after, before)
        if change is None:
            if not indicators:
                why = msg("no indicators")
            elif before is None:
                why = msg("no before score")
            else:
                why = msg("no after score")
            issues.append(
                Issue(
                    "warning",
                    "empty_capital",
                    msg(
                        "capital {capital} has {why}; it is left out of the overall change.",
                        capital=capital_label(capital),
                        why=why,
                    ),
                )
            )
        else:
            changes.append(change)
        capitals[capital] = CapitalScore(
            capital=capital,
            before=_float(before),
            after=_float(after),
            change=_float(change),
            indicators=tuple(indicators),
        )

    if ledger is not None:
        ledger = ledger.beside([i.name for i in capitals["financial"].indicators])
        issues.extend(ledger.warnings)
    return Assessment(
        scale_max=float(survey.scale_max),
        capitals=capitals,
        overall_change=_float(_mean(changes)),
        warnings=tuple(i for i in issues if i.severity == "warning"),
        errors=tuple(i for i in issues if i.severity == "error"),
        source=survey.source,
        ledger=ledger,
        stories=None if stories is None else tuple(stories),
    )
