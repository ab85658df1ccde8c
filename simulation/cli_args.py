"""``kerang forecast`` on the command line: its options and handlers (loaded only
when the forecast runs)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ledger.cli_io import EXIT_OK, date_option, db_of, emit_json, show
from ledger.cli_parser import common
from ledger.errors import UsageError
from ledger.i18n import help_text, msg


def _forecast_options(p: argparse.ArgumentParser, suppress: bool) -> None:
    # On the compare/sensitivity subparsers defaults are suppressed, so options
    # given before the subcommand are not overwritten by the subparser's defaults.
    d = (lambda v: argparse.SUPPRESS) if suppress else (lambda v: v)
    p.add_argument("--years", type=int, default=d(10), help="horizon in years (default 10)")
    p.add_argument("--runs", type=int, default=d(2000), help="replications (default 2000)")
    p.add_argument("--seed", type=int, default=d(2019), help="random seed (default 2019)")
    p.add_argument(
        "--engine",
        choices=("fast", "simpy"),
        default=d("fast"),
        help="fast (numpy, default) or simpy (the reference model)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=d(1),
        help="processes (results do not depend on it)",
    )
    p.add_argument(
        "--from-ledger",
        action="store_true",
        default=d(False),
        help="start from the books in --db and calibrate from its harvests",
    )
    date_option(
        p,
        "--as-of",
        "with --from-ledger: start from the books as of this date (default: as they stand)",
        None,
        default=d(None),
    )
    p.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="ledger for --from-ledger (default $KERANG_DB, else ./kerang.db)",
    )
    common(p, db=False)


def register(p: argparse.ArgumentParser) -> None:
    """The options of ``kerang forecast`` and its ``compare`` and ``sensitivity``."""
    p.description = help_text(
        "Forecast the number of bagan, the harvest savings fund and member income "
        "by Monte Carlo simulation, from a scenario or from the books (--from-ledger)."
    )
    p.epilog = "example: kerang forecast --years 10 --from-ledger --db demo.db --target-bagan 120"
    _forecast_options(p, suppress=False)
    p.add_argument("--scenario", help="scenario TOML file (see --print-scenario)")
    p.add_argument("--target-bagan", type=int, help="report the probability of reaching N bagan")
    p.add_argument("--plot", help="also draw the fan charts to FILE.png or FILE.svg")
    p.add_argument(
        "--print-scenario",
        action="store_true",
        help="print the default scenario as TOML",
    )
    p.set_defaults(handler=_forecast)
    kinds = p.add_subparsers(dest="forecast_command", parser_class=type(p))
    c = kinds.add_parser(
        "compare",
        help="scenario B against A on common random numbers",
        description="Compare scenario B against scenario A on common random numbers.",
        epilog="example: kerang forecast compare base.toml more-bagan.toml --years 10",
    )
    c.add_argument("a", metavar="A.toml", help="the scenario compared against")
    c.add_argument("b", metavar="B.toml", help="the scenario to compare")
    _forecast_options(c, suppress=True)
    c.set_defaults(handler=_forecast_compare)
    s = kinds.add_parser(
        "sensitivity",
        help="tornado of the main parameters",
        description="How much each main parameter moves the forecast (a tornado chart).",
        epilog="example: kerang forecast sensitivity --scenario base.toml --runs 500",
    )
    s.add_argument("--scenario", default=argparse.SUPPRESS, help="scenario TOML file")
    _forecast_options(s, suppress=True)
    s.set_defaults(handler=_forecast_sensitivity)
    b = kinds.add_parser(
        "backtest",
        help="forecast from the books at one date and compare with the books at a later one",
        description="Start from the books as they stood on --from, forecast to --to and "
        "compare with what the books recorded by then: recorded value, median, 80 % band.",
        epilog="example: kerang forecast backtest --from 2017-01-01 --to 2019-01-31 --db demo.db",
    )
    date_option(b, "--from", "start date", None, dest="first", required=True)
    date_option(b, "--to", "end date", None, dest="last", required=True)
    b.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="replace a calibrated parameter, e.g. bagan.life_years=1 (repeatable)",
    )
    b.add_argument("--scenario", default=argparse.SUPPRESS, help="scenario TOML file")
    _forecast_options(b, suppress=True)
    b.set_defaults(handler=_forecast_backtest)


def _forecast_common(args: argparse.Namespace) -> dict:
    return {
        "years": args.years,
        "runs": args.runs,
        "seed": args.seed,
        "engine": args.engine,
        "workers": args.workers,
        "books": _books_as_of(args),
    }


def _books_as_of(args: argparse.Namespace) -> Any:
    """The books for --from-ledger, as they stand or at --as-of: the forecast
    reads the ledger only through its read API."""
    if not args.from_ledger:
        return None
    import ledger

    books = ledger.read_books(db_of(args), args.as_of)
    if args.as_of is not None:
        return books
    # old books: start where they end, not from a stretch of nothing
    import datetime as dt

    import simulation
    from ledger.i18n import tr

    last = _last_entry(books)
    cycle = simulation.load_scenario(getattr(args, "scenario", None)).harvest_cycle_months
    if last is not None and books.as_of > last + dt.timedelta(days=round(30.44 * cycle)):
        args.stale_note = tr(
            "The books' last entry is {last}, more than a harvest interval ({months} months) "
            "before {today}: the forecast starts from {last}.",
            last=last,
            months=cycle,
            today=books.as_of,
        )
        books = ledger.read_books(db_of(args), last)
    return books


def _last_entry(books: Any) -> Any:
    """The date of the books' last recorded entry (None for empty books)."""
    dates = [
        *(h.date for h in books.harvests),
        *(m.date for m in books.movements),
        *(m.joined for m in books.members),
        *(b.added for b in books.bagan),
    ]
    return max(dates, default=None)


def _forecast(args: argparse.Namespace) -> int:
    import simulation
    from simulation import report

    if args.print_scenario:
        text = simulation.scenario_toml(simulation.load_scenario(args.scenario))
        if args.json:  # the same scenario as one JSON document
            import tomllib

            emit_json(tomllib.loads(text))
        else:
            sys.stdout.write(text)
        return EXIT_OK
    if args.plot:  # a chart that cannot be written is refused before the simulation
        from ledger.charts import chart_target

        chart_target(args.plot, db=db_of(args))
    with report.progress_bar(not args.json and sys.stderr.isatty()) as progress:
        forecast = simulation.run_forecast(
            args.scenario, target=args.target_bagan, progress=progress, **_forecast_common(args)
        )
    if args.plot:
        from simulation.plot import save_fan_charts

        save_fan_charts(forecast, args.plot)
    note = getattr(args, "stale_note", None)
    if args.json and note:
        sys.stderr.write(f"kerang: {note}\n")

    def render(console: Any, forecast: Any) -> None:
        from ledger.i18n import tr

        if note:
            console.print(tr("[yellow]note[/]: {note}", note=note))
        report.render_forecast(forecast, console)

    return show(args, forecast, render)


def _forecast_compare(args: argparse.Namespace) -> int:
    import simulation
    from simulation import report

    return _simulated(args, simulation.compare, report.render_comparison, args.a, args.b)


def _forecast_sensitivity(args: argparse.Namespace) -> int:
    import simulation
    from simulation import report

    scenario = getattr(args, "scenario", None)
    return _simulated(args, simulation.sensitivity, report.render_tornado, scenario)


def _simulated(args: argparse.Namespace, run: Callable, render: Callable, *given: Any) -> int:
    """``run(*given, …)`` under a progress bar, shown as JSON or by ``render(result, console)``."""
    from simulation import report

    with report.progress_bar(not args.json and sys.stderr.isatty()) as progress:
        result = run(*given, progress=progress, **_forecast_common(args))
    return show(args, result, lambda console, shown: render(shown, console))


def _forecast_backtest(args: argparse.Namespace) -> int:
    import ledger
    from simulation import report
    from simulation.backtest import backtest

    overrides = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        try:
            overrides[key.strip()] = float(value) if sep else None
        except ValueError:
            overrides[key.strip()] = None
        if overrides[key.strip()] is None:
            raise UsageError("set", msg("--set {item!r} must be KEY=NUMBER.", item=item))
    db = db_of(args)
    result = backtest(
        ledger.read_books(db, args.first),
        ledger.read_books(db, args.last),
        getattr(args, "scenario", None),
        runs=getattr(args, "runs", 2000),
        seed=getattr(args, "seed", 2019),
        overrides=overrides,
    )
    return show(args, result, lambda console, shown: report.render_backtest(shown, console))
