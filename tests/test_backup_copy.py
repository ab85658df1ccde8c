"""Backups are complete and audited; a move between files and engines keeps the chain."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
from backends import PG, _schemas, new_db, raw
from cli_helpers import kerang

import ledger
from ledger.store import close_ledgers

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "ledger" / "data" / "demo-2015.jsonl"
sqlite_only = pytest.mark.skipif(bool(PG), reason="SQLite files")
needs_pg = pytest.mark.skipif(not PG, reason="needs KERANG_TEST_PG")


def audit(db: str) -> dict:
    return ledger.audit_ledger(db).as_json()


def pg_schema_url() -> str:
    schema = f"t_{uuid.uuid4().hex[:16]}"
    _schemas.append(schema)
    return f"{PG}?schema={schema}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = new_db(tmp_path_factory.mktemp("demo"), "demo")
    ledger.import_file(db, str(DEMO))
    return db


# ------------------------------------------------------------------ backup
@sqlite_only
def test_backup_holds_what_only_the_wal_holds(tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    ledger.record(db, "init", name="Koperasi", date="2015-01-01")
    ledger.record(db, "member.add", id="M01", name="Ibu Siti", date="2015-01-01")
    # a reader in the middle of a long report keeps the newest pages in the WAL
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM stored_events").fetchone()
        for n in range(1, 4):
            ledger.record(
                db, "savings.deposit", ref=f"S{n}", date="2015-01-05", member="M01",
                kind="sukarela", amount=1000 * n,
            )  # fmt: skip
        naive = tmp_path / "naive.db"
        shutil.copyfile(db, naive)  # the main file alone, as a careless copy takes it
        with contextlib.closing(sqlite3.connect(naive)) as c:
            assert c.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0] < 5
        done = kerang("backup", "--out", str(tmp_path / "backup.db"), "--db", db, "--json")
        reader.execute("ROLLBACK")
    assert done.returncode == 0, done.stderr
    copied = json.loads(done.stdout)
    close_ledgers()
    source = audit(db)
    assert copied["events"] == source["events"] == 5
    assert copied["head"] == source["head"] and copied["ok"]
    backup = tmp_path / "backup.db"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("backup")) == [
        "backup.db"
    ]
    assert audit(str(backup))["head"] == source["head"]
    assert ledger.statement(str(backup), "M01").as_json()["savings"]["sukarela"] == 6000


@sqlite_only
def test_backup_is_one_consistent_moment_while_a_clerk_writes(tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    ledger.record(db, "init", name="Koperasi", date="2015-01-01")
    ledger.record(db, "member.add", id="M01", name="Ibu Siti", date="2015-01-01")
    close_ledgers()
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")  # a write not yet committed is not in the backup
        writer.execute(
            "INSERT INTO kerang_postings (ref, date, account, member, amount) "
            "VALUES ('X', '2015-01-09', 'Cash', '', 999)"
        )
        done = kerang("backup", "--out", str(tmp_path / "b.db"), "--db", db, "--json")
        writer.execute("ROLLBACK")
    assert done.returncode == 0, done.stderr
    assert audit(str(tmp_path / "b.db"))["ok"]


@sqlite_only
def test_backup_refuses_a_ledger_as_its_target(tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    ledger.record(db, "init", name="Koperasi", date="2015-01-01")
    assert kerang("backup", "--out", str(tmp_path / "old.db"), "--db", db).returncode == 0
    close_ledgers()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for out in ("k.db", "k.db-wal", "old.db", "."):
        done = kerang("backup", "--out", str(tmp_path / out), "--db", db)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@sqlite_only
def test_a_backup_that_does_not_audit_is_not_put_in_place(tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    ledger.record(db, "init", name="Koperasi", date="2015-01-01")
    ledger.record(db, "member.add", id="M01", name="Ibu Siti", date="2015-01-01")
    close_ledgers()
    with raw(db) as c:  # an appended posting no event stands for
        c.execute(
            "INSERT INTO kerang_postings (ref, date, account, member, amount) "
            "VALUES ('X', '2015-01-09', 'Cash', '', 999)"
        )
    done = kerang("backup", "--out", str(tmp_path / "b.db"), "--db", db)
    assert done.returncode == 1 and "does not audit" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.db"]


# ------------------------------------------------------------------ copy
def _copy_and_compare(source: str, to: str) -> dict:
    done = kerang("copy", "--to", to, "--db", source, "--json")
    assert done.returncode == 0, done.stderr
    copied = json.loads(done.stdout)
    before, after = audit(source), audit(to)
    assert after["ok"], after
    assert copied["head"] == before["head"] == after["head"]
    assert copied["events"] == before["events"] == after["events"]
    assert ledger.balance(to).as_json() == ledger.balance(source).as_json()
    assert ledger.statement(to, "M01").as_json() == ledger.statement(source, "M01").as_json()
    return after


def _still_writable(db: str, tmp_path: Path) -> None:
    """The copy takes new transactions, and its export extends the source's head."""
    head = audit(db)["head"]
    ledger.record(db, "infaq.receive", ref="INF-AFTER-COPY", date="2019-02-01", amount=25000)
    after = audit(db)
    assert after["ok"] and after["events"] > 0
    out = tmp_path / f"after-{uuid.uuid4().hex[:6]}.jsonl"
    ledger.write_export(db, "jsonl", str(out))
    assert ledger.verify_log(str(out), head).ok


@sqlite_only
def test_copy_between_files_keeps_the_chain(demo: str, tmp_path: Path) -> None:
    to = str(tmp_path / "moved.db")
    _copy_and_compare(demo, to)
    _still_writable(to, tmp_path)
    assert audit(demo)["events"] < audit(to)["events"]  # the source is untouched


@needs_pg
def test_copy_sqlite_to_postgresql_and_back_keeps_every_head(tmp_path: Path) -> None:
    source = str(tmp_path / "demo.db")
    ledger.import_file(source, str(DEMO))
    close_ledgers()
    on_pg = pg_schema_url()
    _copy_and_compare(source, on_pg)
    back = str(tmp_path / "back.db")
    _copy_and_compare(on_pg, back)
    _still_writable(on_pg, tmp_path)
    _still_writable(back, tmp_path)


@needs_pg
def test_copy_postgresql_to_postgresql(demo: str, tmp_path: Path) -> None:
    to = pg_schema_url()
    _copy_and_compare(demo, to)


def test_copy_refuses_a_place_that_holds_a_ledger(demo: str, tmp_path: Path) -> None:
    other = new_db(tmp_path, "other")
    ledger.record(other, "init", name="Lain", date="2015-01-01")
    close_ledgers()
    before = audit(other)
    for to in (other, demo):
        done = kerang("copy", "--to", to, "--db", demo)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert audit(other) == before


# ------------------------------------------------------------------ restore of an export
def _restore_and_compare(source: str, to: str, tmp_path: Path) -> None:
    out = tmp_path / f"export-{uuid.uuid4().hex[:6]}.jsonl"
    ledger.write_export(source, "jsonl", str(out))
    before = audit(source)
    done = kerang("import", str(out), "--json", "--db", to)
    assert done.returncode == 0, done.stderr
    after = audit(to)
    assert after["ok"] and after["head"] == before["head"]
    assert after["events"] == before["events"]
    assert ledger.balance(to).as_json() == ledger.balance(source).as_json()
    again = json.loads(kerang("import", str(out), "--json", "--db", to).stdout)
    assert again["recorded"] == 0 and audit(to)["head"] == before["head"]


def test_a_restored_export_keeps_the_head_and_grows_on(demo: str, tmp_path: Path) -> None:
    to = new_db(tmp_path, "restored")
    _restore_and_compare(demo, to, tmp_path)
    # the source records more; its next export extends the restored books, chain and all
    grown = new_db(tmp_path, "grown")
    _copy_and_compare(demo, grown)
    ledger.record(grown, "infaq.receive", ref="INF-LATER", date="2019-02-01", amount=25000)
    _restore_and_compare(grown, to, tmp_path)


@needs_pg
def test_a_restore_moves_between_engines(tmp_path: Path) -> None:
    source = str(tmp_path / "demo.db")
    ledger.import_file(source, str(DEMO))
    close_ledgers()
    on_pg = pg_schema_url()
    _restore_and_compare(source, on_pg, tmp_path)
    _restore_and_compare(on_pg, str(tmp_path / "back.db"), tmp_path)


def test_an_export_whose_chain_was_edited_restores_nothing(demo: str, tmp_path: Path) -> None:
    out = tmp_path / "edited.jsonl"
    ledger.write_export(demo, "jsonl", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    middle = json.loads(lines[len(lines) // 2])
    middle["chain"]["events"][0]["state"] = (
        middle["chain"]["events"][0]["state"]
        .replace('"amount":', '"amount":9', 1)
        .replace('"name":"', '"name":"X', 1)
    )
    lines[len(lines) // 2] = json.dumps(middle)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    to = new_db(tmp_path, "edited")
    done = kerang("import", str(out), "--db", to)
    assert done.returncode == 2 and "does not hold" in done.stderr, done.stderr
    from ledger.app import ledger_exists

    assert not ledger_exists(to) or audit(to)["events"] == 0
