"""Registrations corrected as events: a member's name, a bagan's partners."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from backends import new_db
from cli_helpers import kerang


def run(capsys, db: str, *args: str) -> tuple[int, str, str]:
    return tuple(kerang(*args, db=db, capsys=capsys))


@pytest.fixture()
def db(tmp_path: Path, capsys) -> str:
    db = new_db(tmp_path)
    for args in (
        ["init", "--name", "Koperasi Uji", "--date", "2020-01-01"],
        *(
            ["member", "add", m, "--name", f"Ibu {m}", "--date", "2020-01-01"]
            for m in ("M1", "M2", "M3")
        ),
        ["bagan", "add", "B1", "--partners", "M1,M2", "--manager", "Pak", "--date", "2020-01-02"],
        ["harvest", "--ref", "H1", "--date", "2020-02-01", "--bagan", "B1", "--revenue", "1.000"],
    ):
        code, _, err = run(capsys, db, *args)
        assert code == 0, err
    return db


def statement(capsys, db: str, member: str, *extra: str) -> dict:
    code, out, err = run(capsys, db, "statement", member, "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_new_partners_share_the_harvests_from_their_date_on(db: str, capsys) -> None:
    code, out, _ = run(capsys, db, "bagan", "partners", "B1", "--partners", "M1,M3", "--from", "2020-03-01")  # fmt: skip
    assert code == 0 and "partners M1, M3 from 2020-03-01" in out
    assert run(capsys, db, "harvest", "--ref", "H2", "--date", "2020-03-05", "--bagan", "B1", "--revenue", "1.000")[0] == 0  # fmt: skip
    # H1 (before) was M1 and M2's; H2 (after) is M1 and M3's: 600 to members each time
    assert [statement(capsys, db, m)["income"] for m in ("M1", "M2", "M3")] == [600, 300, 300]
    assert statement(capsys, db, "M2", "--as-of", "2020-02-15")["income"] == 300
    # a repair from the date on is charged to the new partners
    assert run(capsys, db, "repair", "--ref", "R1", "--date", "2020-03-06", "--bagan", "B1", "--amount", "20")[0] == 0  # fmt: skip
    assert [statement(capsys, db, m)["savings"]["harvest"] for m in ("M1", "M2", "M3")] == [
        80 - 10,
        40,
        40 - 10,
    ]
    # M2 is no partner any more: M2 can leave; the audit holds
    assert run(capsys, db, "member", "leave", "M2", "--date", "2020-04-01")[0] == 0
    code, out, err = run(capsys, db, "audit", "--json")
    assert code == 0 and json.loads(out)["ok"], out


def test_a_partner_change_never_applies_retroactively(db: str, capsys) -> None:
    code, _, err = run(capsys, db, "bagan", "partners", "B1", "--partners", "M1,M3", "--from", "2020-02-01")  # fmt: skip
    assert code == 2 and "never applies retroactively" in err and "2020-02-01" in err
    code, _, err = run(capsys, db, "bagan", "partners", "B1", "--partners", "M1,M9", "--from", "2020-03-01")  # fmt: skip
    assert code == 2 and "M9" in err
    code, _, err = run(capsys, db, "bagan", "partners", "B1", "--partners", "M1,M1", "--from", "2020-03-01")  # fmt: skip
    assert code == 2 and "twice" in err
    code, _, err = run(capsys, db, "member", "leave", "M2", "--date", "2020-04-01")
    assert code == 2 and "partner of bagan B1" in err


def test_a_name_is_corrected_and_both_names_survive_the_export(db: str, capsys, tmp_path):
    code, out, _ = run(capsys, db, "member", "update", "M1", "--name", "Ibu Siti Aminah", "--date", "2020-03-01")  # fmt: skip
    assert code == 0 and "Ibu Siti Aminah from 2020-03-01" in out
    again = run(capsys, db, "member", "update", "M1", "--name", "Ibu Siti Aminah", "--date", "2020-03-01")  # fmt: skip
    assert again[0] == 0 and "already recorded" in again[1]
    code, _, err = run(capsys, db, "member", "update", "M1", "--name", "Ibu\x1b[2J", "--date", "2020-03-01")  # fmt: skip
    assert code == 2
    code, _, err = run(capsys, db, "member", "update", "M1", "--name", "X", "--date", "2019-12-01")
    assert code == 2 and "2019-12-01 is before" in err
    assert run(capsys, db, "bagan", "partners", "B1", "--partners", "M1,M3", "--from", "2020-03-01")[0] == 0  # fmt: skip
    _, out, _ = run(capsys, db, "statement", "M1")
    assert "Ibu Siti Aminah" in out
    # export -> import rebuilds an equal ledger, and re-importing records nothing twice
    export = tmp_path / "log.jsonl"
    assert run(capsys, db, "export", "--format", "jsonl", "--out", str(export))[0] == 0
    ops = [json.loads(line)["op"] for line in export.read_text().splitlines()]
    assert "member.update" in ops and "bagan.partners" in ops
    other = new_db(tmp_path, "other")
    code, out, err = kerang("import", str(export), "--json", db=other, capsys=capsys)
    assert code == 0, err
    code, out, err = kerang("import", str(export), "--json", db=db, capsys=capsys)
    assert code == 0 and json.loads(out)["recorded"] == 0, out
    for m in ("M1", "M2", "M3"):
        assert statement(capsys, other, m) == statement(capsys, db, m)
    _, one, _ = run(capsys, db, "audit", "--json")
    _, two, _ = run(capsys, other, "audit", "--json")
    assert json.loads(one)["ok"] and json.loads(two)["ok"]


def test_member_and_bagan_add_say_the_date_they_used(tmp_path: Path, capsys) -> None:
    import datetime as dt

    db = new_db(tmp_path)
    assert run(capsys, db, "init", "--name", "K", "--date", "2020-01-01")[0] == 0
    code, out, _ = run(capsys, db, "member", "add", "M1", "--name", "Ibu Satu")
    assert code == 0 and f"joined {dt.date.today().isoformat()}" in out
    code, out, _ = run(capsys, db, "bagan", "add", "B1", "--partners", "M1", "--manager", "P")
    assert code == 0 and f"added {dt.date.today().isoformat()}" in out
