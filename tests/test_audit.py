"""The audit replays the stored rows on its own and catches every tampering."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from backends import clone, drop_append_only_guards, guard_refusal, is_pg, new_db, raw, sql
from cli_helpers import kerang

import ledger
from ledger.audit import audit

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "ledger" / "data" / "demo-2015.jsonl"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = new_db(tmp_path_factory.mktemp("demo"), "demo")
    ledger.import_file(db, str(DEMO))
    return db


@pytest.fixture()
def copy(demo: str, tmp_path: Path) -> str:
    return clone(demo, tmp_path)


def relink(c, db: str) -> None:
    """Recompute every chain link, as a forger who knows the algorithm would."""
    from ledger.chain import GENESIS, link

    previous = GENESIS
    rows = c.execute(
        sql(
            db,
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid",
        )
    ).fetchall()
    for seq, oid, version, topic, state in rows:
        oid = oid.hex if hasattr(oid, "hex") and not isinstance(oid, str) else oid
        previous = link(previous, seq, oid, version, topic, bytes(state))
        c.execute(sql(db, "UPDATE kerang_chain SET link=? WHERE id=?"), (previous, seq))


def failed(report) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if not c.ok}


def test_a_clean_ledger_audits_ok(copy: str) -> None:
    report = audit(copy)
    assert report.ok, failed(report)
    assert report.events == 127 and len(report.head) == 64
    done = kerang("audit", "--json", "--db", copy)
    assert done.returncode == 0
    doc = json.loads(done.stdout)
    assert set(doc) >= {"ok", "events", "head", "checks"} and doc["head"] == report.head
    assert {c["name"] for c in doc["checks"]} >= {
        "chain",
        "harvest-split",
        "double-entry",
        "read-models",
    }


def test_the_store_refuses_updates_and_deletes(copy: str) -> None:
    for statement in (
        "UPDATE stored_events SET state = state WHERE rowid = 5",
        "DELETE FROM stored_events WHERE rowid = 5",
        "DELETE FROM kerang_chain WHERE id = 5",
    ):
        with raw(copy) as c, pytest.raises(guard_refusal(copy), match="append-only"):
            c.execute(sql(copy, statement))


@pytest.mark.parametrize("seed", range(12))
def test_a_changed_digit_in_an_amount_is_caught_at_its_event(copy: str, seed: int) -> None:
    rng = random.Random(seed)
    with raw(copy) as c:
        drop_append_only_guards(copy, c)
        rows = [
            (r, bytes(s))
            for r, s in c.execute(sql(copy, "SELECT rowid, state FROM stored_events")).fetchall()
            if b'"amount":' in bytes(s) or b'"gross":' in bytes(s)
        ]
        rowid, state = rng.choice(rows)
        text = state.decode()
        spots = [m.start(1) for m in re.finditer(r'"(?:amount|gross|costs)":(\d+)', text)]
        at = rng.choice(spots)
        digit = str((int(text[at]) + rng.randint(1, 9)) % 10)
        changed = (text[:at] + digit + text[at + 1 :]).encode()
        c.execute(sql(copy, "UPDATE stored_events SET state=? WHERE rowid=?"), (changed, rowid))
    report = audit(copy)
    assert not report.ok
    assert f"event {rowid}" in failed(report)["chain"]
    done = kerang("audit", "--db", copy)
    assert done.returncode == 1 and f"event {rowid}" in done.stdout.replace("\n", " ")


@pytest.mark.parametrize("seed", range(8))
def test_a_deleted_row_is_caught(copy: str, seed: int) -> None:
    rowid = random.Random(seed).randint(1, 126)
    with raw(copy) as c:
        drop_append_only_guards(copy, c)
        c.execute(sql(copy, "DELETE FROM stored_events WHERE rowid=?"), (rowid,))
    report = audit(copy)
    assert not report.ok and f"event {rowid}" in failed(report)["chain"]


@pytest.mark.parametrize("seed", range(8))
def test_two_swapped_payloads_are_caught(copy: str, seed: int) -> None:
    a, b = sorted(random.Random(seed).sample(range(2, 128), 2))
    with raw(copy) as c:
        drop_append_only_guards(copy, c)
        select = sql(copy, "SELECT state FROM stored_events WHERE rowid=?")
        sa, sb = (bytes(c.execute(select, (x,)).fetchone()[0]) for x in (a, b))
        update = sql(copy, "UPDATE stored_events SET state=? WHERE rowid=?")
        c.execute(update, (sb, a))
        c.execute(update, (sa, b))
    report = audit(copy)
    assert not report.ok and f"event {a}" in failed(report)["chain"]


def test_a_forged_row_appended_is_caught(copy: str) -> None:
    with raw(copy) as c:
        topic, state = c.execute(
            "SELECT topic, state FROM stored_events WHERE topic LIKE '%SavingsDeposit.Recorded' LIMIT 1"
        ).fetchone()
        forged = bytes(state).replace(b'"ref":"', b'"ref":"FORGED-')
        c.execute(
            sql(
                copy,
                "INSERT INTO stored_events (originator_id, originator_version, topic, state) VALUES (?,?,?,?)",
            ),
            ("f" * 32, 1, topic, forged),
        )
    report = audit(copy)
    assert not report.ok
    assert "event 128" in failed(report)["chain"]
    assert "sequence" in failed(report)  # stored under another ref's identity


def test_a_rewritten_chain_is_still_caught_by_the_read_models(copy: str) -> None:
    """Someone who edits an event and recomputes every link still leaves the books inconsistent."""
    with raw(copy) as c:
        drop_append_only_guards(copy, c)
        rowid, state = c.execute(
            sql(
                copy,
                "SELECT rowid, state FROM stored_events WHERE topic LIKE '%SavingsDeposit.Recorded' LIMIT 1",
            )
        ).fetchone()
        changed = bytes(state).replace(b'"amount":', b'"amount":9')
        c.execute(sql(copy, "UPDATE stored_events SET state=? WHERE rowid=?"), (changed, rowid))
        relink(c, copy)
    report = audit(copy)
    assert "chain" not in failed(report) and "read-models" in failed(report)


def test_a_drifted_projection_is_caught(copy: str) -> None:
    with raw(copy) as c:
        drop_append_only_guards(copy, c)
        c.execute(
            "UPDATE kerang_postings SET amount = amount + 1 WHERE id = (SELECT MAX(id) FROM kerang_postings)"
        )
    assert "read-models" in failed(audit(copy))


def test_a_bad_split_in_an_event_is_named(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    ledger.record(db, "init", name="K", date="2020-01-01")
    ledger.record(db, "member.add", id="M1", name="A", date="2020-01-01")
    ledger.record(db, "bagan.add", id="B1", partners="M1", manager="P", date="2020-01-01")
    ledger.record(db, "harvest", ref="H1", date="2020-06-01", bagan="B1", revenue="1001")
    with raw(db) as c:  # a forger who moves a rupiah and fixes the chain
        drop_append_only_guards(db, c)
        rowid, state = c.execute(
            sql(db, "SELECT rowid, state FROM stored_events WHERE topic LIKE '%Harvest.Recorded'")
        ).fetchone()
        state = bytes(state)
        bad = state.replace(b'"manager":300,', b'"manager":301,').replace(
            b'"cooperative":21', b'"cooperative":20'
        )
        assert bad != state
        c.execute(sql(db, "UPDATE stored_events SET state=? WHERE rowid=?"), (bad, rowid))
        relink(c, db)
    detail = failed(audit(db))
    assert "harvest-split" in detail and "ref H1" in detail["harvest-split"]


def test_audit_as_of_a_date(copy: str) -> None:
    import datetime as dt

    report = audit(copy, as_of=dt.date(2015, 6, 30))
    assert report.ok and report.as_of == dt.date(2015, 6, 30)


def test_verify_an_export_offline_and_against_an_earlier_head(copy: str, tmp_path: Path) -> None:
    full, early = tmp_path / "full.jsonl", tmp_path / "early.jsonl"
    assert kerang("export", "--format", "jsonl", "--out", str(full), "--db", copy).returncode == 0
    lines = full.read_text().splitlines()
    early.write_text("\n".join(lines[:60]) + "\n")
    early_head = json.loads(kerang("verify", str(early), "--json").stdout)["head"]
    done = kerang("verify", str(full), "--head", early_head, "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["extends_head"] is True
    assert json.loads(done.stdout)["head"] == audit(copy).head
    other = kerang("verify", str(full), "--head", "ab" * 32)
    assert other.returncode == 1 and "does not pass through head" in other.stdout
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text(full.read_text().replace('"amount": 25000', '"amount": 25001', 1))
    bad = kerang("verify", str(tampered))
    assert bad.returncode == 1 and "does not match" in bad.stdout
    gap = tmp_path / "gap.jsonl"
    gap.write_text("\n".join(lines[:10] + lines[11:]) + "\n")
    assert kerang("verify", str(gap)).returncode == 1


def drop_event_key(db: str, c) -> None:
    """Let (originator_id, originator_version) repeat, as a tamperer who rebuilds the
    table without its key could."""
    if is_pg(db):
        (name,) = c.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'p' "
            "AND conrelid = 'stored_events'::regclass"
        ).fetchone()
        c.execute(f'ALTER TABLE stored_events DROP CONSTRAINT "{name}"')
        return
    columns = "originator_id, originator_version, topic, state"
    c.execute(
        "CREATE TABLE bare (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB)"
    )
    c.execute(f"INSERT INTO bare (rowid, {columns}) SELECT rowid, {columns} FROM stored_events")
    c.execute("DROP TABLE stored_events")
    c.execute("ALTER TABLE bare RENAME TO stored_events")


@pytest.mark.parametrize("how", ["gap", "order", "repeat", "zero"])
def test_the_index_test_for_version_breaks_never_misses_one(copy: str, how: str) -> None:
    """The window query runs only when the index test finds something: whatever breaks
    the versions, the test does, and the sequence check names the break."""
    from ledger.audit.source import Source

    source = Source(copy)
    try:
        assert not source.versions_may_break() and source.version_breaks() == []
    finally:
        source.close()
    with raw(copy) as c:
        drop_append_only_guards(copy, c)
        if how == "repeat":
            drop_event_key(copy, c)
        columns = "originator_id, originator_version, topic, state"
        select = f"SELECT rowid, {columns} FROM stored_events ORDER BY rowid"
        rows = c.execute(sql(copy, select)).fetchall()
        update = sql(copy, "UPDATE stored_events SET originator_version=? WHERE rowid=?")
        deposit = next(r for r in rows if r[3].endswith("SavingsDeposit.Recorded"))
        if how == "gap":
            c.execute(update, (2, deposit[0]))
        elif how == "zero":
            c.execute(update, (0, deposit[0]))
        elif how == "order":  # the cooperative's second and third events, versions swapped
            second, third = [r for r in rows if r[1] == rows[0][1]][1:3]
            c.execute(update, (-1, second[0]))
            c.execute(update, (second[2], third[0]))
            c.execute(update, (third[2], second[0]))
        else:  # the deposit recorded a second time, at the end
            insert = f"INSERT INTO stored_events ({columns}) VALUES (?, ?, ?, ?)"
            c.execute(sql(copy, insert), deposit[1:])
    source = Source(copy)
    try:
        assert source.versions_may_break() and source.version_breaks()
    finally:
        source.close()
    assert "gap or duplicate" in failed(audit(copy))["sequence"]


def test_a_damaged_file_is_a_database_that_cannot_be_used_not_a_bug(copy: str) -> None:
    """The audit reads SQLite through its own driver: a page that no longer reads is
    the database's fault, said in one sentence (exit 2), like any other."""
    from ledger.boundary import _known

    if is_pg(copy):
        pytest.skip("a damaged file is a SQLite matter")
    with raw(copy) as c:
        (page,) = c.execute(
            "SELECT rootpage FROM sqlite_master WHERE name='stored_events'"
        ).fetchone()
        (size,) = c.execute("PRAGMA page_size").fetchone()
    with open(copy, "r+b") as f:
        f.seek((page - 1) * size)
        f.write(b"\xff" * size)
    with pytest.raises(Exception) as raised:  # noqa: PT011 - the driver's own error
        audit(copy)
    assert _known(raised.value)[0] == "database"
    done = kerang("audit", "--db", copy)
    assert done.returncode == 2 and "cannot be used" in done.stderr, done.stderr
