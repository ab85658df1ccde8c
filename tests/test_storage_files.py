"""Outputs never touch a ledger; paths stay paths; the main file is complete between commands."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from backends import PG
from cli_helpers import kerang

import ledger
from ledger.errors import InvalidInput
from ledger.files import atomic_output, guard_output, is_kerang_file
from ledger.store import close_ledgers

ROOT = Path(__file__).resolve().parent.parent
sqlite_only = pytest.mark.skipif(bool(PG), reason="SQLite files")


def make_ledger(db: str, members: int = 2) -> None:
    ledger.record(db, "init", name="Koperasi Uji", date="2015-01-01")
    for i in range(1, members + 1):
        ledger.record(db, "member.add", id=f"M{i:02d}", name=f"Ibu {i}", date="2015-01-02")
    ledger.record(
        db,
        "savings.deposit",
        ref="KW-1",
        date="2015-02-01",
        member="M01",
        kind="wajib",
        amount=10000,
    )


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file of a folder and its content (links as their target)."""
    found = {}
    for path in sorted(folder.iterdir()):
        if path.is_symlink():
            found[path.name] = "-> " + os.readlink(path)
        elif path.is_file():
            found[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture()
def books(tmp_path: Path) -> Path:
    db = tmp_path / "v.db"
    make_ledger(str(db))
    other = tmp_path / "other.db"
    make_ledger(str(other), members=1)
    os.symlink("v.db", tmp_path / "link.db")
    os.link(db, tmp_path / "hard.db")
    (tmp_path / "folder").mkdir()
    close_ledgers()
    return db


@sqlite_only
@pytest.mark.parametrize(
    ("out", "says"),
    [
        ("v.db", "is the ledger"),
        ("./v.db", "is the ledger"),
        ("v.db-wal", "is the ledger"),
        ("v.db-shm", "is the ledger"),
        ("v.db-journal", "is the ledger"),
        ("link.db", "is the ledger"),
        ("hard.db", "is the ledger"),
        ("other.db", "kerang ledger"),
        ("other.db-wal", "kerang ledger"),
        ("folder", "is a folder"),
        ("missing/x.jsonl", "does not exist"),
        ("", "needs a file name"),
    ],
)
@pytest.mark.parametrize("format", ["jsonl", "beancount"])
def test_an_export_that_would_touch_a_ledger_is_refused_and_changes_nothing(
    books: Path, out: str, says: str, format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(books.parent)
    before = fingerprint(books.parent)
    with pytest.raises(InvalidInput, match=says) as refused:
        ledger.write_export("v.db", format, out)
    assert refused.value.field == "out"
    close_ledgers()
    assert fingerprint(books.parent) == before


@sqlite_only
def test_export_onto_its_own_ledger_on_the_command_line_is_one_sentence(books: Path) -> None:
    before = fingerprint(books.parent)
    for out in ("v.db", "v.db-wal", "folder", "nowhere/x.jsonl"):
        done = kerang("export", "--format", "jsonl", "--out", out, "--db", "v.db", cwd=books.parent)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "--out" in done.stderr, done.stderr
    assert fingerprint(books.parent) == before
    audit = kerang("audit", "--json", "--db", "v.db", cwd=books.parent)
    assert audit.returncode == 0 and json.loads(audit.stdout)["events"] == 4


@sqlite_only
def test_a_refused_export_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    old = tmp_path / "ledger.jsonl"
    old.write_text("the previous export\n")
    done = kerang(
        "export", "--format", "jsonl", "--out", str(old), "--db", str(tmp_path / "none.db")
    )
    assert done.returncode == 2
    assert old.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.jsonl"]


def test_atomic_output_replaces_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old")
    target.chmod(0o640)
    with pytest.raises(RuntimeError), atomic_output(target) as f:
        f.write("half of the new")
        raise RuntimeError("stopped half-way")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]
    with atomic_output(target) as f:
        f.write("new")
        assert target.read_text() == "old"  # not yet
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_an_export_is_written_whole(tmp_path: Path) -> None:
    from backends import new_db

    db = new_db(tmp_path, "k")
    make_ledger(db)
    out = tmp_path / "ledger.jsonl"
    assert ledger.write_export(db, "jsonl", str(out)) == 4
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["op"] for line in lines] == [
        "init",
        "member.add",
        "member.add",
        "savings.deposit",
    ]
    assert guard_output(str(out), db=db) == out  # an export may be replaced by the next one


# ------------------------------------------------------------------ paths are paths
STRANGE = ["r%61.db", "a?b#c.db", "with space.db", "koperasi é ü.db", "file:x.db", "m:memory:.db"]


@sqlite_only
@pytest.mark.parametrize("name", STRANGE)
def test_a_path_with_uri_characters_is_that_file(tmp_path: Path, name: str) -> None:
    decoy = tmp_path / "ra.db"  # what r%61.db means as a URI
    make_ledger(str(decoy), members=5)
    (tmp_path / "a").mkdir()
    db = tmp_path / name
    make_ledger(str(db), members=1)
    close_ledgers()
    assert is_kerang_file(db)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["ra.db", "a", name])
    done = kerang("audit", "--json", "--db", name, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["events"] == 3  # its own three events, not the decoy's seven
    decoy_report = json.loads(kerang("audit", "--json", "--db", "ra.db", cwd=tmp_path).stdout)
    assert decoy_report["events"] == 7 and decoy_report["head"] != report["head"]
    assert len(list((tmp_path / "a").iterdir())) == 0


def test_no_file_uri_is_built_from_a_raw_path() -> None:
    """The whole tree: every ``file:`` URI goes through ledger.files.sqlite_uri."""
    offenders = []
    for path in [*ROOT.glob("*.py"), *ROOT.glob("[!.]*/**/*.py")]:
        if ".venv" in path.parts or path.name == "test_storage_files.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if (
                'f"file:' in line or "'file:" in line or '"file:' in line
            ) and "files.py" not in str(path):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


# ------------------------------------------------------------------ the WAL
@sqlite_only
def test_after_a_command_the_main_file_alone_holds_every_transaction(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    for args in (
        ("init", "--name", "Koperasi", "--date", "2015-01-01"),
        ("member", "add", "M01", "--name", "Ibu Siti", "--date", "2015-01-01"),
        ("savings", "deposit", "--ref", "S1", "--date", "2015-01-03", "--member", "M01")
        + ("--kind", "sukarela", "--amount", "15000"),
    ):
        assert kerang(*args, "--db", str(db)).returncode == 0
    wal = Path(f"{db}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    copy = tmp_path / "copy" / "k.db"
    copy.parent.mkdir()
    shutil.copyfile(db, copy)  # the main file only, as a careless backup would
    done = kerang("statement", "M01", "--json", "--db", str(copy))
    assert json.loads(done.stdout)["savings"]["sukarela"] == 15000
    assert json.loads(kerang("audit", "--json", "--db", str(copy)).stdout)["ok"]
