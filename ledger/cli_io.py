"""What every command handler of ``kerang`` reads and writes: the ledger named by
``--db``, one JSON document with ``--json`` or text drawn for people, a refusal's
sentence, a progress bar; and the exit statuses they end with."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from ledger.errors import UsageError
from ledger.i18n import msg, tr

EXIT_OK, EXIT_CHECK_FAILED, EXIT_REFUSED = 0, 1, 2


def db_of(args: argparse.Namespace) -> str:
    return getattr(args, "db", None) or os.environ.get("KERANG_DB") or "kerang.db"


def new_ledger_file(argv: list[str]) -> str | None:
    """The SQLite file the command line names, when it does not exist yet (a refused
    command removes it again if it was left empty)."""
    db = os.environ.get("KERANG_DB") or "kerang.db"
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            db = argv[i + 1]
        elif arg.startswith("--db="):
            db = arg.split("=", 1)[1]
    if "://" in db or os.path.lexists(db):
        return None
    return db


def books_reader(db: str) -> Callable[[Any], Any]:
    """The ledger's read API as a function of the date (the assessment reads only that)."""
    from pathlib import Path

    import ledger

    if "://" not in db and not Path(db).exists():
        raise UsageError("db", msg("--db {db!r}: there is no ledger there.", db=db))
    return lambda as_of: ledger.read_books(db, as_of)


def console(args: argparse.Namespace | None = None):
    from rich.console import Console

    width = os.environ.get("COLUMNS")
    return Console(width=int(width) if width and width.isdigit() else None, highlight=False)


def emit_json(document: Any) -> None:
    import json

    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def show(args: argparse.Namespace, result: Any, render: Any, status: int = EXIT_OK) -> int:
    """``result`` as one JSON document with --json (its ``as_json()``, or the document
    itself), else for people: ``render(console, result)``, or ``render`` printed when it
    is a sentence. Returns ``status``."""
    if args.json:
        emit_json(result.as_json() if hasattr(result, "as_json") else result)
    elif isinstance(render, str):
        console(args).print(render)
    else:
        render(console(args), result)
    return status


def refuse(code: str, message: str, want_json: bool, **extra: Any) -> int:
    """One sentence on stderr (and the error in the JSON document); exit status 2."""
    sys.stderr.write(tr("kerang: {message}", message=message) + "\n")
    if want_json:
        emit_json({"error": {"code": code, "message": message}, **extra})
    return EXIT_REFUSED


def bar(args: argparse.Namespace, label: str) -> Callable[[int, int], None] | None:
    """A rich progress bar on stderr for a terminal, shown only for several thousand
    lines or events; None with --json or when stderr is not a terminal."""
    if args.json or not sys.stderr.isatty():
        return None
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


# ---------------------------------------------------------------- dates on the command line
DATE = "YYYY-MM-DD"


def date_arg(field: str) -> Callable[[str], Any]:
    def parse(text: str):
        from ledger.money import parse_date

        return parse_date(text, field)

    return parse


def date_option(
    p: argparse.ArgumentParser, option: str, help: str, metavar: str | None = DATE, **kw: Any
) -> None:
    """A ``--from``/``--to``/``--as-of`` date, read as ``YYYY-MM-DD`` and named in a refusal."""
    p.add_argument(option, type=date_arg(option[2:]), metavar=metavar, help=help, **kw)


AS_OF_HELP = "the books as they stood at the end of this day (default: as they stand)"
