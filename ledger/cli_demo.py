"""``kerang demo`` on the command line: build the Serang demo ledger and print its
reports (``cli.py`` loads this module only when the demo runs)."""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from ledger.i18n import tr


def register(p: argparse.ArgumentParser, cli: ModuleType) -> None:
    """The options of ``kerang demo``."""
    from ledger.demo import DEFAULT_SEED

    p.description = cli.i18n.help_text(
        "Build a ledger of the Serang programme from a seeded generator (50 "
        "members, 36 partners, 90 bagan, harvests 2015 to early 2019, savings, infaq, loans, "
        "repairs, corrections), then print its summary as of 2019-01-31, the audit, a member "
        "statement, a 10-year forecast from the books and an SLIA assessment, and draw the "
        "forecast fan chart and the SLIA pentagon into --out. An existing --db is refused "
        "unless it is this demo ledger (then nothing is recorded twice)."
    )
    p.epilog = "example: kerang demo --db demo.db --out demo-out"
    cli.common(p)
    p.add_argument("--out", default="demo-out", help="folder for the charts (default demo-out)")
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"generator seed (default {DEFAULT_SEED})"
    )
    p.add_argument("--runs", type=int, default=2000, help="forecast replications (default 2000)")
    p.set_defaults(handler=lambda args: _run_demo(cli, args))


def _run_demo(cli: ModuleType, args: argparse.Namespace) -> int:
    from pathlib import Path

    import assessment
    import ledger
    import simulation
    from assessment.plot import save_pentagon
    from ledger import demo
    from ledger.report import render_audit, render_import, render_statement, render_summary
    from simulation import report as forecast_report
    from simulation.plot import save_fan_charts

    db, out, as_of = cli.db_of(args), Path(args.out), demo.CUTOFF
    progress = None if args.json or not sys.stderr.isatty() else cli.bar("building the demo ledger")
    built = demo.build_ledger(db, args.seed, progress)
    summary = ledger.summary(db, as_of)
    audit = ledger.audit_ledger(db)
    statement = ledger.statement(db, demo.STATEMENT_MEMBER, as_of)
    with forecast_report.progress_bar(not args.json and sys.stderr.isatty()) as progress:
        forecast = simulation.run_forecast(
            years=10,
            runs=args.runs,
            seed=args.seed,
            target=demo.TARGET_BAGAN,
            books=ledger.read_books(db, as_of),
            progress=progress,
        )
    slia = assessment.assess_survey(
        Path(assessment.__file__).parent / "data" / "demo_survey.csv",
        books=cli.books_reader(db),
        from_ledger=True,
        before=demo.BEFORE,
        after=demo.AFTER,
    )
    # drawn when matplotlib (the plot extra) is there, else named as skipped
    from ledger.charts import INSTALL, have_matplotlib

    wanted = [out / "forecast-fan.png", out / "slia-radar.png"]
    charts: list[str] = []
    skipped: list[str] = []
    if have_matplotlib():
        out.mkdir(parents=True, exist_ok=True)
        charts = [
            str(save_fan_charts(forecast, wanted[0])),
            str(save_pentagon(slia, wanted[1])),
        ]
    else:
        skipped = [str(w) for w in wanted]
    if args.json:
        cli.emit_json(
            {
                "ledger": built.as_json(),
                "summary": summary.as_json(),
                "audit": audit.as_json(),
                "statement": statement.as_json(),
                "forecast": forecast.as_json(),
                "assessment": slia.as_json(),
                "charts": charts,
                "charts_skipped": skipped,
            }
        )
    else:
        console = cli.console(args)
        render_import(console, built)
        render_summary(console, summary)
        render_audit(console, audit)
        render_statement(console, statement)
        forecast_report.render_forecast(forecast, console)
        from assessment.report import render

        render(slia, console)
        if charts:
            console.print(tr("charts: {charts}", charts=", ".join(charts)))
        if skipped:
            from rich.markup import escape

            console.print(
                tr(
                    "charts skipped (matplotlib is not installed): {charts}; to draw them: "
                    "{install}",
                    charts=escape(", ".join(skipped)),
                    install=escape(INSTALL),
                )
            )
    return cli.EXIT_OK if audit.ok else cli.EXIT_CHECK_FAILED
