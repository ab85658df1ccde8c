"""The ``kerang`` command: parse, call one function, render.

Every command that prints a result takes ``--json``; then stdout carries exactly
one JSON document. Refusals exit 2 with one sentence on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

EXIT_OK, EXIT_CHECK_FAILED, EXIT_REFUSED = 0, 1, 2


class UsageError(Exception):
    """A command line that argparse accepted but makes no sense."""

    code = "usage"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit with status 2 itself
        raise UsageError("usage", f"{self.prog}: {message}.")


def _console(args: argparse.Namespace):
    from rich.console import Console

    width = os.environ.get("COLUMNS")
    return Console(width=int(width) if width and width.isdigit() else None, highlight=False)


def _emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _db(args: argparse.Namespace) -> str:
    return args.db or os.environ.get("KERANG_DB") or "kerang.db"


# ---------------------------------------------------------------- parsers
Handler = Callable[[argparse.Namespace], int]


def _common(p: argparse.ArgumentParser, *, db: bool = True, json_out: bool = True) -> None:
    if db:
        p.add_argument("--db", help="SQLite file or postgresql:// URL (default $KERANG_DB, else ./kerang.db)")
    if json_out:
        p.add_argument("--json", action="store_true", help="print exactly one JSON document")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kerang", description="Ledger, forecast and impact assessment for green-mussel cooperatives.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    _add_ledger_parsers(sub)
    _add_forecast_parsers(sub)
    _add_assess_parsers(sub)
    return parser


# >>> ledger (ledger/)
def _add_ledger_parsers(sub: Any) -> None:
    pass
# <<< ledger


# >>> forecast (simulation/)
def _add_forecast_parsers(sub: Any) -> None:
    pass
# <<< forecast


# >>> assess (assessment/)
def _add_assess_parsers(sub: Any) -> None:
    pass
# <<< assess


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    want_json = "--json" in argv
    try:
        parser = build_parser()
        if not argv:
            parser.print_help()
            return EXIT_OK
        args = parser.parse_args(argv)
        handler: Handler | None = getattr(args, "handler", None)
        if handler is None:
            parser.print_help()
            return EXIT_OK
        return handler(args)
    except SystemExit as stop:  # --help
        return int(stop.code or 0)
    except Exception as error:  # noqa: BLE001 - user mistakes become one sentence
        from ledger.errors import Refused

        if isinstance(error, Refused | UsageError):
            return _refuse(error.code, error.message, want_json)
        raise


def _refuse(code: str, message: str, want_json: bool) -> int:
    sys.stderr.write(f"kerang: {message}\n")
    if want_json:
        _emit_json({"error": {"code": code, "message": message}})
    return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
