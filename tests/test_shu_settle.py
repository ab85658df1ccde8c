"""Settling the SHU a closed year owes members: paid in cash or credited to the
member's sukarela savings, per member or for all at once - the command line, an
import line, each refusal (its code and field), the postings, the audit and the
export round trip."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from backends import new_db
from cli_helpers import kerang, kerang_line, ledger_from

import ledger
from ledger.errors import Refused

SETUP = [
    "init --name 'Koperasi Sinar Abadi' --date 2015-01-01",
    "member add M1 --name Ani --date 2015-01-01",
    "member add M2 --name Siti --date 2015-01-01",
    "member add M3 --name Rina --date 2015-01-01",
    "bagan add B1 --partners M1,M2 --manager 'Pak Budi' --date 2015-01-01",
    "savings deposit --ref P1 --date 2015-01-02 --member M1 --kind pokok --amount 100.000",
    "savings deposit --ref P2 --date 2015-01-02 --member M2 --kind pokok --amount 50.000",
    "harvest --ref H1 --date 2015-07-01 --bagan B1 --kg 1000 --price 10000",
    "cooperative income --ref K1 --date 2015-08-01 --amount 1.000.000 --purpose pulsa",
    "close 2015 --date 2016-01-15",
]
from ledger.accounts import CASH, SHU_MEMBERS  # noqa: E402

run = kerang_line


@pytest.fixture
def db(tmp_path, capsys) -> str:
    return ledger_from(new_db(tmp_path), capsys, SETUP)


def owed(db) -> dict[str, int]:
    """What the close still owes each member, from the books' member sub-ledger."""
    from ledger.app import open_ledger

    return open_ledger(db).cooperative().shu_owed(2015)


def sukarela(db, capsys, member: str) -> int:
    code, out, err = run(db, capsys, f"statement {member} --json")
    assert code == 0, err
    statement = json.loads(out)
    # the contract's keys stay
    assert {"member", "as_of", "income", "savings", "loan_outstanding", "infaq_given"} <= set(
        statement
    )
    return statement["savings"]["sukarela"]


def test_one_member_to_sukarela_then_the_rest_in_cash(db, capsys):
    before = owed(db)
    assert set(before) == {"M1", "M2"} and all(a > 0 for a in before.values())
    liability = ledger.balance(db).accounts[SHU_MEMBERS]
    assert liability == -sum(before.values())
    cash = ledger.balance(db).accounts[CASH]

    code, out, err = run(
        db, capsys, "shu settle --ref SHU-1 --date 2016-02-01 --year 2015 --member M1 --to sukarela"
    )
    assert code == 0, err
    assert sukarela(db, capsys, "M1") == before["M1"]
    assert owed(db) == {"M2": before["M2"]}

    code, out, err = run(
        db, capsys, "shu settle --ref SHU-2 --date 2016-02-01 --year 2015 --all --to cash"
    )
    assert code == 0, err
    accounts = ledger.balance(db).accounts
    assert accounts.get(SHU_MEMBERS, 0) == 0
    assert accounts[CASH] == cash - before["M2"]
    assert sum(accounts.values()) == 0
    assert sukarela(db, capsys, "M2") == 0 and owed(db) == {}
    assert ledger.audit_ledger(db).ok
    # the books as of a day after it (the forecast's and the machine's reading)
    books = ledger.read_books(db, dt.date(2016, 3, 1))
    assert books.statements["M1"].savings["sukarela"] == before["M1"]

    # the same ref with the same content: already recorded; nothing moves twice
    code, out, _ = run(
        db, capsys, "shu settle --ref SHU-2 --date 2016-02-01 --year 2015 --all --to cash"
    )
    assert code == 0 and "already recorded" in out
    assert ledger.balance(db).accounts == accounts


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"year": 2016, "all": True, "to": "cash"}, "closed_period", "year"),  # not closed
        ({"year": 2015, "all": True, "to": "cash", "date": "2016-01-10"}, "date", "date"),
        ({"year": 2015, "member": "M3", "to": "cash"}, "nothing_owed", "member"),
        ({"year": 2015, "member": "M9", "to": "cash"}, "unknown_member", "member"),
        ({"year": 2015, "to": "cash"}, "invalid_input", "member"),  # neither
        ({"year": 2015, "member": "M1", "all": True, "to": "cash"}, "invalid_input", "member"),
        ({"year": 2015, "member": "M1", "to": "bank"}, "invalid_input", "to"),
        ({"year": 2015, "member": "M1", "to": "cash", "all": "maybe"}, "invalid_input", "all"),
        ({"year": "15", "member": "M1", "to": "cash"}, "invalid_input", "year"),
    ],
)
def test_refusals_name_their_field(db, fields, code, field):
    before = ledger.export_jsonl(db)
    lines = list(before)
    with pytest.raises(Refused) as refused:
        ledger.record(db, "shu.settle", **{"ref": "S", "date": "2016-02-01", **fields})
    assert (refused.value.code, refused.value.field) == (code, field)
    assert list(ledger.export_jsonl(db)) == lines  # nothing written


def test_nothing_twice_a_reopen_is_refused_and_a_settlement_is_not_reversed(db, capsys):
    ledger.record(db, "shu.settle", ref="S1", date="2016-02-01", year=2015, member="M1", to="cash")
    with pytest.raises(Refused) as refused:  # a second settlement of the same member and year
        ledger.record(db, "shu.settle", ref="S2", date="2016-02-02", year=2015, member="M1", to="sukarela")  # fmt: skip
    assert (refused.value.code, refused.value.field) == ("nothing_owed", "member")
    assert "S1" in refused.value.message
    with pytest.raises(Refused) as refused:  # the ref again with other content
        ledger.record(db, "shu.settle", ref="S1", date="2016-02-01", year=2015, member="M2", to="cash")  # fmt: skip
    assert refused.value.code == "ref_conflict"
    code, _, err = run(db, capsys, "reopen 2015 --reason 'late receipt' --date 2016-03-01")
    assert code == 2 and "S1" in err
    code, _, err = run(db, capsys, "correct --ref C1 --date 2016-03-01 --reverses S1 --reason x")
    assert code == 2 and "S1" in err
    ledger.record(db, "shu.settle", ref="S3", date="2016-02-01", year=2015, all=True, to="cash")
    with pytest.raises(Refused) as refused:  # nothing owed anywhere
        ledger.record(db, "shu.settle", ref="S4", date="2016-02-01", year=2015, all="true", to="cash")  # fmt: skip
    assert (refused.value.code, refused.value.field) == ("nothing_owed", "all")
    assert ledger.balance(db).accounts.get(SHU_MEMBERS, 0) == 0
    assert ledger.audit_ledger(db).ok


def test_a_member_who_left_is_paid_in_cash_not_into_savings(db, capsys):
    code, _, err = run(db, capsys, "bagan partners B1 --partners M2 --from 2016-01-16")
    assert code == 0, err
    code, _, err = run(db, capsys, "member leave M1 --date 2016-01-20")
    assert code == 0, err
    with pytest.raises(Refused) as refused:
        ledger.record(db, "shu.settle", ref="S1", date="2016-02-01", year=2015, all=True, to="sukarela")  # fmt: skip
    assert (refused.value.code, refused.value.field) == ("member_inactive", "member")
    ledger.record(db, "shu.settle", ref="S1", date="2016-02-01", year=2015, all=True, to="cash")
    assert owed(db) == {} and ledger.audit_ledger(db).ok


def test_import_lines_and_the_export_round_trip(db, capsys, tmp_path):
    before = owed(db)
    lines = tmp_path / "settle.csv"
    lines.write_text(
        "op,ref,date,year,member,all,to\n"
        "shu.settle,S1,2016-02-01,2015,M2,,sukarela\n"
        "shu.settle,S2,2016-02-02,2015,,true,cash\n"
    )
    code, out, err = kerang("import", str(lines), "--db", db, capsys=capsys)
    assert code == 0, err
    assert sukarela(db, capsys, "M2") == before["M2"] and owed(db) == {}
    path = tmp_path / "out.jsonl"
    assert run(db, capsys, f"export --format jsonl --out {path}").returncode == 0
    settled = [json.loads(x) for x in path.read_text().splitlines()][-2:]
    assert [{k: v for k, v in s.items() if k != "chain"} for s in settled] == [
        {
            "op": "shu.settle",
            "ref": "S1",
            "date": "2016-02-01",
            "year": 2015,
            "member": "M2",
            "to": "sukarela",
        },
        {
            "op": "shu.settle",
            "ref": "S2",
            "date": "2016-02-02",
            "year": 2015,
            "all": True,
            "to": "cash",
        },
    ]
    assert ledger.verify_log(str(path)).ok
    again = new_db(tmp_path, "again")
    code, _, err = kerang("import", str(path), "--db", again, capsys=capsys)
    assert code == 0, err
    assert ledger.balance(again).accounts == ledger.balance(db).accounts
    code, out, _ = kerang("import", str(path), "--db", again, capsys=capsys)
    assert code == 0 and "recorded 0" in out
    assert ledger.audit_ledger(again).ok


def test_the_audit_finds_a_settlement_above_what_the_close_owed():
    from ledger.audit.checks import SettlementCheck, run
    from ledger.audit.rules import Entry

    def entry(topic, data):
        e = Entry(1, "x", 1, topic, b"", data)
        e.sound = True
        return e

    import datetime as dt

    close = {"year": 2015, "day": dt.date(2016, 1, 15), "jasa_usaha": {"M1": 70}, "jasa_modal": {"M1": 30}}  # fmt: skip
    settle = {"ref": "S1", "date": dt.date(2016, 2, 1), "year": 2015, "amounts": {"M1": 101}}
    note = {"ref": "S1", "year": 2015, "day": dt.date(2016, 2, 1), "amounts": {"M1": 101}}
    found = run(
        SettlementCheck(),
        [
            entry("Cooperative.YearClosed", close),
            entry("ShuSettlement.Recorded", settle),
            entry("Cooperative.ShuSettled", note),
            entry("Cooperative.YearReopened", {"year": 2015}),
        ],
    )
    assert len(found) == 2 and "owed 100" in found[0] and "S1" in found[1]
    fine = {**settle, "amounts": {"M1": 100}}
    assert not run(
        SettlementCheck(),
        [
            entry("Cooperative.YearClosed", close),
            entry("ShuSettlement.Recorded", fine),
            entry("Cooperative.ShuSettled", {**note, "amounts": {"M1": 100}}),
        ],
    )
