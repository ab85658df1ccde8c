"""The member statement as a passbook, and the forecast's edges around it.

The passbook is checked against the statement's balances (computed apart, from the
month totals), line by line against its own running balance, and on a correction.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from backends import new_db
from cli_helpers import kerang

import ledger
from ledger.i18n import set_language
from ledger.statements import PASSBOOK_BOOKS

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "ledger" / "data" / "demo-2015.jsonl"
SAVINGS = ("pokok", "wajib", "sukarela", "harvest")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    path = new_db(tmp_path_factory.mktemp("passbook"), "demo")
    kerang("import", str(DEMO), db=path, check=True)
    return path


def members(db: str) -> list[str]:
    return sorted(ledger.read_books(db, dt.date(2015, 12, 31)).statements)


def test_every_book_closes_on_the_statements_balance_by_its_own_lines(db):
    for member in members(db):
        ms = ledger.statement(db, member, dt.date(2015, 12, 31), everything=True)
        st, pb = ms.statement, ms.passbook
        closing = {b.key: b.closing for b in pb.books}
        assert {k: closing[f"savings.{k}"] for k in SAVINGS} == st.savings
        assert closing["loan"] == st.loan_outstanding
        assert closing["income"] == st.income
        assert closing["infaq"] == st.infaq_given
        for book in pb.books:
            assert book.opening == 0  # --all: from joining
            running = book.opening
            for line in book.lines:
                running += line.amount
                assert line.balance == running
            dates = [line.date for line in book.lines]
            assert dates == sorted(dates) and all(pb.first <= d <= pb.last for d in dates)


def test_a_period_opens_on_the_balance_the_earlier_lines_leave(db):
    for member in members(db):
        whole = ledger.statement(db, member, dt.date(2015, 12, 31), everything=True).passbook
        part = ledger.statement(
            db, member, first=dt.date(2015, 7, 1), last=dt.date(2015, 12, 31)
        ).passbook
        for a, b in zip(whole.books, part.books, strict=True):
            before = [line for line in a.lines if line.date < dt.date(2015, 7, 1)]
            assert b.opening == (before[-1].balance if before else 0)
            assert b.closing == a.closing
            assert b.lines == tuple(line for line in a.lines if line.date >= dt.date(2015, 7, 1))


def test_the_members_own_signs(db):
    m01 = ledger.statement(db, "M01", dt.date(2015, 12, 31), everything=True).passbook
    sukarela = m01.book("savings.sukarela").lines
    assert [(line.kind, line.amount > 0) for line in sukarela] == [
        ("savings.deposit", True),
        ("savings.withdraw", False),
    ]
    m03 = ledger.statement(db, "M03", dt.date(2015, 12, 31), everything=True).passbook
    loan = m03.book("loan").lines
    assert loan[0].kind == "loan.disburse" and loan[0].amount == 1_500_000
    assert all(line.amount < 0 for line in loan[1:] if line.kind == "loan.repay")


def test_a_correction_names_what_it_reverses_and_marks_the_reversed_line(db, capsys):
    pb = ledger.statement(db, "M02", dt.date(2015, 12, 31), everything=True).passbook
    lines = pb.book("savings.sukarela").lines
    original = next(line for line in lines if line.ref == "SUKARELA-002")
    undo = next(line for line in lines if line.kind == "correct")
    assert original.reversed_by == "KOREKSI-001" and original.amount == 300_000
    assert (undo.ref, undo.reverses, undo.amount) == ("KOREKSI-001", "SUKARELA-002", -300_000)
    assert undo.date == dt.date(2015, 9, 3) and undo.balance == original.balance - 300_000
    doc = json.loads(kerang("statement", "M02", "--all", "--json", db=db, capsys=capsys).stdout)
    shown = doc["passbook"]["books"]["savings.sukarela"]["lines"]
    assert {"date": "2015-09-03", "ref": "KOREKSI-001", "kind": "correct", "amount": -300000,
            "balance": undo.balance, "reverses": "SUKARELA-002"} in shown  # fmt: skip
    text = kerang("statement", "M02", "--all", "--lang", "id", db=db, capsys=capsys).stdout
    set_language("en")
    assert "koreksi: membatalkan SUKARELA-002" in text and "dibatalkan oleh KOREKSI-001" in text
    assert "Buku tabungan" in text and "setoran" in text and "savings.deposit" not in text


@pytest.mark.parametrize(
    "args, field",
    [
        (("--as-of", "2015-12-31", "--to", "2015-11-30"), "--to"),
        (("--all", "--from", "2015-03-01"), "--all"),
        (("--from", "2015-12-01", "--to", "2015-11-30"), "--to"),
        (("--from", "2015-02-30"), "--from"),
    ],
)
def test_a_period_with_two_readings_is_refused(db, capsys, args, field):
    done = kerang("statement", "M01", *args, db=db, capsys=capsys)
    assert done.returncode == 2 and field in done.stderr and done.stdout == ""


def test_the_passbook_books_cover_every_member_account():
    from ledger import accounts

    member_accounts = {accounts.LOANS, accounts.PARTNER_SHARE, accounts.INFAQ_FUND}
    member_accounts |= set(accounts.SAVINGS.values())
    assert {account for _, account, _ in PASSBOOK_BOOKS} == member_accounts


# ------------------------------------------------------------------ forecast edges
def test_a_chart_that_cannot_be_written_is_refused_before_any_work(tmp_path, capsys):
    # the books cannot be read either: the refusal names --plot, so it came first
    done = kerang(
        "forecast", "--from-ledger", "--db", str(tmp_path / "missing.db"),
        "--plot", str(tmp_path / "no" / "folder" / "fan.png"), capsys=capsys,
    )  # fmt: skip
    assert done.returncode == 2 and "--plot" in done.stderr and "does not exist" in done.stderr
    bad = kerang("forecast", "--plot", str(tmp_path / "fan.gif"), capsys=capsys)
    assert bad.returncode == 2 and ".png or .svg" in bad.stderr


def test_print_scenario_with_json_prints_json(capsys):
    done = kerang("forecast", "--print-scenario", "--json", capsys=capsys)
    doc = json.loads(done.stdout)
    assert doc["harvest"]["cycle_months"] == 6 and doc["bagan"]["cost"] == 12_000_000
    toml = kerang("forecast", "--print-scenario", capsys=capsys).stdout
    assert toml.startswith("# kerang forecast scenario")


def test_old_books_start_the_forecast_at_their_last_entry_and_say_so(db, capsys):
    # the demo's last entry is in 2015; "as they stand" is today
    args = ("forecast", "--from-ledger", "--runs", "20", "--years", "1")
    doc = json.loads(kerang(*args, "--json", db=db, capsys=capsys).stdout)
    assert doc["start"]["as_of"] == "2015-12-22"
    text = kerang(*args, db=db, capsys=capsys).stdout
    assert "last entry is 2015-12-22" in text and "starts from 2015-12-22" in text
    pinned = kerang(*args, "--as-of", "2015-12-31", "--json", db=db, capsys=capsys).stdout
    assert json.loads(pinned)["start"]["as_of"] == "2015-12-31"  # a date asked for is kept


def test_the_demo_without_matplotlib_prints_everything_and_names_the_charts_it_skipped(
    tmp_path, serang_demo
):
    blocked = tmp_path / "no-matplotlib"
    (blocked / "matplotlib").mkdir(parents=True)
    (blocked / "matplotlib" / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = {"PYTHONPATH": str(blocked)}
    # the demo ledger built already: the build is the same with or without matplotlib
    db, out = serang_demo.copy(tmp_path), tmp_path / "charts"
    done = kerang("demo", "--db", str(db), "--out", str(out), "--runs", "50", env=env)
    assert done.returncode == 0, done.stderr
    assert "The books hold" in done.stdout and "SLIA" in done.stdout
    assert "charts skipped (matplotlib is not installed)" in done.stdout
    assert "pip install 'kerang[plot]'" in done.stdout and not out.exists()
    doc = json.loads(
        kerang("demo", "--db", str(db), "--out", str(out), "--runs", "50", "--json", env=env).stdout
    )
    assert doc["charts"] == [] and len(doc["charts_skipped"]) == 2
