"""The grammar of ``kerang``: its argparse tree, generated from the declarations.

The ledger's commands come from ``ledger/commands.py``; the reports, forecast,
assessment, demo and completion add their own options beside their packages
(``register``), loaded only when their command runs, so ``kerang --help`` stays quick.
Here too: the language taken off the command line, "did you mean", argparse's own words
in Bahasa Indonesia, and the guide that a bare ``kerang`` prints.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from ledger import i18n
from ledger.errors import UsageError
from ledger.i18n import help_text, msg, tr


class Parser(argparse.ArgumentParser):
    """argparse that speaks the chosen language in --help, and refuses with exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if isinstance(kwargs.get("description"), str):
            kwargs["description"] = help_text(kwargs["description"])
        super().__init__(*args, **kwargs)
        self.register("action", "parsers", _SubParsers)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        if isinstance(kwargs.get("help"), str) and kwargs["help"] != argparse.SUPPRESS:
            kwargs["help"] = help_text(kwargs["help"])
        return super().add_argument(*args, **kwargs)

    def error(self, message: str) -> None:  # argparse would exit with status 2 itself
        raise UsageError("usage", where(self, message))


class _SubParsers(argparse._SubParsersAction):
    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        if isinstance(kwargs.get("help"), str):
            kwargs["help"] = help_text(kwargs["help"])
        return super().add_parser(name, **kwargs)


def where(parser: argparse.ArgumentParser, message: str) -> str:
    """``member add: message.`` — the one ``kerang:`` prefix is the caller's."""
    words = parser.prog.removeprefix("kerang").strip()
    if message.endswith(("?", ".")):  # a sentence of its own
        return msg("{prog}: {message}", prog=words, message=message) if words else message
    if words:
        return msg("{prog}: {message}.", prog=words, message=message)
    return msg("{message}.", message=message)


class _Version(argparse.Action):
    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help=kwargs.get("help"))

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("kerang")
        except PackageNotFoundError:  # run from a source tree
            number = "unknown"
        sys.stdout.write(f"kerang {number}\n")
        parser.exit()


# argparse's own words (usage and its errors), which it looks up through gettext
ARGPARSE_ID = {
    "usage: ": "cara pakai: ",
    "positional arguments": "argumen posisi",
    "options": "pilihan",
    "show this help message and exit": "tampilkan bantuan ini lalu keluar",
    "the following arguments are required: %s": "argumen berikut wajib diisi: %s",
    "unrecognized arguments: %s": "argumen tidak dikenal: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "pilihan %(value)r tidak sah (pilih dari %(choices)s)",
    "argument %(argument_name)s: %(message)s": "argumen %(argument_name)s: %(message)s",
    "expected one argument": "perlu satu nilai",
    "expected at least one argument": "perlu sedikitnya satu nilai",
    "expected at most one argument": "perlu paling banyak satu nilai",
    "invalid %(type)s value: %(value)r": "nilai %(type)s tidak sah: %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "pilihan %(option)s ambigu: bisa %(matches)s",
    "not allowed with argument %s": "tidak boleh bersama argumen %s",
    "one of the arguments %s is required": "salah satu argumen %s wajib diisi",
    "%(prog)s: error: %(message)s\n": "%(prog)s: kesalahan: %(message)s\n",
}


def translate_argparse() -> None:
    """Make argparse speak the chosen language (it calls gettext's ``_``)."""
    if i18n.language() == "id":
        argparse._ = lambda text: ARGPARSE_ID.get(text, text)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- building blocks
def common(p: argparse.ArgumentParser, *, db: bool = True, json_out: bool = True) -> None:
    """--db and --json on a subcommand; not given there, the value before it stands."""
    if db:
        p.add_argument(
            "--db",
            default=argparse.SUPPRESS,
            help="SQLite file or postgresql:// URL (default $KERANG_DB, else ./kerang.db)",
        )
    if json_out:
        p.add_argument(
            "--json",
            action="store_true",
            default=argparse.SUPPRESS,
            help="print exactly one JSON document",
        )


def command(
    parent: Any, name: str, help: str, example: str, about: str = "", *, db: bool = True
) -> argparse.ArgumentParser:
    """A subcommand with its help (``about``: a longer description for its --help), its
    example, and the common --db and --json."""
    p = parent.add_parser(name, help=help, description=about or help, epilog=f"example: {example}")
    common(p, db=db)
    return p


def group(sub: Any, name: str, help: str) -> Any:
    """A command of commands (``member``, ``report`` …): the place for its subcommands."""
    return sub.add_parser(name, help=help).add_subparsers(dest="action", parser_class=Parser)


# ---------------------------------------------------------------- the tree
# top-level commands that register themselves beside their package: name -> (module, help)
PACKAGES: dict[str, tuple[str, str]] = {
    "forecast": ("simulation.cli_args", "forecast bagan, savings fund and member income"),
    "assess": ("assessment.cli_args", "SLIA impact assessment: five capitals before and after"),
    "demo": ("ledger.cli_demo", "build the Serang demo ledger and print its reports"),
    "completion": ("ledger.completion", "print a shell completion script (bash or zsh)"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command tree; with ``only``, that top-level command's options alone
    ("" for none: the others are listed by name, so --help loads nothing it does not show)."""
    from ledger import cli_reports, commands

    parser = Parser(
        prog="kerang",
        description="Ledger, forecast and impact assessment for green-mussel cooperatives.",
    )
    parser.add_argument("--version", action=_Version, help="print kerang's version and exit")
    parser.add_argument(
        "--lang",
        choices=i18n.LANGUAGES,
        help="language of messages and reports: en (default) or id (Bahasa Indonesia); "
        "also $KERANG_LANG; accepted anywhere on the command line",
    )
    parser.add_argument(
        "--db", help="SQLite file or postgresql:// URL (default $KERANG_DB, else ./kerang.db)"
    )
    parser.add_argument("--json", action="store_true", help="print exactly one JSON document")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    def wanted(name: str) -> bool:
        return only is None or only == name

    groups = {**commands.GROUPS, **cli_reports.GROUPS}
    made: dict[str, Any] = {}  # top-level word -> its parser (a group's: its subparsers)
    for spec in (*commands.COMMANDS.values(), *cli_reports.COMMANDS):
        top = spec.words[0]
        if not wanted(top):  # named in the list of commands, its options not loaded
            if top not in made:
                made[top] = sub.add_parser(top, help=groups.get(top, spec.help))
            continue
        if len(spec.words) > 1 and top not in made:
            made[top] = group(sub, top, groups[top])
        parent = made[top] if len(spec.words) > 1 else sub
        if isinstance(spec, cli_reports.CliCommand):
            p = command(parent, spec.words[-1], spec.help, spec.example, spec.about, db=spec.db)
            spec.options(p)
        else:
            _record_parser(parent, spec)
    for name, (module, help) in PACKAGES.items():
        p = sub.add_parser(name, help=help)
        if wanted(name):
            importlib.import_module(module).register(p)
    _examples_on_groups(parser)
    return parser


def _record_parser(parent: Any, spec: Any) -> None:
    """The options of one ledger command, from its declaration."""
    from ledger.cli_reports import run_record
    from ledger.commands import METAVARS, flag

    p = command(parent, spec.words[-1], spec.help, spec.example)
    for f in spec.fields:
        if not f.cli:
            continue
        kw: dict[str, Any] = {"help": f.help}
        if f.choices:
            kw["choices"] = f.choices
        metavar = f.metavar or METAVARS.get(f.reader)
        if metavar and not f.choices:
            kw["metavar"] = metavar
        if f.reader is flag:  # a yes/no column is a bare option here
            kw = {"help": f.help, "action": "store_true"}
        if f.positional:
            p.add_argument(f.name, **kw)
        else:
            p.add_argument(f.option, dest=f.name, required=f.required, **kw)
    p.set_defaults(handler=run_record, spec=spec)


def subcommands(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _examples_on_groups(p: argparse.ArgumentParser) -> list[str]:
    """Give a group (``member``, ``report`` …) the examples of its commands; return them."""
    examples = [p.epilog.removeprefix("example: ")] if p.epilog else []
    children = subcommands(p)
    found: list[str] = []
    for child in children.values():
        found += _examples_on_groups(child)
    if children and not p.epilog and p.prog != "kerang" and found:
        p.epilog = "examples:\n" + "\n".join(f"  {e}" for e in found)
        p.formatter_class = argparse.RawDescriptionHelpFormatter
    return examples or found


# ---------------------------------------------------------------- reading a command line
def take_lang(argv: list[str]) -> tuple[list[str], str | None]:
    """Remove the global ``--lang X`` / ``--lang=X`` wherever it stands on the command line."""
    rest: list[str] = []
    lang: str | None = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest += argv[i:]
            break
        if arg == "--lang":
            if i + 1 >= len(argv):
                raise UsageError("lang", msg("--lang needs a language: en or id."))
            lang, i = argv[i + 1], i + 2
            continue
        if arg.startswith("--lang="):
            lang, i = arg.split("=", 1)[1], i + 1
            continue
        rest.append(arg)
        i += 1
    if lang is not None and lang.strip().lower() not in i18n.LANGUAGES:
        raise UsageError("lang", msg("--lang must be en or id, not {lang!r}.", lang=lang))
    return rest, lang


def first_word(argv: list[str]) -> str | None:
    """The top-level command named on the command line (global options may precede it)."""
    i = 0
    while i < len(argv):
        if argv[i] in ("--db",):
            i += 2
        elif argv[i].startswith("-"):
            i += 1
        else:
            return argv[i]
    return None


def subparser(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.ArgumentParser:
    """The deepest parser the words of ``argv`` name (``kerang member`` -> member's)."""
    for word in argv:
        child = subcommands(parser).get(word)
        if child is None:
            break
        parser = child
    return parser


def check_words(parser: argparse.ArgumentParser, argv: list[str]) -> None:
    """A misspelt command or option is refused with the nearest real one ("did you mean")."""
    import difflib

    top, p, i = parser, parser, 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            return
        if word.startswith("--"):
            name = word.split("=", 1)[0]
            options = {o: a for q in (p, top) for a in q._actions for o in a.option_strings}
            matches = [o for o in options if o.startswith(name)]
            if not matches:
                guess = difflib.get_close_matches(name, [o for o in options if o != "-h"], n=1)
                if guess:
                    said = msg(
                        "{option} is not an option; did you mean {guess}?",
                        option=name,
                        guess=guess[0],
                    )
                    raise UsageError(name.lstrip("-"), where(p, said))
                return  # argparse says what is wrong
            action = options.get(name) or options[matches[0]]
            i += 2 if action.nargs is None and "=" not in word else 1
            continue
        children = subcommands(p)
        if children:
            if word not in children:
                guess = difflib.get_close_matches(word, list(children), n=1)
                if guess:
                    said = msg(
                        "{word!r} is not a command; did you mean {guess!r}?",
                        word=word,
                        guess=guess[0],
                    )
                    raise UsageError("command", where(p, said))
                return
            p = children[word]
        i += 1


# ---------------------------------------------------------------- kerang alone
GUIDE = (
    (
        "set up",
        "kerang init --name 'Koperasi Sinar Abadi' --date 2015-01-01",
        "kerang member add M01 --name 'Ibu Siti'   kerang bagan add B01 --partners M01,M02 --manager 'Pak Budi'",
    ),
    (
        "record",
        "kerang harvest --ref NOTA-001 --date 2015-06-18 --bagan B01 --kg 3000 --price 10.000",
        "kerang savings | infaq | loan | repair | cooperative | story | import FILE",
    ),
    (
        "correct",
        "kerang correct --ref KOREKSI-001 --date 2015-09-03 --reverses NOTA-001 --reason '...'",
        "kerang reopen 2015 --reason '...'",
    ),
    (
        "report",
        "kerang summary | statement M01 | balance   [--as-of 2015-12-31] [--json]",
        "kerang close 2015 --date 2016-01-15   kerang report position | income | infaq | shu",
    ),
    (
        "audit",
        "kerang audit   kerang export --format jsonl --out ledger.jsonl   kerang verify ledger.jsonl",
        "kerang head --sign > head.json   kerang audit --head head.json --public-key KEY",
    ),
    (
        "forecast",
        "kerang forecast --years 10 [--from-ledger]   kerang forecast compare A.toml B.toml",
        "",
    ),
    ("assess", "kerang assess --survey survey.csv [--from-ledger --before ... --after ...]", ""),
)


def guide() -> str:
    """What ``kerang`` alone prints: the commands grouped by task."""
    lines = [
        tr("kerang: ledger, forecast and impact assessment for green-mussel cooperatives."),
        "",
    ]
    labels = {
        "set up": tr("Set up"),
        "record": tr("Record"),
        "correct": tr("Correct"),
        "report": tr("Report"),
        "audit": tr("Audit"),
        "forecast": tr("Forecast"),
        "assess": tr("Assess"),
    }
    width = max(len(v) for v in labels.values()) + 2
    for task, first, second in GUIDE:
        lines.append(f"  {labels[task]:<{width}}{first}")
        if second:
            lines.append(f"  {'':<{width}}{second}")
    lines += [
        "",
        tr("Try 'kerang demo' for a whole ledger, 'kerang COMMAND --help' for a command's options"),
        tr("and an example, and '--lang id' (or KERANG_LANG=id) for Bahasa Indonesia."),
        tr("Shell completion: source <(kerang completion bash)"),
    ]
    return "\n".join(lines) + "\n"
