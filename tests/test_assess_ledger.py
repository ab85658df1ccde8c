"""`kerang assess --from-ledger` on a real SQLite ledger built with kerang commands."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest
from backends import new_db

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cli_helpers import kerang  # noqa: E402

DEMO = ROOT / "assessment" / "data" / "demo_survey.csv"


@pytest.fixture
def ledger_db(tmp_path, capsys) -> str:
    db = new_db(tmp_path, "kerang")
    commands = [
        "init --name 'Koperasi Sinar Abadi' --date 2015-01-01",
        "member add M1 --name Ani --date 2015-01-01",
        "member add M2 --name Siti --date 2015-01-01",
        "bagan add B1 --partners M1,M2 --manager Budi --date 2015-01-01",
        "harvest --ref H0 --date 2015-07-01 --bagan B1 --kg 500 --price 8000",
        "harvest --ref H1 --date 2016-06-01 --bagan B1 --kg 3000 --price 10000 --buyer Pak_Ali",
        "harvest --ref H2 --date 2016-12-01 --bagan B1 --kg 3000 --price 10000 --buyer 'Bu Rina'",
        "savings deposit --ref S1 --date 2016-02-01 --member M1 --kind wajib --amount 50000",
        "loan disburse --ref L1 --date 2016-03-01 --member M1 --amount 500000",
        "story add --member M1 --date 2016-12-15 --title 'Sekolah anak'"
        " --text 'Now I can pay school fees.'",
    ]
    for command in commands:
        code, _, err = kerang(*shlex.split(command), "--db", db, capsys=capsys)
        assert code == 0, (command, err)
    return db


def test_assess_from_the_ledger(ledger_db, capsys):
    code, out, err = kerang(
        "assess", "--survey", str(DEMO), "--from-ledger",
        "--before", "2015-01-01..2015-12-31", "--after", "2016-01-01..2016-12-31",
        "--db", ledger_db, "--json", capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    document = json.loads(out)
    ledger = {i["key"]: i for i in document["ledger"]["indicators"]}
    # 2015: one harvest, net 4,000,000; partners' 60 % = 2,400,000 over the
    # 2 partner households and 12 months (the manager is of no member's
    # household), against 2015's minimum wage
    assert ledger["household_income"]["before"]["figure"] == pytest.approx(100_000 / 2_375_000)
    assert document["ledger"]["before_label"] == "programme year 1"
    # 2016: two harvests of net 30,000,000: 36,000,000 to members
    assert ledger["household_income"]["after"]["figure"] == pytest.approx(1_500_000 / 2_648_125)
    # savings at 2016-12-31: harvest savings 8 % of 64,000,000
    # plus a 50,000 deposit, over 2 members
    assert ledger["savings"]["after"]["figure"] == pytest.approx((5_120_000 + 50_000) / 2)
    assert ledger["access_to_capital"]["after"]["figure"] == pytest.approx(0.5)
    assert ledger["business_network"]["before"]["figure"] == 0
    assert ledger["business_network"]["after"]["figure"] == 2
    assert ledger["cash_turnover"]["after"]["figure"] == pytest.approx(2 / 12)
    assert ledger["household_income"]["survey_indicator"] == "Household income level"
    assert document["stories"] == [
        {
            "member": "M1",
            "date": "2016-12-15",
            "title": "Sekolah anak",
            "text": "Now I can pay school fees.",
        }
    ]
    # the survey's own scores are untouched by the ledger's: they stand side by side
    code, out, _ = kerang("assess", "--survey", str(DEMO), "--json", capsys=capsys)
    assert document["capitals"] == json.loads(out)["capitals"]


def test_rich_report_from_the_ledger_lists_stories(ledger_db, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    code, out, err = kerang(
        "assess", "--survey", str(DEMO), "--from-ledger",
        "--before", "2015-01-01..2015-12-31", "--after", "2016-01-01..2016-12-31",
        "--db", ledger_db, capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "From the ledger" in out and "Sekolah anak" in out and "2 distinct buyers" in out


def test_stories_are_listed_when_a_db_is_named(ledger_db, capsys):
    code, out, _ = kerang(
        "assess", "--survey", str(DEMO), "--db", ledger_db, "--json", capsys=capsys
    )
    document = json.loads(out)
    assert code == 0 and "ledger" not in document
    assert [s["title"] for s in document["stories"]] == ["Sekolah anak"]


def test_a_missing_ledger_is_refused(tmp_path, capsys):
    code, _, err = kerang(
        "assess", "--survey", str(DEMO), "--from-ledger",
        "--before", "2015-01-01..2015-12-31", "--after", "2016-01-01..2016-12-31",
        "--db", new_db(tmp_path, "none"), capsys=capsys,
    )  # fmt: skip
    assert code == 2 and "no ledger" in err
