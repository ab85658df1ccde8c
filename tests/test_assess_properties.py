"""Hypothesis properties of the SLIA aggregation."""

from __future__ import annotations

import csv
import io
import re
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assessment import CAPITALS, assess, read_survey  # noqa: E402

INDICATORS = ["A", "B", "C"]

# a score in tenths, 0..5, or None for a blank
tenths = st.one_of(st.none(), st.integers(0, 50))
answer = st.tuples(
    st.sampled_from(["R1", "R2", "R3", "R4"]),
    st.sampled_from(CAPITALS),
    st.sampled_from(INDICATORS),
    tenths,
    tenths,
)


def unique(answers):
    """One answer per respondent and indicator (duplicates are tested elsewhere)."""
    seen, kept = set(), []
    for a in answers:
        if a[:3] not in seen:
            seen.add(a[:3])
            kept.append(a)
    return kept


surveys = st.lists(answer, min_size=1, max_size=40).map(unique)


def written(value: Fraction | int | None, scale: Fraction = Fraction(1, 10)) -> str:
    if value is None:
        return ""
    exact = Fraction(value) * scale
    return f"{float(exact):.6f}" if exact.denominator != 1 else str(exact.numerator)


def to_csv(answers, scale: Fraction = Fraction(1, 10)) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["respondent", "capital", "indicator", "before", "after"])
    for who, capital, indicator, before, after in answers:
        writer.writerow([who, capital, indicator, written(before, scale), written(after, scale)])
    return out.getvalue()


def scores(result):
    """Everything the aggregation decides, independent of listing order."""
    return {
        capital: (
            score.before,
            score.after,
            score.change,
            sorted((i.name, i.before, i.after, i.change, i.respondents) for i in score.indicators),
        )
        for capital, score in result.capitals.items()
    } | {"overall": result.overall_change}


def reference(answers):
    """The SLIA rules written out plainly, in exact fractions."""
    by_indicator: dict[tuple[str, str], dict[str, list[Fraction]]] = {}
    for _, capital, indicator, before, after in answers:
        slot = by_indicator.setdefault((capital, indicator), {"before": [], "after": []})
        if before is not None:
            slot["before"].append(Fraction(before, 10))
        if after is not None:
            slot["after"].append(Fraction(after, 10))

    def mean(xs):
        return sum(xs) / len(xs) if xs else None

    capitals, changes = {}, []
    for capital in CAPITALS:
        means = [v for (c, _), v in by_indicator.items() if c == capital]
        before = mean([m for v in means if (m := mean(v["before"])) is not None])
        after = mean([m for v in means if (m := mean(v["after"])) is not None])
        capitals[capital] = (before, after)
        if before is not None and after is not None:
            changes.append(after - before)
    return capitals, mean(changes)


@settings(max_examples=60, deadline=None)
@given(surveys)
def test_scores_follow_the_slia_rules(answers):
    result = assess(read_survey(to_csv(answers)))
    capitals, overall = reference(answers)
    for capital, (before, after) in capitals.items():
        got = result.capitals[capital]
        assert got.before == (None if before is None else pytest.approx(float(before)))
        assert got.after == (None if after is None else pytest.approx(float(after)))
    assert result.overall_change == (None if overall is None else pytest.approx(float(overall)))
    assert result.errors == ()


@settings(max_examples=60, deadline=None)
@given(surveys, st.randoms(use_true_random=False))
def test_row_order_is_irrelevant(answers, random):
    shuffled = list(answers)
    random.shuffle(shuffled)
    first = assess(read_survey(to_csv(answers)))
    second = assess(read_survey(to_csv(shuffled)))
    # exact equality: the arithmetic is in fractions, so order cannot leak in
    assert scores(first) == scores(second)

    # the same warnings, though they name other rows
    def found(result):
        return sorted(re.sub(r"row \d+: ", "", w.message) for w in result.warnings)

    assert found(first) == found(second)


@settings(max_examples=60, deadline=None)
@given(surveys)
def test_a_respondent_scoring_the_current_means_changes_nothing(answers):
    base = assess(read_survey(to_csv(answers)))
    extra = []
    for capital in CAPITALS:
        for indicator in base.capitals[capital].indicators:
            extra.append(
                [
                    "MEAN",
                    capital,
                    indicator.name,
                    "" if indicator.before is None else repr(indicator.before),
                    "" if indicator.after is None else repr(indicator.after),
                ]
            )
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(extra)
    after = assess(read_survey(to_csv(answers) + out.getvalue()))

    def close(a, b):
        return (a is None and b is None) or (a is not None and b == pytest.approx(a, abs=1e-12))

    for capital in CAPITALS:
        old, new = base.capitals[capital], after.capitals[capital]
        assert close(old.before, new.before) and close(old.after, new.after)
        assert close(old.change, new.change)
        for o, n in zip(old.indicators, new.indicators, strict=True):
            assert o.name == n.name
            assert close(o.before, n.before) and close(o.after, n.after)
            answered = o.before is not None or o.after is not None
            assert n.respondents == o.respondents + answered
    assert close(base.overall_change, after.overall_change)


@settings(max_examples=60, deadline=None)
@given(
    surveys,
    st.sampled_from([Fraction(2), Fraction(10), Fraction(1, 2), Fraction(4, 5)]),
)
def test_scaling_every_score_and_the_scale_scales_every_result(answers, factor):
    base = assess(read_survey(to_csv(answers), scale_max=5))
    scaled = assess(
        read_survey(
            to_csv(answers, Fraction(1, 10) * factor),
            scale_max=written(5 * factor, Fraction(1)),
        )
    )
    assert scaled.errors == ()
    assert scaled.scale_max == pytest.approx(5 * float(factor))

    def times(value):
        return None if value is None else pytest.approx(value * float(factor), abs=1e-9)

    for capital in CAPITALS:
        a, b = base.capitals[capital], scaled.capitals[capital]
        assert (b.before, b.after, b.change) == (
            times(a.before),
            times(a.after),
            times(a.change),
        )
    assert scaled.overall_change == times(base.overall_change)


@settings(max_examples=40, deadline=None)
@given(surveys, st.integers(1, 20))
def test_scores_above_the_scale_are_errors_and_at_the_scale_are_not(answers, scale_max):
    text = to_csv(answers)
    result = assess(read_survey(text, scale_max=scale_max))
    too_high = sum(
        1 for a in answers for s in a[3:] if s is not None and Fraction(s, 10) > scale_max
    )
    assert len(result.errors) == too_high
    assert all(e.code == "out_of_range" for e in result.errors)
