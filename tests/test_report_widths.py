"""Every report of the demo ledger stays whole at 60, 80 and 120 columns and when piped.

Each report is printed as text and as JSON; every amount, date and id of the JSON must stand
whole in the text (written as the text writes it), and no line may be wider than the
terminal. The demo ledger is built once for the whole session.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import kerang

import cli
from ledger import demo as serang
from ledger import figures
from ledger.i18n import set_language

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (60, 80, 120, None)  # None: piped, no COLUMNS
AS_OF = serang.CUTOFF.isoformat()
SCENARIO = "[harvest]\nyield_kg = 3600\n"
COUNTS = {"members", "bagan", "harvests", "events", "year", "lines", "respondents"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("widths") / "demo.db")
    serang.build_ledger(db, serang.DEFAULT_SEED)
    return db


@pytest.fixture
def computed_once(monkeypatch):
    """The audit and the simulations run once per report; each width only renders again."""
    import ledger
    import simulation

    def once(module, name: str) -> None:
        real, seen = getattr(module, name), {}

        def cached(*args, **kwargs):
            key = repr((args, sorted((k, v) for k, v in kwargs.items() if k != "progress")))
            if key not in seen:
                seen[key] = real(*args, **kwargs)
            return seen[key]

        monkeypatch.setattr(module, name, cached)

    once(ledger, "audit_ledger")
    for name in ("run_forecast", "compare", "sensitivity"):
        once(simulation, name)


@pytest.fixture(scope="session")
def scenario(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("scenario") / "more-yield.toml"
    path.write_text(SCENARIO)
    return str(path)


def run(capsys, monkeypatch, width: int | None, *argv: str) -> str:
    if width is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", str(width))
    capsys.readouterr()
    code = cli.main(list(argv))
    out = capsys.readouterr().out
    set_language("en")
    assert code == 0, out
    return out


def ledger_figures(doc, key: str = "") -> Iterator[str]:
    """Every amount (written as rupiah), date and ref of a ledger report's JSON."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from ledger_figures(v, k)
    elif isinstance(doc, list):
        for v in doc:
            yield from ledger_figures(v, key)
    elif isinstance(doc, bool) or doc is None:
        return
    elif isinstance(doc, int) and doc and key not in COUNTS:  # a zero line may be left out
        yield figures.rupiah(abs(doc))  # a credit shows in its own column, unsigned
    elif isinstance(doc, str) and (DATE.match(doc) or key in ("ref", "reverses", "reversed_by")):
        yield doc


def forecast_figures(doc) -> Iterator[str]:
    for name, fmt in (
        ("bagan", figures.count),
        ("fund", figures.juta),
        ("household_income_monthly", figures.juta),
    ):
        for q in ("p5", "p25", "p50", "p75", "p95", "mean"):
            yield from (fmt(v) for v in doc[name][q])


def compare_figures(doc) -> Iterator[str]:
    for name, fmt in (
        ("bagan", figures.count),
        ("fund", figures.juta),
        ("household_income_monthly", figures.juta),
    ):
        yield from (fmt(v) for k in ("a", "b", "diff") for v in doc[name][k])


def tornado_figures(doc) -> Iterator[str]:
    for p in doc["parameters"]:
        yield p["key"]
        yield from (figures.count(round(p["bagan"][k], 1)) for k in ("low", "high"))
        yield from (figures.juta(p["household_income_monthly"][k]) for k in ("low", "high"))


def assess_figures(doc) -> Iterator[str]:
    for capital in doc["capitals"].values():
        yield from (figures.score(capital[k]) for k in ("before", "after"))
        for indicator in capital["indicators"]:
            yield from (figures.score(indicator[k]) for k in ("before", "after"))


def reports(db: str, scenario: str) -> list[tuple[str, list[str], object]]:
    d = ("--db", db)
    forecast = ("--runs", "60", "--years", "3", "--seed", "5")
    survey = str(ROOT / "assessment" / "data" / "demo_survey.csv")
    return [
        ("summary", ["summary", "--as-of", AS_OF, *d], ledger_figures),
        ("statement", ["statement", serang.STATEMENT_MEMBER, "--as-of", AS_OF, *d], ledger_figures),
        (
            "statement-correction",
            ["statement", "M30", "--from", "2016-01-01", "--to", "2016-01-31", *d],
            ledger_figures,
        ),
        ("balance", ["balance", "--as-of", AS_OF, *d], ledger_figures),
        ("audit", ["audit", *d], None),
        ("position", ["report", "position", "--as-of", AS_OF, *d], ledger_figures),
        (
            "income",
            ["report", "income", "--from", "2018-01-01", "--to", "2018-12-31", *d],
            ledger_figures,
        ),
        (
            "infaq",
            ["report", "infaq", "--from", "2018-01-01", "--to", "2018-12-31", *d],
            ledger_figures,
        ),
        ("shu", ["report", "shu", "2017", *d], ledger_figures),
        (
            "forecast",
            ["forecast", *forecast, "--from-ledger", "--as-of", AS_OF, *d, "--target-bagan", "95"],
            forecast_figures,
        ),
        ("compare", ["forecast", "compare", scenario, scenario, *forecast], compare_figures),
        ("sensitivity", ["forecast", "sensitivity", *forecast], tornado_figures),
        ("assess", ["assess", "--survey", survey], assess_figures),
    ]


def audit_figures(doc) -> Iterator[str]:
    yield doc["head"]
    yield from (c["name"] for c in doc["checks"])


@pytest.mark.parametrize("lang", ["en", "id"])
def test_every_report_keeps_every_figure_whole_at_every_width(
    demo_db, scenario, capsys, monkeypatch, lang, computed_once
):
    import argparse

    monkeypatch.delenv("KERANG_LANG", raising=False)
    monkeypatch.setattr(argparse, "_", argparse._)  # --lang id translates argparse itself
    for name, argv, extract in reports(demo_db, scenario):
        doc = json.loads(run(capsys, monkeypatch, 100, *argv, "--json"))
        if name == "audit":
            wanted = list(audit_figures(doc))
            if lang == "id":
                wanted = [doc["head"]]  # check names are translated
        else:
            set_language(lang)
            wanted = list(extract(doc))
            set_language("en")
        assert wanted, name
        for width in WIDTHS:
            text = run(capsys, monkeypatch, width, "--lang", lang, *argv)
            where = f"{name} at {width or 'piped'} columns ({lang})"
            missing = sorted({w for w in wanted if w not in text})
            assert not missing, f"{where}: not whole: {missing[:8]}\n{text}"
            cut = re.findall(r"\S+…", text)  # "…" glued to a word: rich's cut (a range is "a … b")
            assert not cut, f"{where}: cut: {cut[:5]}"
            limit = width or 80
            wide = [
                line
                for line in text.splitlines()
                if len(line) > limit and doc.get("head", "\0") not in line
            ]
            assert not wide, f"{where}: lines wider than {limit}:\n" + "\n".join(wide)


def test_piped_output_of_a_real_process_is_whole(demo_db):
    piped = {"COLUMNS": ""}  # no width given: rich's own default for a pipe
    done = kerang("report", "shu", "2017", db=demo_db, env=piped, check=True)
    doc = json.loads(kerang("report", "shu", "2017", "--json", db=demo_db, check=True).stdout)
    for m in doc["members"]:
        assert figures.rupiah(m["total"]) in done.stdout and m["member"] in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
