"""argparse's own errors follow --lang too; English stays the default."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import kerang

ROOT = Path(__file__).resolve().parent.parent


def test_usage_errors_in_bahasa_indonesia() -> None:
    missing = kerang("--lang", "id", "harvest", "--ref", "X", columns=240)
    assert (
        missing.returncode == 2 and "argumen berikut wajib diisi: --date, --bagan" in missing.stderr
    )
    choice = kerang("export", "--format", "pdf", "--lang", "id", columns=240)
    assert choice.returncode == 2 and "tidak sah" in choice.stderr
    english = kerang("harvest", "--ref", "X", columns=240)
    assert english.returncode == 2 and "the following arguments are required" in english.stderr


def test_audit_findings_in_bahasa_indonesia(tmp_path: Path) -> None:
    import sqlite3

    import ledger

    db = str(tmp_path / "k.db")
    ledger.import_file(db, str(ROOT / "ledger" / "data" / "demo-2015.jsonl"))
    with sqlite3.connect(db) as c:  # a tamperer who dropped the guards first
        for (name,) in c.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
            c.execute(f"DROP TRIGGER {name}")
        rowid, state = next(
            (r, st)
            for r, st in c.execute("SELECT rowid, state FROM stored_events")
            if b'"amount":25000' in st
        )
        c.execute(
            "UPDATE stored_events SET state=? WHERE rowid=?",
            (state.replace(b":25000", b":25001"), rowid),
        )
    done = kerang("audit", "--db", db, "--lang", "id", columns=240)
    assert done.returncode == 1
    assert "rantai putus di peristiwa" in done.stdout
    assert "The audit failed" not in done.stdout


def test_every_help_text_has_a_translation() -> None:
    """Each command's description and each option's help exists in Bahasa Indonesia."""
    import argparse

    from ledger import i18n
    from ledger.cli_parser import build_parser
    from ledger.i18n_id import ID

    i18n.set_language("en")
    missing: list[str] = []

    def walk(parser: argparse.ArgumentParser, seen: set[int]) -> None:
        if id(parser) in seen:
            return
        seen.add(id(parser))
        if parser.description and parser.description not in ID:
            missing.append(parser.description)
        for action in parser._actions:
            texts = [action.help] if action.help not in (None, argparse.SUPPRESS) else []
            if isinstance(action, argparse._SubParsersAction):
                texts += [c.help for c in action._choices_actions if c.help]
                for sub in action.choices.values():
                    walk(sub, seen)
            missing.extend(
                t for t in texts if t not in ID and t != "show this help message and exit"
            )

    walk(build_parser(), set())
    assert not missing, missing
