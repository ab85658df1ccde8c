"""SLIA arithmetic: indicator, capital and overall scores, and the checks.

indicator score = mean over the respondents who answered (a blank is missing,
not zero); capital score = mean of its indicators; change = after − before;
overall change = mean of the five capital changes. All of it in exact
fractions, so the order of the rows can never change a result.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

import attrs

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


MAX_RESPONDENTS = 100  # the largest N tried when guessing the scores' k/N


def _unrounded(score: Score | None, n: int) -> Fraction | None:
    """The k/N that a written score was rounded from, if one is within its rounding."""
    if score is None:
        return None
    k = round(score.value * n)
    exact = Fraction(k, n)
    return exact if abs(exact - score.value) <= _rounding(score) else None


def guess_respondents(rows: list[SurveyRow]) -> int | None:
    """The smallest N for which every written score with decimals is a rounded k/N."""
    written = [s for r in rows for s in (r.before, r.after) if s is not None and s.decimals]
    if len(written) < 4:
        return None
    for n in range(2, MAX_RESPONDENTS + 1):
        if all(_unrounded(s, n) is not None for s in written):
            return n
    return None


def _as_unrounded(row: SurveyRow, n: int, issues: list[Issue]) -> SurveyRow:
    """``row`` with each written score replaced by the k/N it was rounded from."""
    changed = {}
    for name in ("before", "after"):
        score = getattr(row, name)
        if score is None or not score.decimals:
            continue
        exact = _unrounded(score, n)
        if exact is None:
            issues.append(
                Issue(
                    "warning",
                    "not_k_of_n",
                    msg(
                        "row {row}: {score} is no rounded k/{n}; kept as written.",
                        row=row.row,
                        score=score.text,
                        n=n,
                    ),
                    row.row,
                )
            )
            continue
        changed[name] = Score(exact, score.text, 0)
    return attrs.evolve(row, **changed) if changed else row


def _capital_means(rows: list[SurveyRow]) -> dict[str, tuple[Fraction | None, Fraction | None]]:
    """Capital before and after means from indicator means, as ``assess`` computes them."""
    grouped: dict[str, dict[str, list[SurveyRow]]] = {c: {} for c in CAPITALS}
    for row in rows:
        grouped[row.capital].setdefault(indicator_key(row.indicator), []).append(row)
    out = {}
    for capital, indicators in grouped.items():
        means = []
        for name in ("before", "after"):
            values = [
                _mean(getattr(r, name).value for r in answers if getattr(r, name) is not None)
                for answers in indicators.values()
            ]
            means.append(_mean(v for v in values if v is not None))
        out[capital] = (means[0], means[1])
    return out


def _two_decimals(value: Fraction) -> str:
    """Rounded half up to two decimals, exactly."""
    cents = (value * 100 + Fraction(1, 2)).__floor__()
    return f"{cents // 100}.{cents % 100:02d}"


def _explain_rounding(rows: list[SurveyRow], n: int, given: bool, issues: list[Issue]) -> None:
    """Say where capital scores from the written (rounded) indicator scores and
    from their unrounded k/N differ at two decimals."""
    written = _capital_means(rows)
    exact = _capital_means([_as_unrounded(r, n, []) for r in rows])
    for capital in CAPITALS:
        for i, label in enumerate(("before", "after")):
            a, b = written[capital][i], exact[capital][i]
            if a is None or b is None or _two_decimals(a) == _two_decimals(b):
                continue
            how = (
                msg("--respondents {n} averages the unrounded scores", n=n)
                if given
                else msg("--respondents {n} reproduces that", n=n)
            )
            issues.append(
                Issue(
                    "warning",
                    "rounding",
                    msg(
                        "capital {capital} {label}: {written} from the indicator scores as "
                        "written, {exact} from the unrounded k/{n} they were rounded from "
                        "(a report that averaged unrounded scores prints {exact}; {how}).",
                        capital=capital_label(capital),
                        label=msg("before") if label == "before" else msg("after"),
                        written=_two_decimals(a),
                        exact=_two_decimals(b),
                        n=n,
                        how=how,
                    ),
                )
            )


def assess(
    survey: Survey,
    *,
    ledger: LedgerAssessment | None = None,
    stories: Iterable[StoryView] | None = None,
    respondents: int | None = None,
) -> Assessment:
    """Score a survey; ``ledger`` and ``stories`` are carried into the report.

    ``respondents`` (a table of indicator means only): each written score is
    taken as the k/N it was rounded from, as a report that averaged unrounded
    scores did; without it, a difference that unrounded scores would make is
    explained in a warning."""
    issues: list[Issue] = list(survey.issues)
    rows = _unique_rows(survey, issues)
    for row in rows:
        _check_change(row, issues)
    if not survey.has_respondents:
        n = respondents or guess_respondents(rows)
        if n is not None:
            _explain_rounding(rows, n, respondents is not None, issues)
        if respondents is not None:
            rows = [_as_unrounded(r, respondents, issues) for r in rows]

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
