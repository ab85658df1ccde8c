"""A bagan's life in the books: retired (no harvest after), rebuilt with who paid,
a new bagan paid from the cooperative's or the partners' own money, the manager's
household, and the peeling house's wages - commands, import lines, postings,
export round trip and the audit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from backends import new_db
from cli_helpers import kerang, kerang_line, ledger_from

import ledger

SETUP = [
    "init --name 'Koperasi Sinar Abadi' --date 2015-01-01",
    "member add M1 --name Ani --date 2015-01-01",
    "member add M2 --name Siti --date 2015-01-01",
    "member add M3 --name Rina --date 2015-01-01",
    "bagan add B1 --partners M1,M2 --manager 'Pak Budi' --manager-member M1 --date 2015-01-01"
    " --cost 12000000",
    "harvest --ref H1 --date 2015-07-01 --bagan B1 --kg 1000 --price 10000",
]


run = kerang_line


@pytest.fixture
def db(tmp_path, capsys) -> str:
    return ledger_from(new_db(tmp_path), capsys, SETUP)


def balances(db) -> dict[str, int]:
    return ledger.balance(db).accounts


def test_a_retired_bagan_harvests_no_more(db, capsys):
    code, _, _ = run(db, capsys, "bagan retire B1 --date 2015-09-01 --reason storm --note 'angin'")
    assert code == 0
    code, out, err = run(
        db, capsys, "harvest --ref H2 --date 2015-10-01 --bagan B1 --kg 900 --price 9000"
    )
    assert code == 2 and "retired on 2015-09-01" in err
    # before the retirement it may still be recorded (a late receipt)
    code, _, err = run(
        db, capsys, "harvest --ref H0 --date 2015-08-01 --bagan B1 --kg 900 --price 9000"
    )
    assert code == 0, err
    # the same retirement again records nothing; another one is refused
    assert (
        run(
            db, capsys, "bagan retire B1 --date 2015-09-01 --reason storm --note 'angin'"
        ).returncode
        == 0
    )
    code, _, err = run(db, capsys, "bagan retire B1 --date 2015-09-02 --reason worn")
    assert code == 2 and "retired already" in err
    code, _, err = run(db, capsys, "bagan retire B9 --date 2015-09-02 --reason worn")
    assert code == 2 and "B9" in err
    books = ledger.read_books(db, dt.date(2015, 12, 31))
    (b1,) = books.bagan
    assert (b1.retired, b1.retire_reason) == (dt.date(2015, 9, 1), "storm")
    before = ledger.read_books(db, dt.date(2015, 8, 31)).bagan[0]
    assert before.retired is None
    assert ledger.audit_ledger(db).ok


def test_a_rebuild_paid_from_savings_is_charged_like_a_repair(db, capsys):
    run(db, capsys, "bagan retire B1 --date 2015-09-01 --reason worn")
    saved = {m: ledger.statement(db, m).statement.savings["harvest"] for m in ("M1", "M2")}
    code, _, err = run(
        db, capsys, "bagan rebuild B1 --date 2015-10-01 --cost 500001 --paid-by savings"
    )
    assert code == 0, err
    after = {m: ledger.statement(db, m).statement.savings["harvest"] for m in ("M1", "M2")}
    assert saved["M1"] - after["M1"] == 250_001 and saved["M2"] - after["M2"] == 250_000
    # it stands again: harvests after the rebuild are taken
    code, _, err = run(
        db, capsys, "harvest --ref H3 --date 2015-11-01 --bagan B1 --kg 1000 --price 9000"
    )
    assert code == 0, err
    assert ledger.read_books(db).bagan[0].retired is None
    # more than the savings hold is refused, writing nothing
    code, _, err = run(
        db, capsys, "bagan rebuild B1 --date 2015-12-01 --cost 90000000 --paid-by savings"
    )
    assert code == 2 and "harvest savings below zero" in err
    totals = balances(db)
    assert totals["Equity:Bagan:Members"] == -500_001
    assert sum(totals.values()) == 0
    assert ledger.audit_ledger(db).ok


@pytest.mark.parametrize(
    ("paid_by", "account"),
    [
        ("cooperative", "Assets:Cash:Operating"),
        ("capital", "Equity:Capital:Outside"),
        ("savings", "Liabilities:Savings:Harvest"),
    ],
)
def test_a_new_bagan_from_the_cooperatives_or_the_members_money(db, capsys, paid_by, account):
    before = balances(db)
    code, _, err = run(
        db, capsys,
        f"bagan add B2 --partners M1,M2 --manager 'Pak Joko' --date 2015-08-01 --cost 400000 "
        f"--paid-by {paid_by}",
    )  # fmt: skip
    assert code == 0, err
    after = balances(db)
    assert after["Assets:Fixed:Bagan"] - before["Assets:Fixed:Bagan"] == 400_000
    assert after.get("Equity:Grants:Programme") == before.get("Equity:Grants:Programme")
    moved = after.get(account, 0) - before.get(account, 0)
    assert moved == (400_000 if paid_by == "savings" else -400_000)
    assert ledger.read_books(db).bagan[1].paid_by == paid_by
    assert ledger.audit_ledger(db).ok


def test_the_managers_household_and_the_peeling_wages(db, capsys):
    code, _, err = run(
        db,
        capsys,
        "peeling pay --ref KUPAS-1 --date 2015-07-31 --member M3 --amount 1.000.000 --days 22",
    )
    assert code == 0, err
    code, _, err = run(
        db, capsys, "peeling pay --ref KUPAS-2 --date 2015-07-31 --member M2 --amount 450000"
    )
    assert code == 0, err
    code, out, _ = run(db, capsys, "statement M3 --json")
    assert json.loads(out)["peeling_wages"] == 1_000_000
    code, out, _ = run(db, capsys, "statement M3")
    assert "Peeling wages" in out
    books = ledger.read_books(db, dt.date(2015, 12, 31))
    assert books.bagan[0].manager_member == "M1"
    income = books.household_income(dt.date(2015, 1, 1), dt.date(2015, 12, 31))
    assert income.households == 2  # M1's and M2's; M3 is no partner
    assert income.managers_share == 3_000_000  # B1's manager is of M1's household
    assert income.partners_share == 6_000_000
    assert (income.peeling_wages, income.peeling_wages_others) == (450_000, 1_000_000)
    code, _, err = run(
        db, capsys, "peeling pay --ref KUPAS-3 --date 2015-07-31 --member M9 --amount 1000"
    )
    assert code == 2 and "M9" in err
    code, _, err = run(
        db,
        capsys,
        "peeling pay --ref KUPAS-4 --date 2015-07-31 --member M2 --amount 1000 --days 40",
    )
    assert code == 2 and "--days" in err
    code, _, err = run(
        db, capsys, "bagan add B3 --partners M2 --manager X --manager-member M7 --date 2015-08-01"
    )
    assert code == 2 and "M7" in err
    assert ledger.audit_ledger(db).ok


def test_export_and_import_rebuild_an_equal_ledger(db, capsys, tmp_path):
    for command in (
        "bagan retire B1 --date 2015-09-01 --reason storm --note 'angin barat'",
        "bagan rebuild B1 --date 2015-10-01 --cost 300000 --paid-by savings",
        "bagan add B2 --partners M2,M3 --manager 'Pak Joko' --date 2015-08-01 --cost 400000 "
        "--paid-by cooperative --manager-member M3",
        "peeling pay --ref KUPAS-1 --date 2015-07-31 --member M3 --amount 1000000 --days 22",
    ):
        code, _, err = run(db, capsys, command)
        assert code == 0, (command, err)
    path = tmp_path / "out.jsonl"
    assert run(db, capsys, f"export --format jsonl --out {path}").returncode == 0
    ops = [json.loads(line)["op"] for line in path.read_text().splitlines()]
    assert {"bagan.retire", "bagan.rebuild", "peeling.pay"} <= set(ops)
    again = new_db(tmp_path, "again")
    code, _, err = kerang("import", str(path), "--db", again, capsys=capsys)
    assert code == 0, err
    assert ledger.balance(again).accounts == ledger.balance(db).accounts
    assert ledger.read_books(again).bagan == ledger.read_books(db).bagan
    # importing it again records nothing
    code, out, _ = kerang("import", str(path), "--db", again, capsys=capsys)
    assert code == 0 and "recorded 0" in out
    assert ledger.audit_ledger(again).ok
