"""The ``kerang`` command: choose the language, build the parser, parse, call one
function, render its reply, map errors to exit codes.

The parser is generated (``ledger/cli_parser.py``) from the commands' declarations
(``ledger/commands.py``) and from the options each package registers beside itself;
those packages' parts load only when their command runs, so ``kerang --help`` stays
quick. The handlers live beside their packages (``ledger/cli_reports.py``,
``ledger/cli_demo.py``, ``ledger/completion.py``, ``simulation/cli_args.py``,
``assessment/cli_args.py``) and give back a ``Reply`` (``ledger/cli_io.py``) that is
rendered here: with ``--json`` stdout carries exactly one JSON document. Every failure
becomes one sentence on stderr and an exit status (``ledger/boundary.py``): 2 for a
refusal, 3 for a bug.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from ledger import i18n
from ledger.errors import UsageError
from ledger.i18n import msg, tr

EXIT_OK, EXIT_REFUSED = 0, 2


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: run one command line, return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    new_ledger = new_ledger_file(argv)
    try:
        status = _run(argv)
    except SystemExit as stop:  # --help, --version
        status = stop.code if isinstance(stop.code, int) else EXIT_REFUSED
    except KeyboardInterrupt:
        sys.stderr.write(tr("kerang: interrupted; nothing more was written.") + "\n")
        status = 130
    except Exception as error:  # noqa: BLE001 - the one place errors become sentences
        from ledger.boundary import explain
        from ledger.cli_io import refuse

        code, message, status = explain(error, argv)
        refuse(code, message, "--json" in argv)
    if status != EXIT_OK and new_ledger:
        from ledger.boundary import remove_if_empty

        remove_if_empty(new_ledger)  # a refused command leaves no new file behind
    return status


def _run(argv: list[str]) -> int:
    i18n.set_language(None)  # $KERANG_LANG while --lang itself is read
    argv, lang = take_lang(argv)
    i18n.set_language(lang)
    if not argv:
        sys.stdout.write(guide())
        return EXIT_OK
    from ledger.cli_parser import (
        build_parser,
        check_words,
        first_word,
        subparser,
        translate_argparse,
    )

    translate_argparse()
    parser = build_parser(first_word(argv) or "")  # that command's options alone
    check_words(parser, argv)
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:  # a group named alone (``kerang member``): its help
        subparser(parser, argv).print_help()
        return EXIT_OK
    return render(args, handler(args))


def render(args: Any, reply: Any) -> int:
    """A handler's ``Reply`` as one JSON document with --json, else drawn for people; a
    handler that wrote its own output (a stream, a key, a refusal) gives its status alone."""
    if isinstance(reply, int):
        return reply
    from ledger.cli_io import console, emit_json

    result, draw, status = reply
    if args.json:
        emit_json(result.as_json() if hasattr(result, "as_json") else result)
    elif isinstance(draw, str):
        console().print(draw)
    else:
        draw(console(), result)
    return status


# ---------------------------------------------------------------- before the parser
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


if __name__ == "__main__":
    sys.exit(main())
