"""Reading and validating SLIA surveys: every validation case of the issue."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cli_helpers import kerang  # noqa: E402

from assessment import assess, read_survey  # noqa: E402
from assessment.survey import capital_of, parse_score  # noqa: E402
from ledger.errors import InvalidInput  # noqa: E402

FIVE = """capital,indicator,before,after
natural,Sites for new bagan,2,3
physical,Transport,1,4
human,Farming know-how,2,4
financial,Household income level,1,3
social,Gotong royong,3,4
"""


def write_survey(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "survey.csv"
    path.write_text(text, encoding="utf-8")
    return path


def assess_text(text: str, scale_max: object = 5):
    return assess(read_survey(text, scale_max=scale_max))


def codes(issues) -> list[str]:
    """The codes found, leaving out the capitals a small survey leaves empty."""
    return [i.code for i in issues if i.code != "empty_capital"]


# ----------------------------------------------------------------- the arithmetic
def test_capital_score_is_the_mean_of_its_indicators_and_change_is_after_minus_before():
    result = assess_text(FIVE + "natural,Environmental support for farming,4,4\n")
    natural = result.capitals["natural"]
    assert natural.before == pytest.approx((2 + 4) / 2)
    assert natural.after == pytest.approx((3 + 4) / 2)
    assert natural.change == pytest.approx(natural.after - natural.before)
    changes = [result.capitals[c].change for c in result.capitals]
    assert result.overall_change == pytest.approx(sum(changes) / 5)
    assert not result.warnings and not result.errors


def test_indicator_score_is_the_mean_over_respondents_who_answered_blank_is_not_zero():
    text = (
        "respondent,capital,indicator,before,after\n"
        "R1,natural,Sites,2,4\n"
        "R2,natural,Sites,,5\n"  # R2 did not score before: missing, not zero
        "R3,natural,Sites,4,\n"
    )
    sites = assess_text(text).capitals["natural"].indicators[0]
    assert sites.before == pytest.approx(3.0)  # (2 + 4) / 2, not (2 + 0 + 4) / 3
    assert sites.after == pytest.approx(4.5)
    assert sites.change == pytest.approx(1.5)
    assert sites.respondents == 3


def test_without_a_respondent_column_respondents_is_null():
    result = assess_text(FIVE)
    assert result.capitals["social"].indicators[0].respondents is None


# ----------------------------------------------------------------- labels and numbers
@pytest.mark.parametrize(
    ("label", "capital"),
    [
        ("natural", "natural"),
        ("Alam", "natural"),
        ("Aset Alam", "natural"),
        ("Natural capital", "natural"),
        ("FISIK", "physical"),
        ("Modal Fisik", "physical"),
        ("human", "human"),
        ("Manusia", "human"),
        ("SDM", "human"),
        ("Aset SDM", "human"),
        ("Modal Sumber Daya Manusia", "human"),
        ("financial", "financial"),
        ("Keuangan", "financial"),
        ("Aset Finansial", "financial"),
        ("social", "social"),
        ("Modal Sosial", "social"),
        ("Aset Sosial", "social"),
    ],
)
def test_capital_labels_in_english_and_indonesian(label, capital):
    assert capital_of(label) == capital


@pytest.mark.parametrize("label", ["ekonomi", "", "Alam dan Sosial", "Modal"])
def test_unknown_capital_is_an_error_naming_row_and_value(label):
    result = assess_text(f"capital,indicator,before,after\n{label},X,1,2\n")
    assert codes(result.errors) == ["unknown_capital"]
    assert "row 2" in result.errors[0].message
    assert repr(label) in result.errors[0].message


def test_decimal_commas_quoted_or_with_semicolons():
    quoted = assess_text('capital,indicator,before,after\nAset Alam,Sites,"2,33","4,91"\n')
    semicolon = assess_text("capital;indicator;before;after\nAset Alam;Sites;2,33;4,91\n")
    for result in (quoted, semicolon):
        sites = result.capitals["natural"].indicators[0]
        assert (sites.before, sites.after) == (pytest.approx(2.33), pytest.approx(4.91))
        assert not result.errors


def test_an_unquoted_decimal_comma_in_a_comma_file_is_an_error_not_a_shift():
    result = assess_text("capital,indicator,before,after\nnatural,Sites,2,33,4,91\n")
    assert codes(result.errors) == ["extra_fields"]
    assert "row 2" in result.errors[0].message


def test_parse_score():
    assert parse_score(" 4,91 ").value * 100 == 491
    assert parse_score("") is None
    with pytest.raises(ValueError):
        parse_score("4.9.1")


def test_indonesian_headers_and_a_bom():
    text = "\ufeffModal,Indikator,Sebelum,Sesudah,Perubahan\nAset Sosial,Gotong royong,2,3,1\n"
    result = assess_text(text)
    assert result.capitals["social"].after == 3.0
    assert not result.errors


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("before", "after", "field", "value"),
    [
        ("6", "3", "before", "6"),
        ("2", "5,5", "after", "5,5"),
        ("-1", "3", "before", "-1"),
    ],
)
def test_a_score_outside_the_scale_is_an_error_naming_row_and_value(before, after, field, value):
    text = (
        "capital,indicator,before,after\nnatural,Sites,1,2\n"
        f'physical,Transport,"{before}","{after}"\n'
    )
    result = assess_text(text)
    assert codes(result.errors) == ["out_of_range"]
    message = result.errors[0].message
    assert "row 3" in message and f"{field} score {value}" in message and "0..5" in message
    assert result.errors[0].row == 3


def test_scale_max_moves_the_limit():
    text = "capital,indicator,before,after\nnatural,Sites,7,10\n"
    assert codes(assess_text(text).errors) == ["out_of_range", "out_of_range"]
    assert assess_text(text, scale_max=10).errors == ()
    assert assess_text(text, scale_max="10").capitals["natural"].after == 10.0


@pytest.mark.parametrize("bad", ["0", "-5", "five", ""])
def test_scale_max_must_be_positive(bad):
    with pytest.raises(InvalidInput, match="scale-max"):
        read_survey(FIVE, scale_max=bad)


def test_a_score_that_is_not_a_number_is_an_error():
    result = assess_text("capital,indicator,before,after\nnatural,Sites,two,3\n")
    assert codes(result.errors) == ["not_a_number"]
    assert "row 2" in result.errors[0].message and "'two'" in result.errors[0].message


def test_a_blank_indicator_is_an_error():
    result = assess_text("capital,indicator,before,after\nnatural,,2,3\n")
    assert codes(result.errors) == ["no_indicator"]


def test_conflicting_duplicate_is_an_error():
    text = FIVE + "physical,transport ,1,5\n"  # same indicator: case and spacing differ
    result = assess_text(text)
    assert codes(result.errors) == ["conflicting_indicator"]
    message = result.errors[0].message
    assert "row 7" in message and "row 3" in message and "after 5" in message


def test_conflicting_duplicate_of_one_respondent_is_an_error():
    text = (
        "respondent,capital,indicator,before,after\n"
        "R1,social,Gotong royong,2,3\n"
        "R2,social,Gotong royong,2,4\n"
        "R1,social,Gotong royong,2,5\n"
    )
    result = assess_text(text)
    assert codes(result.errors) == ["conflicting_indicator"]
    assert "respondent R1" in result.errors[0].message


def test_missing_required_column_is_refused():
    with pytest.raises(InvalidInput, match="'after'"):
        read_survey("capital,indicator,before\nnatural,Sites,2\n")


def test_empty_file_is_refused():
    with pytest.raises(InvalidInput, match="empty"):
        read_survey("\n\n")


# ----------------------------------------------------------------- warnings
def test_identical_duplicate_is_a_warning_and_counted_once():
    text = (
        "respondent,capital,indicator,before,after\n"
        "R1,natural,Sites,1,2\n"
        "R2,natural,Sites,3,4\n"
        "R1,natural,Sites,1,2\n"
    )
    result = assess_text(text)
    assert result.errors == ()
    assert codes(result.warnings) == ["duplicate_indicator"]
    assert "rows 2 and 4" in result.warnings[0].message
    sites = result.capitals["natural"].indicators[0]
    assert sites.before == pytest.approx(2.0)  # (1 + 3) / 2: the repeat is not a third answer
    assert sites.respondents == 2


def test_identical_duplicate_without_respondents_is_counted_once():
    result = assess_text(FIVE + "natural,Sites for new bagan,2,3\nnatural,Other,4,5\n")
    assert codes(result.warnings) == ["duplicate_indicator"]
    assert len(result.capitals["natural"].indicators) == 2
    assert result.capitals["natural"].before == pytest.approx(3.0)


def test_the_same_indicator_in_two_capitals_is_not_a_duplicate():
    result = assess_text(FIVE + "natural,Transport,1,1\n")
    assert result.warnings == () and result.errors == ()


def test_change_that_is_not_after_minus_before_is_a_warning_with_both_numbers():
    text = (
        "capital,indicator,before,after,change\n"
        "social,Gotong royong,2.33,4.91,1.5\n"
        "social,Conflict,2.33,4.91,2.58\n"
    )
    result = assess_text(text)
    assert codes(result.warnings) == ["change_mismatch"]
    message = result.warnings[0].message
    assert "'Gotong royong'" in message and "1.5" in message and "2.58" in message
    assert "4.91 − 2.33" in message
    # the change column is checked, never used: the score is after − before
    assert result.capitals["social"].indicators[0].change == pytest.approx(2.58)


def test_change_within_rounding_of_the_written_scores_is_accepted():
    # 2.333 → 2.33 and 4.906 → 4.91; the true change 2.573 → 2.57
    result = assess_text("capital,indicator,before,after,change\nsocial,X,2.33,4.91,2.57\n")
    assert "change_mismatch" not in codes(result.warnings)


def test_whole_number_scores_are_exact_so_a_change_off_by_one_is_caught():
    result = assess_text("capital,indicator,before,after,change\nsocial,X,3,4,2\n")
    assert "change_mismatch" in codes(result.warnings)


def test_a_change_with_before_or_after_blank_cannot_be_checked():
    result = assess_text("capital,indicator,before,after,change\nsocial,X,,4,2\n")
    assert "change_unchecked" in codes(result.warnings)


def test_a_capital_without_indicators_is_a_warning_and_left_out_of_overall():
    text = "\n".join(line for line in FIVE.splitlines() if not line.startswith("human")) + "\n"
    result = assess_text(text)
    assert [w.code for w in result.warnings] == ["empty_capital"]
    assert "human" in result.warnings[0].message
    assert result.capitals["human"].before is None and result.capitals["human"].indicators == ()
    others = [result.capitals[c].change for c in ("natural", "physical", "financial", "social")]
    assert result.overall_change == pytest.approx(sum(others) / 4)


@pytest.mark.parametrize(("row", "code"), [(",4", "missing_before"), ("3,", "missing_after")])
def test_an_indicator_missing_before_or_after_is_a_warning(row, code):
    result = assess_text(FIVE + f"natural,Water quality,{row}\n")
    assert code in codes(result.warnings)
    assert any("'Water quality'" in w.message for w in result.warnings)
    natural = result.capitals["natural"]
    # the capital's score is the mean of the indicators that have one
    if code == "missing_before":
        assert natural.before == pytest.approx(2.0) and natural.after == pytest.approx(3.5)
    else:
        assert natural.before == pytest.approx(2.5) and natural.after == pytest.approx(3.0)


def test_blank_respondent_and_unknown_column_are_warnings():
    text = "respondent,capital,indicator,before,after,notes\n,natural,Sites,1,2,hello\n"
    result = assess_text(text)
    assert set(codes(result.warnings)) >= {"no_respondent", "unknown_column"}


# ----------------------------------------------------------------- the command
def test_cli_out_of_range_exits_2_with_one_sentence_naming_row_and_value(tmp_path, capsys):
    path = write_survey(tmp_path, FIVE.replace("Transport,1,4", "Transport,1,7"))
    code, out, err = kerang("assess", "--survey", str(path), capsys=capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "row 3" in err and "after score 7" in err


def test_cli_json_error_document_lists_all_errors(tmp_path, capsys):
    path = write_survey(
        tmp_path,
        FIVE.replace("Transport,1,4", "Transport,1,7") + "social,Gotong royong,3,5\n",
    )
    code, out, err = kerang("assess", "--survey", str(path), "--json", capsys=capsys)
    assert code == 2
    document = json.loads(out)
    assert document["error"]["code"] == "out_of_range"
    assert [e["code"] for e in document["errors"]] == [
        "out_of_range",
        "conflicting_indicator",
    ]
    assert [e["row"] for e in document["errors"]] == [3, 7]
    assert document["capitals"] is None and document["overall_change"] is None
    assert "1 more error" in err


def test_cli_warnings_do_not_fail(tmp_path, capsys):
    path = write_survey(tmp_path, FIVE + "social,Gotong royong,3,4\n")
    code, out, _ = kerang("assess", "--survey", str(path), "--json", capsys=capsys)
    assert code == 0
    assert [w["code"] for w in json.loads(out)["warnings"]] == ["duplicate_indicator"]


def test_cli_missing_file_and_bad_options_exit_2(tmp_path, capsys):
    code, out, err = kerang("assess", "--survey", str(tmp_path / "no.csv"), "--json", capsys=capsys)
    assert code == 2 and "does not exist" in err and json.loads(out)["error"]["code"]
    path = write_survey(tmp_path, FIVE)
    code, _, err = kerang("assess", "--survey", str(path), "--from-ledger", capsys=capsys)
    assert code == 2 and "--before" in err
    code, _, err = kerang(
        "assess", "--survey", str(path), "--before", "2015-01-01..2015-12-31", capsys=capsys
    )
    assert code == 2 and "--from-ledger" in err
    code, _, err = kerang("assess", "--survey", str(path), "--scale-max", "0", capsys=capsys)
    assert code == 2 and "--scale-max" in err
