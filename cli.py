"""The ``kerang`` command: choose the language, build the parser, parse, call one
function, map errors to exit codes.

The parser is generated (``ledger/cli_parser.py``) from the commands' declarations
(``ledger/commands.py``) and from the options each package registers beside itself;
those packages' parts load only when their command runs, so ``kerang --help`` stays
quick. The handlers live beside their packages (``ledger/cli_reports.py``,
``ledger/cli_demo.py``, ``ledger/completion.py``, ``simulation/cli_args.py``,
``assessment/cli_args.py``) and render through ``ledger/cli_io.py``: with ``--json``
stdout carries exactly one JSON document. Every failure becomes one sentence on stderr
and an exit status (``ledger/boundary.py``): 2 for a refusal, 3 for a bug.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ledger import i18n
from ledger.cli_io import EXIT_OK, EXIT_REFUSED, new_ledger_file, refuse
from ledger.cli_parser import (
    build_parser,
    check_words,
    first_word,
    guide,
    subparser,
    take_lang,
    translate_argparse,
)
from ledger.i18n import tr


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
    translate_argparse()
    if not argv:
        sys.stdout.write(guide())
        return EXIT_OK
    parser = build_parser(first_word(argv) or "")  # that command's options alone
    check_words(parser, argv)
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:  # a group named alone (``kerang member``): its help
        subparser(parser, argv).print_help()
        return EXIT_OK
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
