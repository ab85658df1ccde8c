"""A transaction's note (the spreadsheet's keterangan): given on the command line or
as an import column, stored in its event and its command, carried by the export line
and compared by the audit; older events without it keep replaying."""

from __future__ import annotations

import json

import pytest
from backends import new_db
from cli_helpers import kerang, kerang_line, ledger_from

import ledger
from ledger.errors import Refused

SETUP = [
    "init --name 'Koperasi Sinar Abadi' --date 2015-01-01",
    "member add M1 --name Ani --date 2015-01-01",
    "bagan add B1 --partners M1 --manager 'Pak Budi' --date 2015-01-01",
    "savings deposit --ref S0 --date 2015-01-02 --member M1 --kind sukarela --amount 10.000",
]


run = kerang_line


@pytest.fixture
def db(tmp_path, capsys) -> str:
    return ledger_from(new_db(tmp_path), capsys, SETUP)


def lines(db) -> dict[str, dict]:
    return {x["ref"]: x for x in map(json.loads, ledger.export_jsonl(db)) if "ref" in x}


def test_a_note_from_the_command_line_and_from_a_keterangan_column(db, capsys, tmp_path):
    code, _, err = run(
        db,
        capsys,
        "savings deposit --ref S1 --date 2015-02-01 --member M1 --kind sukarela "
        "--amount 5.000 --notes 'titip Bu RT'",
    )
    assert code == 0, err
    sheet = tmp_path / "kas.csv"
    sheet.write_text(
        "op;ref;tanggal;bagan;revenue;keterangan\n"
        "harvest;H1;01/03/2015;B1;1.000.000;dijual ke Pak Haji\n"
        "harvest;H2;02/03/2015;B1;500.000;\n",
        encoding="utf-8",
    )
    code, _, err = kerang("import", str(sheet), "--db", db, capsys=capsys)
    assert code == 0, err
    by_ref = lines(db)
    assert by_ref["S1"]["notes"] == "titip Bu RT"
    assert by_ref["H1"]["notes"] == "dijual ke Pak Haji"
    assert "notes" not in by_ref["H2"] and "notes" not in by_ref["S0"]
    # the member's passbook shows the note on the transaction's line
    code, out, _ = run(db, capsys, "statement M1 --from 2015-01-01 --to 2015-12-31 --json")
    book = json.loads(out)["passbook"]["books"]["savings.sukarela"]["lines"]
    assert [(x["ref"], x.get("notes")) for x in book] == [("S0", None), ("S1", "titip Bu RT")]
    code, out, _ = run(db, capsys, "statement M1 --from 2015-01-01 --to 2015-12-31")
    assert code == 0 and "titip Bu RT" in out
    # the same ref with the same note is already recorded; another note is refused
    code, out, _ = run(
        db,
        capsys,
        "savings deposit --ref S1 --date 2015-02-01 --member M1 --kind sukarela "
        "--amount 5.000 --notes 'titip Bu RT'",
    )
    assert code == 0 and "already recorded" in out
    with pytest.raises(Refused) as refused:
        ledger.record(db, "savings.deposit", ref="S1", date="2015-02-01", member="M1", kind="sukarela", amount=5000, notes="lain")  # fmt: skip
    assert (refused.value.code, refused.value.field) == ("ref_conflict", "ref")
    assert ledger.audit_ledger(db).ok


@pytest.mark.parametrize("notes", ["a\x1b[2Jb", "x" * 201, "\u202eevil", 5])
def test_a_note_is_bounded_clean_text(db, notes):
    with pytest.raises(Refused) as refused:
        ledger.record(db, "loan.disburse", ref="L1", date="2015-02-01", member="M1", amount=1000, notes=notes)  # fmt: skip
    assert (refused.value.code, refused.value.field) == ("invalid_input", "notes")


def test_notes_survive_the_export_round_trip(db, capsys, tmp_path):
    ledger.record(db, "harvest", ref="H1", date="2015-01-05", bagan="B1", revenue=1_000_000, notes="pagi")  # fmt: skip
    ledger.record(db, "repair", ref="R1", date="2015-02-01", bagan="B1", amount=1000, notes="jaring")  # fmt: skip
    ledger.record(db, "correct", ref="C1", date="2015-02-02", reverses="R1", reason="double", notes="dua kali")  # fmt: skip
    path = tmp_path / "out.jsonl"
    assert run(db, capsys, f"export --format jsonl --out {path}").returncode == 0
    assert ledger.verify_log(str(path)).ok
    again = new_db(tmp_path, "again")
    assert kerang("import", str(path), "--db", again, capsys=capsys).returncode == 0
    assert lines(again) == lines(db)
    assert lines(again)["C1"]["notes"] == "dua kali"
    code, out, _ = kerang("import", str(path), "--db", again, capsys=capsys)
    assert code == 0 and "recorded 0" in out
    assert ledger.audit_ledger(again).ok
