"""PostgreSQL hygiene and scratch copies: nothing is left behind, nothing is granted too far."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import uuid
from pathlib import Path

import pytest
from backends import PG, _connect_pg, new_db
from cli_helpers import kerang, kerang_command, kerang_env

import ledger
from ledger.errors import InvalidInput
from ledger.location import postgres_env

ROOT = Path(__file__).resolve().parent.parent
needs_pg = pytest.mark.skipif(not PG, reason="needs KERANG_TEST_PG")
sqlite_only = pytest.mark.skipif(bool(PG), reason="SQLite files")
SERVER = PG or "postgresql://postgres@127.0.0.1:5432/test"


def kerang_process(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``kerang`` as a process the test can kill."""
    return subprocess.Popen(
        [*kerang_command(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=kerang_env(env),
    )


# ------------------------------------------------------------------ --db URLs
@pytest.mark.parametrize(
    ("url", "says"),
    [
        (SERVER + "?schema=", "is empty"),
        (SERVER + "?schema=pg_catalog", "belongs to PostgreSQL"),
        (SERVER + "?schema=pg_toast", "belongs to PostgreSQL"),
        (SERVER + "?schema=information_schema", "belongs to PostgreSQL"),
        (SERVER + "?schema=a&schema=b", "more than once"),
        (SERVER + "?schema=Kerang", "lower-case"),
        ("postgresql://postgres@127.0.0.1:99999/test", "port"),
        ("postgresql://postgres@127.0.0.1:abc/test", "port"),
        ("postgresql://postgres@127.0.0.1:0/test", "port"),
    ],
)
def test_a_bad_postgresql_url_is_one_sentence(url: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        postgres_env(url)
    done = kerang("summary", "--db", url)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and says in done.stderr


def test_public_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KERANG_SCHEMA", raising=False)
    assert postgres_env(SERVER)["POSTGRES_SCHEMA"] == "kerang"
    assert postgres_env(SERVER + "?schema=public")["POSTGRES_SCHEMA"] == "public"
    monkeypatch.setenv("KERANG_SCHEMA", "sinar_abadi")
    assert postgres_env(SERVER)["POSTGRES_SCHEMA"] == "sinar_abadi"


@needs_pg
def test_an_unreachable_server_is_one_sentence() -> None:
    for url in (
        "postgresql://postgres@no-such-host.invalid/test",
        "postgresql://postgres@127.0.0.1:1/test",
    ):
        done = kerang("summary", "--db", url)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert "cannot reach" in done.stderr


# ------------------------------------------------------------------ grant-auditor
@pytest.fixture()
def pg_ledger(tmp_path: Path) -> str:
    if not PG:
        pytest.skip("needs KERANG_TEST_PG")
    db = new_db(tmp_path)
    ledger.record(db, "init", name="Koperasi", date="2015-01-01")
    return db


@pytest.fixture()
def scratch_role() -> str:
    if not PG:
        pytest.skip("needs KERANG_TEST_PG")
    name = f"kerang_t_{uuid.uuid4().hex[:10]}"
    yield name
    conn = _connect_pg(PG)
    try:
        for statement in (
            f"REASSIGN OWNED BY {name} TO postgres",
            f"DROP OWNED BY {name}",
            f"DROP ROLE IF EXISTS {name}",
        ):
            with contextlib.suppress(Exception):  # the role may not exist
                conn.execute(statement)
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("role", "says"),
    [
        ("postgres", "superuser"),
        ("public", "PostgreSQL's own"),
        ("pg_monitor", "PostgreSQL's own"),
        ("pg_read_all_data", "PostgreSQL's own"),
    ],
)
def test_grant_auditor_refuses_roles_that_reach_too_far(
    pg_ledger: str, role: str, says: str
) -> None:
    done = kerang("db", "grant-auditor", role, "--db", pg_ledger)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and says in done.stderr


@pytest.mark.parametrize(
    ("setup", "says"),
    [
        ("CREATE ROLE {r} LOGIN BYPASSRLS", "BYPASSRLS"),
        ("CREATE ROLE {r} LOGIN; GRANT pg_write_all_data TO {r}", "could still write"),
        ("CREATE ROLE {r} LOGIN; GRANT INSERT ON ALL TABLES IN SCHEMA {s} TO {r}", None),
    ],
)
def test_grant_auditor_refuses_a_role_that_could_still_write(
    pg_ledger: str, scratch_role: str, setup: str, says: str | None
) -> None:
    from urllib.parse import parse_qs, urlparse

    schema = parse_qs(urlparse(pg_ledger).query)["schema"][0]
    conn = _connect_pg(PG)
    try:
        for statement in setup.format(r=scratch_role, s=schema).split("; "):
            conn.execute(statement)
    finally:
        conn.close()
    done = kerang("db", "grant-auditor", scratch_role, "--json", "--db", pg_ledger)
    if says is None:  # a direct write grant is taken back: the role then only reads
        assert done.returncode == 0, done.stderr
        granted = json.loads(done.stdout)
        assert not granted["created"] and any("SELECT" in g for g in granted["granted"])
        return
    assert done.returncode == 2 and says in done.stderr, done.stderr
    conn = _connect_pg(PG)
    try:  # nothing was granted
        reads = conn.execute(
            "SELECT has_table_privilege(%s, %s, 'SELECT')", (scratch_role, f"{schema}.kerang_refs")
        ).fetchone()[0]
    finally:
        conn.close()
    assert not reads


def test_grant_auditor_says_what_it_granted(pg_ledger: str, scratch_role: str) -> None:
    done = kerang("db", "grant-auditor", scratch_role, "--db", pg_ledger)
    assert done.returncode == 0, done.stderr
    for said in ("created role", "CONNECT on database", "USAGE on schema", "SELECT on the"):
        assert said in done.stdout


# ------------------------------------------------------------------ import --check leaves nothing
LINES = [
    f'{{"op":"member.add","id":"M{n:02d}","name":"Ibu {n}","date":"2015-01-02"}}\n'
    for n in range(1, 30)
]


@needs_pg
def test_a_killed_check_on_postgresql_leaves_no_schema(pg_ledger: str, tmp_path: Path) -> None:
    """The check is killed while it copies the books (held by a lock the test owns)."""
    from urllib.parse import parse_qs, urlparse

    before = ledger.audit_ledger(pg_ledger).as_json()
    schema = parse_qs(urlparse(pg_ledger).query)["schema"][0]
    file = tmp_path / "lines.jsonl"
    file.write_text("".join(LINES))
    holder = _connect_pg(PG)
    watcher = _connect_pg(PG)
    try:
        with holder.transaction():
            holder.execute(f'LOCK TABLE "{schema}".stored_events IN ACCESS EXCLUSIVE MODE')
            process = kerang_process("import", str(file), "--check", "--db", pg_ledger)
            name = f"kerang-check-{process.pid}"
            backend = None
            while backend is None and process.poll() is None:  # until it waits for the lock
                backend = watcher.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s "
                    "AND wait_event_type = 'Lock'",
                    (name,),
                ).fetchone()
            assert backend is not None, process.communicate()
            os.kill(process.pid, signal.SIGKILL)
            process.communicate()
            # the server rolls the transaction back once it sees its client gone
            watcher.execute("SELECT pg_terminate_backend(%s, 60000)", backend)
        left = watcher.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
            (f"kerang_check_{process.pid}_%",),
        ).fetchall()
    finally:
        holder.close()
        watcher.close()
    assert process.returncode == -signal.SIGKILL
    assert left == []
    assert ledger.audit_ledger(pg_ledger).as_json() == before


@needs_pg
def test_a_check_on_postgresql_commits_nothing(pg_ledger: str, tmp_path: Path) -> None:
    file = tmp_path / "lines.jsonl"
    file.write_text("".join(LINES))
    process = kerang_process("import", str(file), "--check", "--db", pg_ledger)
    _, err = process.communicate()
    assert process.returncode == 0, err
    conn = _connect_pg(PG)
    try:
        left = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
            (f"kerang_check_{process.pid}_%",),
        ).fetchall()
    finally:
        conn.close()
    assert left == []
    assert ledger.audit_ledger(pg_ledger).events == 1


@sqlite_only
def test_a_check_on_sqlite_removes_what_a_killed_check_left(tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    ledger.record(db, "init", name="Koperasi", date="2015-01-01")
    temp = tmp_path / "temp"
    temp.mkdir()
    gone = subprocess.Popen(["true"])
    gone.wait()  # a process that has ended, as a killed check has
    (temp / f"kerang-check-{gone.pid}-abc").mkdir()
    (temp / f"kerang-check-{gone.pid}-abc" / "check.db").write_bytes(b"left behind")
    (temp / f"kerang-check-{os.getpid()}-live").mkdir()  # a running check's copy stays
    (temp / "kerang-check-notes").mkdir()  # not a scratch copy's name
    file = tmp_path / "ok.jsonl"
    file.write_text(LINES[0])
    done = kerang("import", str(file), "--check", "--db", db, env={"TMPDIR": str(temp)})
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in temp.iterdir()) == sorted(
        [f"kerang-check-{os.getpid()}-live", "kerang-check-notes"]
    )
    assert ledger.audit_ledger(db).events == 1
