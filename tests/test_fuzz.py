"""Hundreds of bad inputs (``fuzz_corpus.py``): each is refused with exit 2 and one
sentence, never a traceback, and the ledger file stays byte-identical.

Most cases run in this process through ``cli.main`` (the console script's entry); a
sample runs through real ``kerang`` processes. The corpus is SQLite-file based (it hashes
the file); on PostgreSQL a sample checks that nothing was stored.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from backends import PG, new_db, raw
from cli_helpers import kerang
from fuzz_corpus import SETUP, cases, ledger_digest, run_in_process, settle, with_db

CHUNKS = 12  # the corpus is split so that parallel workers share it


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[tuple[str, list[str]]]]:
    folder = tmp_path_factory.mktemp("fuzz")
    db = str(folder / "fuzz.db")
    for argv in SETUP:
        code, _, err, _ = run_in_process([*argv, "--db", db])
        assert code == 0, err
    settle(db)
    return db, cases(folder / "files", db)


def one_sentence(err: str) -> bool:
    return err.startswith("kerang: ") and err.endswith("\n") and err.count("\n") == 1


def test_the_corpus_is_large_and_covers_every_way_in(corpus) -> None:
    _, found = corpus
    kinds = {name.split("-")[0] for name, _ in found}
    assert len(found) >= 300 and kinds == {"cli", "csv", "jsonl"}
    assert sum(name.startswith("csv-") for name, _ in found) >= 50
    assert sum(name.startswith("jsonl-") for name, _ in found) >= 50


@pytest.mark.skipif(bool(PG), reason="the corpus hashes a SQLite file; see the PostgreSQL sample")
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_every_bad_input_is_one_sentence_exit_2_and_writes_nothing(corpus, chunk: int) -> None:
    db, found = corpus
    failures = []
    for name, argv in found[chunk::CHUNKS]:
        before = ledger_digest(db)
        code, out, err, traceback = run_in_process(with_db(argv, db))
        problems = [
            *(["traceback"] if traceback else []),
            *([f"exit {code}"] if code != 2 else []),
            *(["not one sentence"] if not one_sentence(err) else []),
            *(["stdout not empty"] if out else []),
            *(["ledger changed"] if ledger_digest(db) != before else []),
        ]
        if problems:
            failures.append(f"{name}: {', '.join(problems)}: {err[:300]!r}")
    assert failures == []


def _sample(found: list[tuple[str, list[str]]], size: int) -> list[tuple[str, list[str]]]:
    """Every n-th case that an operating system can pass as arguments (no NUL, not huge)."""
    fit = [(n, a) for n, a in found if all("\x00" not in x and len(x) < 50_000 for x in a)]
    return fit[:: max(1, len(fit) // size)][:size]


@pytest.mark.skipif(bool(PG), reason="the corpus hashes a SQLite file; see the PostgreSQL sample")
def test_a_sample_through_real_processes(corpus) -> None:
    db, found = corpus
    failures = []
    for name, argv in _sample(found, 12):
        before = ledger_digest(db)
        done = kerang(*with_db(argv, db))
        if (
            done.returncode != 2
            or "Traceback" in done.stderr
            or not one_sentence(done.stderr)
            or ledger_digest(db) != before
        ):
            failures.append(f"{name}: exit {done.returncode}: {done.stderr[:300]!r}")
    assert failures == []


def _stored(db: str) -> tuple:
    with raw(db) as c:
        return tuple(
            c.execute(f"SELECT COUNT(*), COALESCE(SUM(LENGTH({col})), 0) FROM {t}").fetchone()
            for t, col in (("stored_events", "state"), ("kerang_refs", "command"))
        )


@pytest.mark.skipif(not PG, reason="PostgreSQL only (KERANG_TEST_PG)")
def test_a_sample_on_postgresql_stores_nothing(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    for argv in SETUP:
        code, _, err, _ = run_in_process([*argv, "--db", db])
        assert code == 0, err
    found = [(n, a) for n, a in cases(tmp_path / "files", db) if not n.startswith("cli-pg-")]
    before = _stored(db)
    failures = []
    for name, argv in found[::10]:
        code, _, err, traceback = run_in_process(with_db(argv, db))
        if code != 2 or traceback or not one_sentence(err):
            failures.append(f"{name}: exit {code}: {err[:300]!r}")
    assert failures == []
    assert _stored(db) == before


def test_a_refused_command_leaves_no_new_ledger_file(tmp_path: Path) -> None:
    for argv in (
        ["init", "--name", "Ibu\x1b[2J", "--date", "2020-01-01"],
        ["init", "--name", "X", "--date", "2100-01-01"],
        ["member", "add", "M1", "--name", "A", "--date", "2020-01-01"],
        ["summary"],
    ):
        db = tmp_path / "new.db"
        code, _, err, traceback = run_in_process([*argv, "--db", str(db)])
        assert code == 2 and not traceback and one_sentence(err), err
        assert list(tmp_path.iterdir()) == [], argv
    bad = tmp_path / "bad.csv"
    bad.write_text("op;ref;date;member;kind;amount\nsavings.deposit;F1;2020-01-01;M1;x;10,000\n")
    code, _, err, _ = run_in_process(["import", str(bad), "--db", str(tmp_path / "new.db")])
    assert code == 2 and sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_an_unexpected_error_is_a_bug_with_a_log(tmp_path: Path, monkeypatch) -> None:
    import ledger

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(ledger, "summary", broken)
    db = new_db(tmp_path)
    assert run_in_process(["init", "--name", "X", "--date", "2020-01-01", "--db", db])[0] == 0
    code, _, err, traceback = run_in_process(["summary", "--db", db])
    assert code == 3 and not traceback and one_sentence(err)
    assert "bug" in err and "ZeroDivisionError" in err
    log = Path(err.split("details are in ")[1].split(". Please")[0])
    assert "ZeroDivisionError: a bug" in log.read_text()
    log.unlink()
    monkeypatch.setenv("KERANG_DEBUG", "1")
    code, _, err, traceback = run_in_process(["summary", "--db", db])
    assert code == 3 and "Traceback" in err
    Path(err.split("details are in ")[1].split(". Please")[0]).unlink()


def test_reports_never_print_a_raw_control_character(tmp_path: Path, monkeypatch) -> None:
    """A ledger written before text was checked (simulated by switching the check off
    while recording) still prints only visible characters."""
    import ledger.text

    db = new_db(tmp_path)
    evil = "Ibu\x1b[2J\u202eSiti\x07 [bold]x[/]"
    with monkeypatch.context() as m:
        m.setattr(ledger.text, "read_field", lambda value, field: value)
        for argv in (
            ["init", "--name", evil, "--date", "2020-01-01"],
            ["member", "add", "M1", "--name", evil, "--date", "2020-01-01"],
            ["infaq", "receive", "--ref", "I\x1b1", "--date", "2020-01-02", "--amount", "9"],
            ["infaq", "disburse", "--ref", "I2", "--date", "2020-01-03", "--amount", "5"]
            + ["--purpose", evil],
        ):
            code, _, err, _ = run_in_process([*argv, "--db", db])
            assert code == 0, err
    for argv in (
        ["summary"],
        ["statement", "M1"],
        ["report", "infaq", "--from", "2020-01-01", "--to", "2020-12-31"],
        ["audit"],
    ):
        code, out, err, traceback = run_in_process([*argv, "--db", db])
        assert not traceback and code in (0, 1), err
        assert all(ch.isprintable() or ch in "\n" for ch in out + err), argv
        assert "\\x1b" in out or argv[0] == "audit"
