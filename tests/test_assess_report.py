"""The rich report (golden), the JSON document and the pentagon chart files."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
from pathlib import Path

import pytest
from rich.console import Console

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import cli  # noqa: E402
from assessment import (  # noqa: E402
    CAPITALS,
    Period,
    assess,
    ledger_indicators,
    load_survey,
    read_survey,
    stories_of,
)  # noqa: E402
from assessment.report import pentagon, render  # noqa: E402
from ledger.split import DEFAULT_POLICY, split_net  # noqa: E402
from ledger.views import (  # noqa: E402
    BaganView,
    Books,
    HarvestView,
    MemberView,
    Movement,
    Statement,
    Story,
)

DEMO = ROOT / "assessment" / "data" / "demo_survey.csv"
GOLDEN = Path(__file__).parent / "golden" / "assess_report.txt"
D = dt.date


def _books(as_of: dt.date, harvests, savings: int, stories=()) -> Books:
    members = (
        MemberView("M01", "Ani", D(2015, 1, 1), None),
        MemberView("M07", "Siti", D(2015, 1, 1), None),
    )
    return Books(
        as_of=as_of,
        name="Koperasi Sinar Abadi",
        started=D(2015, 1, 1),
        policy=DEFAULT_POLICY,
        members=members,
        # B1 is M01's and M07's; its manager (Pak Budi) is of M01's household
        bagan=(BaganView("B1", ("M01", "M07"), "Pak Budi", D(2015, 1, 1), 12_000_000, "M01"),),
        statements={
            m.id: Statement(
                m.id,
                as_of,
                0,
                {"pokok": 0, "wajib": 0, "sukarela": 0, "harvest": savings},
                0,
                0,
            )
            for m in members
        },
        harvests=tuple(
            HarvestView(r, d, "B1", None, None, n, 0, n, split_net(n, DEFAULT_POLICY), b)
            for r, d, n, b in harvests
        ),
        movements=(Movement("L1", D(2016, 3, 1), "loan.disburse", "M01", 500_000),),
        stories=tuple(stories),
    )


def demo_assessment():
    before = _books(D(2015, 12, 31), [("H0", D(2015, 7, 1), 4_000_000, None)], 160_000)
    after = _books(
        D(2016, 12, 31),
        [
            ("H0", D(2015, 7, 1), 4_000_000, None),
            ("H1", D(2016, 6, 1), 30_000_000, "Pak Ali"),
            ("H2", D(2016, 12, 1), 30_000_000, "Bu Rina"),
        ],
        2_560_000,
        [
            Story(
                "M01",
                D(2016, 12, 15),
                "Sekolah anak",
                "Now I pay my children's school fees on time.",
            )
        ],
    )
    ledger = ledger_indicators(
        before,
        after,
        before=Period(D(2015, 1, 1), D(2015, 12, 31)),
        after=Period(D(2016, 1, 1), D(2016, 12, 31)),
    )
    return assess(load_survey(DEMO), ledger=ledger, stories=stories_of(after))


def rendered(assessment) -> str:
    console = Console(width=100, color_system=None, record=True, file=io.StringIO())
    render(assessment, console)
    return console.export_text()


def test_golden_report():
    text = rendered(demo_assessment()).replace(str(DEMO), "demo_survey.csv")
    if os.environ.get("KERANG_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_report_shows_rounded_scores_and_the_figures_behind_the_ledger_scores():
    assessment = demo_assessment()
    text = rendered(assessment)
    financial = assessment.capitals["financial"]
    assert f"{financial.before:.2f}" in text and f"{financial.change:+.2f}" in text
    for indicator in assessment.ledger.indicators:
        assert indicator.after.detail.split()[0] in text
    assert "Sekolah anak" in text and "natural" in text and "●" in text


def test_pentagon_puts_natural_on_top_and_goes_clockwise():
    empty = {c: 0.0 for c in CAPITALS}
    chart = pentagon(empty, {**empty, "physical": 5.0}, 5).plain.splitlines()
    assert "natural" in chart[0]
    row = next(i for i, line in enumerate(chart) if "physical" in line)
    # physical is upper right: its label sits right of the middle, above the centre
    assert chart[row].index("physical") > len(chart[0]) // 2
    lower = next(i for i, line in enumerate(chart) if "financial" in line)
    assert row < lower and chart[lower].index("financial") < chart[lower].index("human")
    # the after polygon reaches physical's corner; the before one stays at the centre
    assert "●" in chart[row] or "●" in chart[row + 1]


def test_pentagon_scores_are_placed_by_scale():
    full = {c: 5.0 for c in CAPITALS}
    half = {c: 2.5 for c in CAPITALS}
    chart = pentagon(half, full, 5).plain
    assert "○" in chart and "●" in chart
    width_of = [line.count("●") for line in chart.splitlines()]
    assert max(width_of) > 10  # the after pentagon is the outer ring
    # on a 0..10 scale the same scores draw smaller: no cell is on the outer ring
    assert pentagon(half, full, 10).plain != chart


def test_report_of_a_survey_with_gaps():
    result = assess(read_survey("capital,indicator,before,after\nnatural,Sites,2,\n"))
    text = rendered(result)
    assert "no indicators" in text and "Warnings" in text and "–" in text


def test_json_document_shape(capsys):
    code = cli.main(["assess", "--survey", str(DEMO), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(document) == {
        "scale_max",
        "capitals",
        "overall_change",
        "warnings",
        "errors",
    }
    assert list(document["capitals"]) == list(CAPITALS)
    for capital in document["capitals"].values():
        assert set(capital) == {"before", "after", "change", "indicators"}
        for indicator in capital["indicators"]:
            assert set(indicator) == {
                "name",
                "before",
                "after",
                "change",
                "respondents",
            }
    # unrounded: the JSON keeps what the report rounds
    natural = document["capitals"]["natural"]
    assert natural["before"] != round(natural["before"], 2)
    changes = [c["change"] for c in document["capitals"].values()]
    assert document["overall_change"] == pytest.approx(sum(changes) / 5)


def test_cli_report_at_fixed_width(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert cli.main(["assess", "--survey", str(DEMO)]) == 0
    out = capsys.readouterr().out
    assert "Pentagon" in out and "overall change" in out
    assert max(len(line) for line in out.splitlines()) <= 100


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_plot_files(tmp_path, capsys, suffix):
    pytest.importorskip("matplotlib")
    path = tmp_path / f"pentagon.{suffix}"
    assert cli.main(["assess", "--survey", str(DEMO), "--plot", str(path), "--json"]) == 0
    json.loads(capsys.readouterr().out)  # stdout is still exactly one JSON document
    data = path.read_bytes()
    if suffix == "png":
        assert data.startswith(b"\x89PNG")
    else:
        assert b"<svg" in data and b"natural" in data
        again = tmp_path / "again.svg"
        assert cli.main(["assess", "--survey", str(DEMO), "--plot", str(again), "--json"]) == 0
        assert again.read_bytes() == data  # the same scores draw the same file


def test_plot_refuses_other_formats(tmp_path, capsys):
    code = cli.main(["assess", "--survey", str(DEMO), "--plot", str(tmp_path / "x.pdf")])
    assert code == 2 and "--plot" in capsys.readouterr().err
