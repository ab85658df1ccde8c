"""The ``kerang`` command: parse, call one function, render, map errors to exit codes.

The ledger's commands are generated from their declarations (``ledger/commands.py``);
the reports, forecast, assessment and demo register their own options beside their
packages (``register(parser, cli)``) and are loaded only when they run, so ``kerang
--help`` stays quick. Every command that prints a result takes ``--json``; then stdout
carries exactly one JSON document. Refusals exit 2 with one sentence on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ledger import i18n
from ledger.errors import UsageError
from ledger.i18n import msg, tr

EXIT_OK, EXIT_CHECK_FAILED, EXIT_REFUSED = 0, 1, 2
GLOBAL_OPTIONS = ("--db", "--json", "--lang", "--help", "--version")


class _Parser(argparse.ArgumentParser):
    """argparse that speaks the chosen language in --help, and refuses with exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if isinstance(kwargs.get("description"), str):
            kwargs["description"] = i18n.help_text(kwargs["description"])
        super().__init__(*args, **kwargs)
        self.register("action", "parsers", _SubParsers)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        if isinstance(kwargs.get("help"), str) and kwargs["help"] != argparse.SUPPRESS:
            kwargs["help"] = i18n.help_text(kwargs["help"])
        return super().add_argument(*args, **kwargs)

    def error(self, message: str) -> None:  # argparse would exit with status 2 itself
        raise UsageError("usage", _where(self, message))


class _SubParsers(argparse._SubParsersAction):
    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        if isinstance(kwargs.get("help"), str):
            kwargs["help"] = i18n.help_text(kwargs["help"])
        return super().add_parser(name, **kwargs)


def _where(parser: argparse.ArgumentParser, message: str) -> str:
    """``member add: message.`` — the one ``kerang:`` prefix is the caller's."""
    words = parser.prog.removeprefix("kerang").strip()
    if message.endswith(("?", ".")):  # a sentence of its own
        return (
            msg("{prog}: {message}", prog=words, message=message)
            if words
            else msg("{message}", message=message)
        )
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


# ---------------------------------------------------------------- helpers for every command
def console(args: argparse.Namespace):
    from rich.console import Console

    width = os.environ.get("COLUMNS")
    return Console(width=int(width) if width and width.isdigit() else None, highlight=False)


def emit_json(document: Any) -> None:
    import json

    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def db_of(args: argparse.Namespace) -> str:
    return getattr(args, "db", None) or os.environ.get("KERANG_DB") or "kerang.db"


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
    parent: Any, name: str, help: str, example: str, *, db: bool = True, **kw: Any
) -> argparse.ArgumentParser:
    p = parent.add_parser(name, help=help, description=help, epilog=f"example: {example}", **kw)
    common(p, db=db)
    return p


def group(sub: Any, name: str, help: str) -> Any:
    return sub.add_parser(name, help=help).add_subparsers(dest="action", parser_class=_Parser)


def bar(label: str):
    """A rich progress bar on stderr, shown only for several thousand lines or events."""
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if total < 5000:
            return
        if "bar" not in state:
            from rich.console import Console
            from rich.progress import Progress

            state["bar"] = Progress(console=Console(stderr=True), transient=True)
            state["bar"].start()
            state["task"] = state["bar"].add_task(label, total=total)
        state["bar"].update(state["task"], completed=done)
        if done >= total:
            state["bar"].stop()

    return update


def show(args: argparse.Namespace, result: Any, render: Callable[[Any, Any], None]) -> int:
    """A result as JSON, or rendered by ``render(console, result)``."""
    if args.json:
        emit_json(result.as_json())
    else:
        render(console(args), result)
    return EXIT_OK


def books_reader(db: str) -> Callable[[Any], Any]:
    """The ledger's read API as a function of the date (the assessment reads only that)."""
    from pathlib import Path

    import ledger

    if "://" not in db and not Path(db).exists():
        raise UsageError("db", msg("--db {db!r}: there is no ledger there.", db=db))
    return lambda as_of: ledger.read_books(db, as_of)


def date_arg(field: str) -> Callable[[str], Any]:
    def parse(text: str):
        from ledger.money import parse_date

        return parse_date(text, field)

    return parse


# ---------------------------------------------------------------- the parser
# top-level commands that register themselves beside their package: name -> (module, help)
PACKAGES: dict[str, tuple[str, str]] = {
    "forecast": ("simulation.cli_args", "forecast bagan, savings fund and member income"),
    "assess": ("assessment.cli_args", "SLIA impact assessment: five capitals before and after"),
    "demo": ("ledger.cli_demo", "build the Serang demo ledger and print its reports"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command tree; with ``only``, that top-level command's options alone
    ("" for none: the others are listed by name, so --help loads nothing it does not show)."""
    from ledger import cli_reports, commands

    parser = _Parser(
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def wanted(name: str) -> bool:
        return only is None or only == name

    groups: dict[str, Any] = {}
    for spec in commands.COMMANDS.values():
        top = spec.words[0]
        if len(spec.words) == 1:
            if wanted(top):
                _record_parser(sub, spec)
            else:
                sub.add_parser(top, help=spec.help)
        elif top not in groups:
            groups[top] = group(sub, top, commands.GROUPS[top]) if wanted(top) else None
            if groups[top] is None:
                sub.add_parser(top, help=commands.GROUPS[top])
        if len(spec.words) > 1 and groups[top] is not None:
            _record_parser(groups[top], spec)
    cli_reports.register(sub, sys.modules[__name__], wanted)
    for name, (module, help) in PACKAGES.items():
        p = sub.add_parser(name, help=help)
        if wanted(name):
            importlib.import_module(module).register(p, sys.modules[__name__])
    p = command(
        sub,
        "completion",
        "print a shell completion script (bash or zsh)",
        "source <(kerang completion bash)   # or add it to ~/.bashrc",
        db=False,
    )
    p.description = i18n.help_text("Print a completion script for kerang's commands and options.")
    p.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete for")
    p.set_defaults(handler=_run_completion)
    _examples_on_groups(parser)
    return parser


def _record_parser(parent: Any, spec: Any) -> None:
    """The options of one ledger command, from its declaration."""
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
    p.set_defaults(handler=_run_record, spec=spec)


def _run_record(args: argparse.Namespace) -> int:
    import ledger
    from ledger.commands import from_command_line
    from ledger.report import render_outcome

    fields = from_command_line(args.spec, vars(args))
    return show(args, ledger.record(db_of(args), args.spec.op, **fields), render_outcome)


def _subcommands(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _examples_on_groups(p: argparse.ArgumentParser) -> list[str]:
    """Give a group (``member``, ``report`` …) the examples of its commands; return them."""
    examples = [p.epilog.removeprefix("example: ")] if p.epilog else []
    children = _subcommands(p)
    found: list[str] = []
    for child in children.values():
        found += _examples_on_groups(child)
    if children and not p.epilog and p.prog != "kerang" and found:
        p.epilog = "examples:\n" + "\n".join(f"  {e}" for e in found)
        p.formatter_class = argparse.RawDescriptionHelpFormatter
    return examples or found


def _subparser(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.ArgumentParser:
    """The deepest parser the words of ``argv`` name (``kerang member`` -> member's)."""
    for word in argv:
        child = _subcommands(parser).get(word)
        if child is None:
            break
        parser = child
    return parser


def _check_words(parser: argparse.ArgumentParser, argv: list[str]) -> None:
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
                    raise UsageError(
                        name.lstrip("-"),
                        _where(
                            p,
                            msg(
                                "{option} is not an option; did you mean {guess}?",
                                option=name,
                                guess=guess[0],
                            ),
                        ),
                    )
                return  # argparse says what is wrong
            action = options.get(name) or options[matches[0]]
            i += 2 if action.nargs is None and "=" not in word else 1
            continue
        children = _subcommands(p)
        if children:
            if word not in children:
                guess = difflib.get_close_matches(word, list(children), n=1)
                if guess:
                    raise UsageError(
                        "command",
                        _where(
                            p,
                            msg(
                                "{word!r} is not a command; did you mean {guess!r}?",
                                word=word,
                                guess=guess[0],
                            ),
                        ),
                    )
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


def _guide() -> str:
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


# ---------------------------------------------------------------- completion
def _run_completion(args: argparse.Namespace) -> int:
    from ledger.completion import completion_script

    sys.stdout.write(completion_script(build_parser(), args.shell, _subcommands))
    return EXIT_OK


# ---------------------------------------------------------------- main
def _take_lang(argv: list[str]) -> tuple[list[str], str | None]:
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


def _first_word(argv: list[str]) -> str | None:
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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    want_json = "--json" in argv
    # every failure becomes one sentence and an exit code; no traceback
    new_ledger = _new_ledger_file(argv)
    try:
        status = _main(argv)
    except SystemExit as stop:  # --help, --version
        status = stop.code if isinstance(stop.code, int) else EXIT_REFUSED
    except KeyboardInterrupt:
        sys.stderr.write(tr("kerang: interrupted; nothing more was written.") + "\n")
        status = 130
    except Exception as error:  # noqa: BLE001 - the one place errors become sentences
        from ledger.boundary import explain

        code, message, status = explain(error, argv)
        refuse(code, message, want_json)
    if status != EXIT_OK and new_ledger:
        from ledger.boundary import remove_if_empty

        remove_if_empty(new_ledger)  # a refused command leaves no new file behind
    return status


def _main(argv: list[str]) -> int:
    i18n.set_language(None)
    argv, lang = _take_lang(argv)
    i18n.set_language(lang)
    i18n.translate_argparse()
    if not argv:
        sys.stdout.write(_guide())
        return EXIT_OK
    parser = build_parser(_first_word(argv) or "")
    _check_words(parser, argv)
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        _subparser(parser, argv).print_help()
        return EXIT_OK
    return handler(args)


def _new_ledger_file(argv: list[str]) -> str | None:
    """The SQLite file the command names, when it does not exist yet."""
    db = os.environ.get("KERANG_DB") or "kerang.db"
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            db = argv[i + 1]
        elif arg.startswith("--db="):
            db = arg.split("=", 1)[1]
    if "://" in db or os.path.lexists(db):
        return None
    return db


def refuse(code: str, message: str, want_json: bool, **extra: Any) -> int:
    sys.stderr.write(tr("kerang: {message}", message=message) + "\n")
    if want_json:
        emit_json({"error": {"code": code, "message": message}, **extra})
    return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
