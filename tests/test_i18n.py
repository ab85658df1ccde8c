"""Bahasa Indonesia (``--lang id``, ``KERANG_LANG=id``), help that teaches, shell completion.

The catalog guard walks the source: every template given to ``tr()``/``msg()``, every label
of the fully translated renderers, and every refusal's message must have an Indonesian entry
with the same placeholders; no refusal may be raised with a bare (untranslatable) string.
"""

from __future__ import annotations

import ast
import json
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from backends import new_db
from cli_helpers import kerang

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger.cli_parser import subcommands  # noqa: E402
from ledger.i18n import ID_CATALOG_MODULE  # noqa: E402
from ledger.i18n_id import ID  # noqa: E402

# Every module: refusals, tr() and msg() templates.
ALL_MODULES = sorted(
    [
        ROOT / "cli.py",
        *(p for d in ("ledger", "simulation", "assessment") for p in (ROOT / d).rglob("*.py")),
    ]
)
# Renderers whose every label is translated (row labels, headers, titles, printed lines).
RENDERERS = [
    ROOT / "ledger" / "report.py",
    ROOT / "cli.py",
    ROOT / "ledger" / "cli_parser.py",
    ROOT / "ledger" / "cli_reports.py",
    ROOT / "simulation" / "report.py",
    ROOT / "assessment" / "report.py",
    ROOT / "ledger" / "pack.py",
    ROOT / "simulation" / "plot.py",
    ROOT / "assessment" / "plot.py",
]
# The charts' words: titles, axes, legends and notes drawn into a PNG or SVG.
CHART_CALLS = {"set_title": 0, "set_xlabel": 0, "set_ylabel": 0, "suptitle": 0, "text": 2}

REFUSALS = {
    "Refused", "InvalidInput", "NotInitialised", "AlreadyInitialised", "UnknownMember",
    "UnknownBagan", "UnknownRef", "DuplicateId", "RefConflict", "InsufficientFunds",
    "MemberInactive", "SavingsLocked", "AlreadyReversed", "PolicyError", "DateError",
    "PeriodClosed", "Busy", "ReadOnly", "UsageError",
}  # fmt: skip
LABEL_CALLS = {"add_row": 0, "add_column": 0, "print": 0, "_money_table": 0, "_heading": 2}
# Renderers' rich Text and Progress labels (checked in the forecast and assessment reports).
TEXT_CALLS = {"Text": 0, "append": 0, "Progress": 0}
LABEL_DICTS = {
    "SHARE_LABELS", "SAVINGS_LABELS", "SUBHEADINGS", "labels",
    "ACCOUNT_LABELS", "CHECK_LABELS", "BOOK_LABELS", "KIND_LABELS", "BOOK_SHORT",
}  # fmt: skip


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _alpha(text: str) -> bool:
    return any(c.isalpha() for c in re.sub(r"\[[a-z /]*\]", "", text))  # rich markup aside


def _words(node: ast.expr) -> bool:
    """A literal string, or an f-string with words of its own: text a reader would read."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _alpha(node.value)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and _alpha(v.value) for v in node.values)
    return False


def _templates() -> tuple[dict[str, list[str]], list[str]]:
    """Every template found (-> where), and every untranslatable string (where: what)."""
    found: dict[str, list[str]] = {}
    bare: list[str] = []
    for path in ALL_MODULES:
        rel = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        renderer = path in RENDERERS
        for node in ast.walk(tree):
            where = f"{rel}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call):
                name = _name(node.func)
                if name in ("tr", "msg"):
                    first = node.args[0] if node.args else None
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        found.setdefault(first.value, []).append(where)
                if name in REFUSALS and len(node.args) > 1 and _words(node.args[1]):
                    bare.append(f"{where}: {ast.unparse(node.args[1])[:70]}")
                # an assessment warning or error: Issue(severity, code, message, row)
                if name == "Issue" and len(node.args) > 2 and _words(node.args[2]):
                    bare.append(f"{where}: {ast.unparse(node.args[2])[:70]}")
                if name == "warn" and node.args and _words(node.args[0]):
                    bare.append(f"{where}: {ast.unparse(node.args[0])[:70]}")
                if renderer:
                    index = LABEL_CALLS.get(name or "")
                    if rel.startswith(("simulation/", "assessment/")):
                        index = TEXT_CALLS.get(name or "", index)
                    if rel.endswith("plot.py"):
                        index = CHART_CALLS.get(name or "", index)
                    args = list(node.args)
                    if index is not None and len(args) > index and _words(args[index]):
                        bare.append(f"{where}: {ast.unparse(args[index])[:70]}")
                    for kw in node.keywords:
                        if kw.arg in ("title", "label") and _words(kw.value):
                            bare.append(f"{where}: {ast.unparse(kw.value)[:70]}")
            labels = isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
            if (
                renderer
                and labels
                and any(isinstance(t, ast.Name) and t.id in LABEL_DICTS for t in node.targets)
            ):
                for v in node.value.values:
                    if isinstance(v, ast.Constant) and isinstance(v.value, str):
                        found.setdefault(v.value, []).append(where)
            # the column headings of render_shu: ``for col in ("Member", ...)``
            if (
                rel == "ledger/report.py"
                and isinstance(node, ast.For)
                and isinstance(node.iter, ast.Tuple)
            ):
                for v in node.iter.elts:
                    if isinstance(v, ast.Constant) and isinstance(v.value, str):
                        found.setdefault(v.value, []).append(where)
    return found, bare


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}


def test_every_user_facing_string_has_an_indonesian_translation() -> None:
    found, bare = _templates()
    assert not bare, "strings shown to users must go through tr()/msg():\n" + "\n".join(bare)
    missing = [f"{where[0]}: {t!r}" for t, where in sorted(found.items()) if t not in ID]
    assert not missing, f"missing from {ID_CATALOG_MODULE}:\n" + "\n".join(missing)
    wrong = [t for t in found if _fields(t) != _fields(ID[t])]
    assert not wrong, "placeholders differ between English and Indonesian:\n" + "\n".join(wrong)
    unused = sorted(set(ID) - set(found) - set(_help_texts()))
    assert not unused, "catalog entries no code uses:\n" + "\n".join(unused)
    assert len(found) > 250  # the guard really walks the source


def _help_texts() -> list[str]:
    """Every description and help text of the command line (translated by cli_parser.Parser)."""
    import argparse

    import cli
    from ledger import i18n

    i18n.set_language("en")
    texts: list[str] = []

    def walk(parser: argparse.ArgumentParser, seen: set[int]) -> None:
        if id(parser) in seen:
            return
        seen.add(id(parser))
        texts.append(parser.description or "")
        for action in parser._actions:
            texts.append(action.help or "")
            if isinstance(action, argparse._SubParsersAction):
                texts.extend(c.help or "" for c in action._choices_actions)
                for sub in action.choices.values():
                    walk(sub, seen)

    walk(cli.build_parser(), set())
    return texts


def test_catalog_is_indonesian_not_a_copy() -> None:
    same = [t for t, i in ID.items() if t == i and any(c.isalpha() for c in t)]
    assert len(same) < 0.1 * len(ID), same


# ------------------------------------------------------------------ behaviour
@pytest.mark.parametrize(
    "args, env",
    [
        (("--lang", "id", "summary", "--as-of", "2015-13-01"), None),
        (("summary", "--as-of", "2015-13-01", "--lang", "id"), None),
        (("summary", "--lang=id", "--as-of", "2015-13-01"), None),
        (("summary", "--as-of", "2015-13-01"), {"KERANG_LANG": "id"}),
    ],
)
def test_a_refusal_speaks_indonesian(args: tuple[str, ...], env: dict | None) -> None:
    done = kerang(*args, env=env)
    assert done.returncode == 2
    assert (
        done.stderr == "kerang: --as-of '2015-13-01' bukan tanggal yang sah (tidak ada bulan 13).\n"
    )


def test_english_stays_the_default_and_json_keeps_its_keys() -> None:
    english = kerang("summary", "--as-of", "2015-13-01", "--json")
    assert (
        english.stderr
        == "kerang: --as-of '2015-13-01' is not a real date (there is no month 13).\n"
    )
    indonesian = kerang("summary", "--as-of", "2015-13-01", "--json", "--lang", "id")
    assert indonesian.returncode == 2
    doc = json.loads(indonesian.stdout)
    assert doc["error"]["code"] == json.loads(english.stdout)["error"]["code"] == "invalid_input"
    assert (
        doc["error"]["message"]
        == "--as-of '2015-13-01' bukan tanggal yang sah (tidak ada bulan 13)."
    )
    bad = kerang("--lang", "fr", "summary")
    assert bad.returncode == 2 and "--lang" in bad.stderr


def test_a_translated_message_keeps_english_as_its_text() -> None:
    import pickle

    from ledger.errors import InvalidInput
    from ledger.i18n import msg

    m = msg("--{field} must be more than zero.", field="amount")
    assert (
        m == "--amount must be more than zero."
        and json.dumps(m) == '"--amount must be more than zero."'
    )
    assert m.localised("id") == "--amount harus lebih dari nol."
    error = pickle.loads(pickle.dumps(InvalidInput("amount", m)))
    assert error.message.localised("id") == "--amount harus lebih dari nol."
    line = msg("line {line}: {message}", line=3, message=m)
    assert line.localised("id") == "baris 3: --amount harus lebih dari nol."


def test_golden_summary_in_indonesian(tmp_path: Path) -> None:
    from test_cli import DEMO

    db = new_db(tmp_path, "demo")
    assert kerang("import", str(DEMO), "--db", db).returncode == 0
    done = kerang("summary", "--as-of", "2015-12-31", "--db", db, "--lang", "id")
    assert done.returncode == 0, done.stderr
    golden = ROOT / "tests" / "golden" / "ledger_summary_id.txt"
    if os.environ.get("KERANG_UPDATE_GOLDEN"):
        golden.write_text(done.stdout)
    assert done.stdout == golden.read_text()
    english = kerang("summary", "--as-of", "2015-12-31", "--db", db).stdout
    assert english == (ROOT / "tests" / "golden" / "ledger_summary.txt").read_text()


@pytest.mark.parametrize(
    "name, args",
    [
        (
            "forecast_report_id.txt",
            ("forecast", "--runs", "200", "--years", "3", "--seed", "7", "--target-bagan", "30"),
        ),
        ("assess_report_id.txt", ("assess", "--survey", "assessment/data/demo_survey.csv")),
    ],
)
def test_golden_forecast_and_assessment_in_indonesian(name: str, args: tuple[str, ...]) -> None:
    done = kerang(*args, "--lang", "id")
    assert done.returncode == 0, done.stderr
    golden = ROOT / "tests" / "golden" / name
    if os.environ.get("KERANG_UPDATE_GOLDEN"):
        golden.write_text(done.stdout)
    assert done.stdout == golden.read_text()
    english = kerang(*args).stdout
    assert english != done.stdout and "Standing bagan" not in done.stdout
    assert "Capitals" not in done.stdout and "runs" not in done.stdout


def test_assessment_warnings_keep_english_in_json_and_speak_indonesian_on_screen(
    tmp_path: Path,
) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_text(
        "capital,indicator,before,after,change\n"
        "natural,Sites,2,3,1\nnatural,Sites,2,3,1\nphysical,Tools,,4,2\nhuman,Know-how,2,4,1\n"
    )
    shown = kerang("assess", "--survey", str(survey), "--lang", "id")
    assert shown.returncode == 0, shown.stderr
    assert "Peringatan (7)" in shown.stdout
    assert "baris 3: 'Sites' tercantum dua kali di modal alam" in shown.stdout
    doc = json.loads(kerang("assess", "--survey", str(survey), "--json", "--lang", "id").stdout)
    messages = [w["message"] for w in doc["warnings"]]
    assert "row 3: 'Sites' is listed twice in natural (rows 2 and 3, identical); counted once." in (
        messages
    )
    assert "capital financial has no indicators; it is left out of the overall change." in messages


def test_ledger_figures_of_the_financial_capital_speak_indonesian() -> None:
    import datetime as dt

    from assessment.financial import business_network, savings
    from assessment.model import Period
    from ledger.i18n import localise

    class Books:  # just what the two measures read
        as_of = dt.date(2015, 12, 31)
        members = ()
        harvests = ()
        statements: dict = {}

    period = Period(dt.date(2015, 1, 1), dt.date(2015, 12, 31))
    figure, detail = savings(Books(), period, None, print)
    assert figure is None and detail == f"no members in {period.text()}"
    assert localise(detail, "id") == f"tidak ada anggota pada {period.text()}"
    _, detail = business_network(Books(), period, None, print)
    assert detail == "0 distinct buyers of 0 harvests"
    assert localise(detail, "id") == "0 pembeli berbeda dari 0 panen"


# ------------------------------------------------------------------ help and completion
def _walk(parser, path=()):
    yield path, parser
    for name, child in subcommands(parser).items():
        yield from _walk(child, (*path, name))


def test_every_command_help_has_an_example() -> None:
    import cli

    lacking = [
        " ".join(path)
        for path, p in _walk(cli.build_parser())
        if path and "example" not in f"{p.epilog or ''} {p.description or ''}"
    ]
    assert not lacking, lacking
    shown = kerang("forecast", "--help")
    assert shown.returncode == 0 and "example: kerang forecast" in shown.stdout
    group = kerang("member")
    assert group.returncode == 0 and "kerang member add M01" in group.stdout


def test_kerang_alone_shows_a_guide() -> None:
    done = kerang()
    assert done.returncode == 0
    for task in ("Set up", "Record", "Correct", "Report", "Audit", "Forecast", "Assess"):
        assert f"  {task} " in done.stdout
    assert "usage:" not in done.stdout and len(done.stdout.splitlines()) < 25
    indonesian = kerang("--lang", "id")
    assert "Pencatatan" in indonesian.stdout and "Prakiraan" in indonesian.stdout


def test_bash_completion_names_every_command(tmp_path: Path) -> None:
    import cli

    done = kerang("completion", "bash")
    assert done.returncode == 0
    script = done.stdout
    for path, _ in _walk(cli.build_parser()):
        if path:
            assert f'"{" ".join(path)}"' in script, path
    assert "complete -o default -F _kerang kerang" in script
    assert "autoload -U +X bashcompinit" in kerang("completion", "zsh").stdout
    # bash itself completes from it
    probe = tmp_path / "probe.sh"
    probe.write_text(
        script
        + 'COMP_WORDS=(kerang report ""); COMP_CWORD=2; _kerang; echo "${COMPREPLY[*]}"\n'
        + 'COMP_WORDS=(kerang export --format ""); COMP_CWORD=3; _kerang; echo "${COMPREPLY[*]}"\n'
    )
    lines = subprocess.run(["bash", str(probe)], capture_output=True, text=True).stdout.splitlines()
    assert lines[0].split()[:4] == ["position", "income", "infaq", "shu"]
    assert lines[1] == "beancount jsonl"
