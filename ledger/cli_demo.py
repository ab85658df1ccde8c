"""``kerang demo`` on the command line: build the Serang demo ledger and print its
reports (loaded only when the demo runs)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ledger.cli_io import EXIT_CHECK_FAILED, EXIT_OK, bar, books_reader, db_of, show
from ledger.cli_parser import common
from ledger.i18n import help_text, tr


def register(p: argparse.ArgumentParser) -> None:
    """The options of ``kerang demo``."""
    from ledger.demo import DEFAULT_SEED

    p.description = help_text(
        "Build a ledger of the Serang programme from a seeded generator (50 "
        "members, 36 partners, 90 bagan, harvests 2015 to early 2019, savings, infaq, loans, "
        "repairs, corrections), then print its summary as of 2019-01-31, the audit, a member "
        "statement, a 10-year forecast from the books and an SLIA assessment, and draw the "
        "forecast fan chart and the SLIA pentagon into --out. An existing --db is refused "
        "unless it is this demo ledger (then nothing is recorded twice)."
    )
    p.epilog = "example: kerang demo --db demo.db --out demo-out"
    common(p)
    p.add_argument("--out", default="demo-out", help="folder for the charts (default demo-out)")
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"generator seed (default {DEFAULT_SEED})"
    )
    p.add_argument("--runs", type=int, default=2000, help="forecast replications (default 2000)")
    p.set_defaults(handler=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    import assessment
    import ledger
    import simulation
    from assessment.plot import save_pentagon
    from ledger import demo
    from ledger.report import render_audit, render_import, render_statement, render_summary
    from simulation import report as forecast_report
    from simulation.plot import save_fan_charts

    db, out, as_of = db_of(args), Path(args.out), demo.CUTOFF
    built = demo.build_ledger(db, args.seed, bar(args, "building the demo ledger"))
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
        books=books_reader(db),
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
    document = {
        "ledger": built.as_json(),
        "summary": summary.as_json(),
        "audit": audit.as_json(),
        "statement": statement.as_json(),
        "forecast": forecast.as_json(),
        "assessment": slia.as_json(),
        "charts": charts,
        "charts_skipped": skipped,
    }

    def render(console: Any, _: Any) -> None:
        from assessment.report import render as render_slia

        render_import(console, built)
        render_summary(console, summary)
        render_audit(console, audit)
        render_statement(console, statement)
        forecast_report.render_forecast(forecast, console)
        render_slia(slia, console)
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

    return show(args, document, render, EXIT_OK if audit.ok else EXIT_CHECK_FAILED)
