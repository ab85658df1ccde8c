"""The command line is generated from the commands' declarations, and helps its user."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from backends import new_db
from cli_helpers import kerang

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cli  # noqa: E402
from ledger import commands, domain  # noqa: E402
from ledger.cli_parser import subcommands  # noqa: E402


def _parser_of(words: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = cli.build_parser()
    for word in words:
        parser = subcommands(parser)[word]
    return parser


def test_every_ledger_command_is_generated_from_its_declaration() -> None:
    for spec in commands.COMMANDS.values():
        parser = _parser_of(spec.words)
        dests = {a.dest: a for a in parser._actions}
        for f in spec.fields:
            if not f.cli:
                assert f.name not in dests, (spec.op, f.name)
                continue
            action = dests[f.name]
            assert action.help, (spec.op, f.name)
            assert bool(action.required or f.positional) == (f.required or f.positional)
            if f.choices:
                assert tuple(action.choices) == f.choices
        assert parser.epilog == f"example: {spec.example}"


def test_a_transaction_line_has_the_columns_of_its_declaration() -> None:
    for op, cls in domain.TRANSACTION_CLASSES.items():
        columns = [c for c in commands.COMMANDS[op].columns if c not in ("ref", "date")]
        named = [cls._line_names.get(a, a) for a in cls.line_fields]
        assert named == columns, op


def test_every_option_has_help_and_lists_its_choices() -> None:
    lacking = []
    for path, parser in _walk(cli.build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            if not action.help:
                lacking.append(f"{' '.join(path)} {action.dest}")
            if action.choices:
                assert "{" in parser.format_usage() or action.metavar, (path, action.dest)
    assert not lacking, lacking
    shown = kerang("savings", "deposit", "--help").stdout
    assert "{pokok,wajib,sukarela,harvest}" in shown


def _walk(parser, path=()):
    yield path, parser
    for name, child in subcommands(parser).items():
        yield from _walk(child, (*path, name))


def test_did_you_mean_for_commands_and_options() -> None:
    done = kerang("sumary", columns=200)
    assert done.returncode == 2
    assert done.stderr == "kerang: 'sumary' is not a command; did you mean 'summary'?\n"
    done = kerang("member", "ad", "M01")
    assert done.returncode == 2 and "did you mean 'add'?" in done.stderr
    done = kerang(
        "loan",
        "repay",
        "--ref",
        "R",
        "--date",
        "2015-01-01",
        "--member",
        "M",
        "--ammount",
        "5",
        columns=200,
    )
    assert done.returncode == 2
    assert done.stderr == "kerang: loan repay: --ammount is not an option; did you mean --amount?\n"


def test_usage_errors_have_one_prefix_and_json_carries_them() -> None:
    done = kerang("harvest", "--ref", "X", "--json")
    assert done.returncode == 2
    assert done.stderr.startswith("kerang: harvest: ") and "kerang: kerang" not in done.stderr
    assert json.loads(done.stdout)["error"]["code"] == "usage"


def test_global_options_before_or_after_the_command(tmp_path: Path) -> None:
    db = new_db(tmp_path, "g")
    assert kerang("--db", db, "init", "--name", "K", "--date", "2015-01-01").returncode == 0
    before = kerang("--db", db, "--json", "member", "add", "M01", "--name", "Ibu Siti")
    after = kerang("member", "add", "M02", "--name", "Ibu Ani", "--json", "--db", db)
    assert json.loads(before.stdout)["recorded"] and json.loads(after.stdout)["recorded"]
    summary = json.loads(kerang("--json", "--lang", "id", "summary", "--db", db).stdout)
    assert summary["members"] == 2


def test_version_and_help_are_quick_paths() -> None:
    version = kerang("--version")
    assert version.returncode == 0 and version.stdout.startswith("kerang ")
    probe = (
        "import sys, cli; cli.main(['--help'])\n"
        "heavy = [m for m in ('eventsourcing', 'numpy', 'rich', 'beancount', 'ledger.audit',"
        " 'simulation', 'assessment') if m in sys.modules]\n"
        "print(heavy, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stderr.strip() == "[]", done.stderr
