"""The audit replays the stored rows on its own and catches every tampering."""

from __future__ import annotations

import json
import random
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import ledger
from ledger.audit import audit

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "ledger" / "data" / "demo-2015.jsonl"


def kerang(*args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("kerang")
    command = [str(script)] if script.exists() else [sys.executable, str(ROOT / "cli.py")]
    return subprocess.run([*command, *args], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    ledger.import_file(str(db), str(DEMO))
    return db


@pytest.fixture()
def copy(demo: Path, tmp_path: Path) -> Path:
    db = tmp_path / "copy.db"
    with sqlite3.connect(demo) as source, sqlite3.connect(db) as target:
        source.backup(target)
    return db


def failed(report) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if not c.ok}


def drop_triggers(c: sqlite3.Connection) -> None:
    for (name,) in c.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        c.execute(f"DROP TRIGGER {name}")


def test_a_clean_ledger_audits_ok(copy: Path) -> None:
    report = audit(str(copy))
    assert report.ok, failed(report)
    assert report.events == 127 and len(report.head) == 64
    done = kerang("audit", "--json", "--db", str(copy))
    assert done.returncode == 0
    doc = json.loads(done.stdout)
    assert set(doc) >= {"ok", "events", "head", "checks"} and doc["head"] == report.head
    assert {c["name"] for c in doc["checks"]} >= {
        "chain",
        "harvest-split",
        "double-entry",
        "read-models",
    }


def test_the_store_refuses_updates_and_deletes(copy: Path) -> None:
    with sqlite3.connect(copy) as c:
        for statement in (
            "UPDATE stored_events SET state = state WHERE rowid = 5",
            "DELETE FROM stored_events WHERE rowid = 5",
            "DELETE FROM kerang_chain WHERE id = 5",
        ):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                c.execute(statement)


@pytest.mark.parametrize("seed", range(12))
def test_a_changed_digit_in_an_amount_is_caught_at_its_event(copy: Path, seed: int) -> None:
    rng = random.Random(seed)
    with sqlite3.connect(copy) as c:
        drop_triggers(c)
        rows = [
            (r, s)
            for r, s in c.execute("SELECT rowid, state FROM stored_events")
            if b'"amount":' in s or b'"gross":' in s
        ]
        rowid, state = rng.choice(rows)
        text = state.decode()
        spots = [m.start(1) for m in re.finditer(r'"(?:amount|gross|costs)":(\d+)', text)]
        at = rng.choice(spots)
        digit = str((int(text[at]) + rng.randint(1, 9)) % 10)
        c.execute(
            "UPDATE stored_events SET state=? WHERE rowid=?",
            ((text[:at] + digit + text[at + 1 :]).encode(), rowid),
        )
    report = audit(str(copy))
    assert not report.ok
    assert f"event {rowid}" in failed(report)["chain"]
    done = kerang("audit", "--db", str(copy))
    assert done.returncode == 1 and f"event {rowid}" in done.stdout.replace("\n", " ")


@pytest.mark.parametrize("seed", range(8))
def test_a_deleted_row_is_caught(copy: Path, seed: int) -> None:
    with sqlite3.connect(copy) as c:
        drop_triggers(c)
        rowid = random.Random(seed).randint(1, 126)
        c.execute("DELETE FROM stored_events WHERE rowid=?", (rowid,))
    report = audit(str(copy))
    assert not report.ok and f"event {rowid}" in failed(report)["chain"]


@pytest.mark.parametrize("seed", range(8))
def test_two_swapped_payloads_are_caught(copy: Path, seed: int) -> None:
    rng = random.Random(seed)
    with sqlite3.connect(copy) as c:
        drop_triggers(c)
        a, b = sorted(rng.sample(range(2, 128), 2))
        sa = c.execute("SELECT state FROM stored_events WHERE rowid=?", (a,)).fetchone()[0]
        sb = c.execute("SELECT state FROM stored_events WHERE rowid=?", (b,)).fetchone()[0]
        c.execute("UPDATE stored_events SET state=? WHERE rowid=?", (sb, a))
        c.execute("UPDATE stored_events SET state=? WHERE rowid=?", (sa, b))
    report = audit(str(copy))
    assert not report.ok and f"event {a}" in failed(report)["chain"]


def test_a_forged_row_appended_is_caught(copy: Path) -> None:
    with sqlite3.connect(copy) as c:
        oid, topic, state = c.execute(
            "SELECT originator_id, topic, state FROM stored_events WHERE topic LIKE '%SavingsDeposit.Recorded' LIMIT 1"
        ).fetchone()
        forged = state.replace(b'"ref":"', b'"ref":"FORGED-')
        c.execute("INSERT INTO stored_events VALUES (?,?,?,?)", ("f" * 32, 1, topic, forged))
    report = audit(str(copy))
    assert not report.ok
    assert "event 128" in failed(report)["chain"]
    assert "sequence" in failed(report)  # stored under another ref's identity


def test_a_rewritten_chain_is_still_caught_by_the_read_models(copy: Path) -> None:
    """Someone who edits an event and recomputes every link still leaves the books inconsistent."""
    from ledger.chain import GENESIS, link

    with sqlite3.connect(copy) as c:
        drop_triggers(c)
        rowid, state = c.execute(
            "SELECT rowid, state FROM stored_events WHERE topic LIKE '%SavingsDeposit.Recorded' LIMIT 1"
        ).fetchone()
        c.execute(
            "UPDATE stored_events SET state=? WHERE rowid=?",
            (state.replace(b'"amount":', b'"amount":9'), rowid),
        )
        previous = GENESIS
        for seq, oid, version, topic, s in c.execute(
            "SELECT rowid, * FROM stored_events ORDER BY rowid"
        ).fetchall():
            previous = link(previous, seq, oid, version, topic, s)
            c.execute("UPDATE kerang_chain SET link=? WHERE id=?", (previous, seq))
    report = audit(str(copy))
    assert "chain" not in failed(report) and "read-models" in failed(report)


def test_a_drifted_projection_is_caught(copy: Path) -> None:
    with sqlite3.connect(copy) as c:
        c.execute(
            "UPDATE kerang_postings SET amount = amount + 1 WHERE id = (SELECT MAX(id) FROM kerang_postings)"
        )
    assert "read-models" in failed(audit(str(copy)))


def test_a_bad_split_in_an_event_is_named(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    ledger.record(str(db), "init", name="K", date="2020-01-01")
    ledger.record(str(db), "member.add", id="M1", name="A", date="2020-01-01")
    ledger.record(str(db), "bagan.add", id="B1", partners="M1", manager="P", date="2020-01-01")
    ledger.record(str(db), "harvest", ref="H1", date="2020-06-01", bagan="B1", revenue="1001")
    from ledger.chain import GENESIS, link

    with sqlite3.connect(db) as c:  # a forger who moves a rupiah and fixes the chain
        drop_triggers(c)
        rowid, state = c.execute(
            "SELECT rowid, state FROM stored_events WHERE topic LIKE '%Harvest.Recorded'"
        ).fetchone()
        bad = state.replace(b'"manager":300,', b'"manager":301,').replace(
            b'"cooperative":21', b'"cooperative":20'
        )
        assert bad != state
        c.execute("UPDATE stored_events SET state=? WHERE rowid=?", (bad, rowid))
        previous = GENESIS
        for seq, oid, version, topic, s in c.execute(
            "SELECT rowid, * FROM stored_events ORDER BY rowid"
        ).fetchall():
            previous = link(previous, seq, oid, version, topic, s)
            c.execute("UPDATE kerang_chain SET link=? WHERE id=?", (previous, seq))
    detail = failed(audit(str(db)))
    assert "harvest-split" in detail and "ref H1" in detail["harvest-split"]


def test_audit_as_of_a_date(copy: Path) -> None:
    import datetime as dt

    report = audit(str(copy), as_of=dt.date(2015, 6, 30))
    assert report.ok and report.as_of == dt.date(2015, 6, 30)


def test_verify_an_export_offline_and_against_an_earlier_head(copy: Path, tmp_path: Path) -> None:
    full, early = tmp_path / "full.jsonl", tmp_path / "early.jsonl"
    assert (
        kerang("export", "--format", "jsonl", "--out", str(full), "--db", str(copy)).returncode == 0
    )
    lines = full.read_text().splitlines()
    early.write_text("\n".join(lines[:60]) + "\n")
    early_head = json.loads(kerang("verify", str(early), "--json").stdout)["head"]
    done = kerang("verify", str(full), "--head", early_head, "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["extends_head"] is True
    assert json.loads(done.stdout)["head"] == audit(str(copy)).head
    other = kerang("verify", str(full), "--head", "ab" * 32)
    assert other.returncode == 1 and "does not pass through head" in other.stdout
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text(full.read_text().replace('"amount": 25000', '"amount": 25001', 1))
    bad = kerang("verify", str(tampered))
    assert bad.returncode == 1 and "does not match" in bad.stdout
    gap = tmp_path / "gap.jsonl"
    gap.write_text("\n".join(lines[:10] + lines[11:]) + "\n")
    assert kerang("verify", str(gap)).returncode == 1
