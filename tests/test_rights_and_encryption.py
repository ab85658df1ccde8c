"""Read-only auditors and encryption at rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from backends import PG, guard_refusal, is_pg, new_db, raw
from cli_helpers import kerang

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "ledger" / "data" / "demo-2015.jsonl"


@pytest.fixture(scope="module")
def key() -> str:
    done = kerang("keygen", "--json")
    assert done.returncode == 0
    return json.loads(done.stdout)["key"]


def test_an_encrypted_ledger_works_with_its_key_only(tmp_path: Path, key: str) -> None:
    db = new_db(tmp_path)
    assert kerang("import", str(DEMO), "--db", db, key=key).returncode == 0
    with raw(db) as c:  # nothing readable at rest: events sealed, commands sealed
        states = b"".join(
            bytes(s) for (s,) in c.execute("SELECT state FROM stored_events").fetchall()
        )
        commands = "".join(x for (x,) in c.execute("SELECT command FROM kerang_refs").fetchall())
    assert b"Ibu Siti" not in states and b"santunan" not in states and b"Koperasi" not in states
    assert "santunan" not in commands and commands.startswith("sealed:")
    statement = kerang("statement", "M01", "--json", "--db", db, key=key)
    assert statement.returncode == 0 and json.loads(statement.stdout)["income"] > 0
    assert kerang("audit", "--db", db, key=key).returncode == 0
    missing = kerang("summary", "--db", db)
    assert (
        missing.returncode == 2
        and "set KERANG_CIPHER_KEY" in missing.stderr
        and "Traceback" not in missing.stderr
    )
    wrong = kerang("summary", "--db", db, key=json.loads(kerang("keygen", "--json").stdout)["key"])
    assert (
        wrong.returncode == 2
        and "does not decrypt" in wrong.stderr
        and "Traceback" not in wrong.stderr
    )
    garbage = kerang("summary", "--db", db, key="not a key")
    assert garbage.returncode == 2 and "KERANG_CIPHER_KEY" in garbage.stderr


def test_an_encrypted_export_verifies_with_and_without_the_key(tmp_path: Path, key: str) -> None:
    db, out = new_db(tmp_path), tmp_path / "enc.jsonl"
    kerang("import", str(DEMO), "--db", db, key=key)
    assert (
        kerang("export", "--format", "jsonl", "--out", str(out), "--db", db, key=key).returncode
        == 0
    )
    head = json.loads(kerang("audit", "--json", "--db", db, key=key).stdout)["head"]
    with_key = kerang("verify", str(out), "--head", head, "--json", key=key)
    assert with_key.returncode == 0 and json.loads(with_key.stdout)["notes"] == []
    without = kerang("verify", str(out), "--json")
    assert without.returncode == 0 and json.loads(without.stdout)["head"] == head
    assert "not" in json.loads(without.stdout)["notes"][0]  # the commands were not compared
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text(out.read_text().replace('"amount": 25000', '"amount": 25001', 1))
    assert kerang("verify", str(tampered), key=key).returncode == 1


@pytest.mark.skipif(
    not PG, reason="roles are PostgreSQL's; this runs in the PostgreSQL pass of make test"
)
def test_an_auditor_reads_everything_and_writes_nothing(tmp_path: Path) -> None:
    import psycopg.errors

    db = new_db(tmp_path)
    assert is_pg(db)
    kerang("import", str(DEMO), "--db", db)
    granted = kerang("db", "grant-auditor", "kerang_test_auditor", "--json", "--db", db)
    assert granted.returncode == 0, granted.stderr
    auditor = json.loads(granted.stdout)["db"]
    assert auditor.startswith("postgresql://kerang_test_auditor@")
    for report in (("summary",), ("statement", "M01"), ("balance",), ("report", "position")):
        assert kerang(*report, "--json", "--db", auditor).returncode == 0, report
    assert kerang("audit", "--db", auditor).returncode == 0
    write = kerang(
        "harvest",
        "--ref",
        "X",
        "--date",
        "2016-01-01",
        "--bagan",
        "B01",
        "--revenue",
        "5",
        "--db",
        auditor,
    )
    assert write.returncode == 2 and "may only read" in write.stderr
    with (
        raw(auditor) as c,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"),
    ):
        c.execute("DELETE FROM kerang_postings")
    with raw(db) as c, pytest.raises(guard_refusal(db), match="append-only"):  # not even the writer
        c.execute("UPDATE stored_events SET topic = topic")


def test_grant_auditor_needs_postgresql(tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    kerang("import", str(DEMO), "--db", db)
    done = kerang("db", "grant-auditor", "someone", "--db", db)
    assert done.returncode == 2 and "postgresql" in done.stderr
