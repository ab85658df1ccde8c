"""``kerang assess`` on the command line: its options and handler (loaded only
when the assessment runs)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ledger.cli_io import EXIT_REFUSED, books_reader, db_of, emit_json, show
from ledger.cli_parser import common
from ledger.errors import UsageError
from ledger.i18n import help_text, msg


def register(p: argparse.ArgumentParser) -> None:
    """The options of ``kerang assess``."""
    p.description = help_text(
        "Score the five SLIA capitals (natural, physical, human, financial, social) "
        "before and after from a survey CSV (capital,indicator,before,after "
        "[,respondent][,change]); with --from-ledger also measure the financial "
        "indicators from the ledger. Exit 2 when the survey has errors; with --json "
        'the document then lists them all in "errors" and carries "error".'
    )
    p.epilog = (
        "example: kerang assess --survey survey.csv --from-ledger --db demo.db "
        "--before 2015-01-01..2015-12-31 --after 2018-01-01..2018-12-31"
    )
    p.add_argument("--survey", required=True, metavar="FILE.csv", help="the survey scores")
    p.add_argument(
        "--scale-max", default="5", metavar="N", help="top of the score scale (default 5)"
    )
    p.add_argument(
        "--from-ledger",
        action="store_true",
        help="measure the financial indicators from the ledger (needs --before and --after)",
    )
    p.add_argument(
        "--before", metavar="FROM..TO", help="the period before, e.g. 2015-01-01..2015-12-31"
    )
    p.add_argument(
        "--after", metavar="FROM..TO", help="the period after, e.g. 2016-01-01..2016-12-31"
    )
    p.add_argument(
        "--rubric", metavar="FILE.toml", help="override the rubric (assessment/data/rubric.toml)"
    )
    p.add_argument("--wages", metavar="FILE.csv", help="minimum wage by year (columns year,umk)")
    p.add_argument(
        "--respondents",
        type=int,
        metavar="N",
        help="a table of indicator means over N respondents: average the unrounded k/N scores "
        "(as a report that rounded only its printed scores did)",
    )
    p.add_argument("--plot", metavar="FILE.png|svg", help="also draw the pentagon chart to a file")
    common(p)
    p.set_defaults(handler=_cmd_assess)


def _cmd_assess(args: argparse.Namespace) -> int:
    import assessment

    if args.from_ledger and not (args.before and args.after):
        raise UsageError(
            "before",
            msg("assess: --from-ledger needs --before FROM..TO and --after FROM..TO."),
        )
    if (args.before or args.after) and not args.from_ledger:
        raise UsageError("before", msg("assess: --before and --after go with --from-ledger."))
    result = assessment.assess_survey(
        args.survey,
        scale_max=args.scale_max,
        # the ledger is read for --from-ledger, or for its stories when --db is named
        books=books_reader(db_of(args)) if args.from_ledger or args.db else None,
        from_ledger=args.from_ledger,
        before=args.before,
        after=args.after,
        rubric=args.rubric,
        wages=args.wages,
        respondents=args.respondents,
    )
    if result.errors:
        first = result.errors[0]
        more = len(result.errors) - 1
        from ledger.i18n import localise, tr

        message = localise(first.message)
        if more == 1:
            message += tr(" (and 1 more error; --json lists them all)")
        elif more:
            message += tr(" (and {more} more errors; --json lists them all)", more=more)
        sys.stderr.write(f"kerang: {message}\n")
        if args.json:
            emit_json({"error": {"code": first.code, "message": message}, **result.as_json()})
        return EXIT_REFUSED
    if args.plot:
        from assessment.plot import save_pentagon

        save_pentagon(result, args.plot)
    return show(args, result, _render)


def _render(console: Any, result: Any) -> None:
    from assessment.report import render

    render(result, console)
