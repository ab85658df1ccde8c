"""The backtest against the demo books, and what the default scenario says
against the programme report.

From the books as they stood on 2017-01-01 the forecast to 2019-01-31 holds
every value the books recorded by then inside its 80 % band; a deliberately
wrong parameter (a bagan that lasts one year) is caught on every value the
fleet drives. The forecast knows nothing after its start: the calibration is
the same whether the later books exist or not.
"""

from __future__ import annotations

import datetime as dt
import json

import attrs
import pytest
from backends import new_db
from cli_helpers import kerang

import ledger
from ledger import demo as serang
from simulation import Scenario, run_forecast
from simulation.backtest import backtest
from simulation.books import household_income, start_from_books

FIRST, LAST = dt.date(2017, 1, 1), dt.date(2019, 1, 31)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> str:
    db = new_db(tmp_path_factory.mktemp("backtest"), "demo")
    serang.build_ledger(db, serang.DEFAULT_SEED)
    return db


@pytest.fixture(scope="module")
def books(demo):
    return ledger.read_books(demo, FIRST), ledger.read_books(demo, LAST)


def test_every_recorded_value_falls_inside_its_band(books):
    result = backtest(*books, runs=2000, seed=2019)
    names = [v.name for v in result.values]
    assert names == [
        "bagan producing",
        "harvest savings credited",
        "infaq received",
        "household income/month",
        "harvest savings balance",
    ]
    for v in result.values:
        assert v.low <= v.median <= v.high, v.name
        assert v.inside, (v.name, v.recorded, v.low, v.high)
    recorded = {v.name: v.recorded for v in result.values}
    assert recorded["bagan producing"] == 90
    assert recorded["harvest savings balance"] == 29_311_200  # the report's figure
    assert result.all_inside and result.months == 25


def test_a_wrong_life_is_caught(books):
    result = backtest(*books, runs=2000, seed=2019, overrides={"bagan.life_years": 1})
    outside = {v.name for v in result.values if not v.inside}
    assert {"bagan producing", "harvest savings credited", "household income/month"} <= outside
    assert not result.all_inside


def test_a_harvest_cycle_too_long_is_caught(books):
    result = backtest(*books, runs=2000, seed=2019, overrides={"harvest.cycle_months": 8})
    assert "harvest savings credited" in {v.name for v in result.values if not v.inside}


def test_the_forecast_only_knows_the_books_at_its_start(books):
    early, late = books
    _, calibrated, cal = start_from_books(early, Scenario())
    assert all(
        i.last is None or i.last <= FIRST for i in cal.learnt
    )  # nothing learnt after the start
    assert calibrated.harvest_cycle_months == 6
    sources = {i.key: i.source for i in cal.learnt}
    for key in (
        "harvest.yield_kg",
        "harvest.yield_cv",
        "harvest.costs",
        "harvest.loss_probability",
        "price.median",
        "price.trend",
        "bagan.repair_probability",
        "bagan.repair_cost",
        "bagan.life_years",
        "bagan.cost",
    ):
        assert sources[key] == "books", key


def test_household_income_is_one_definition(books):
    """The forecast's starting household income is the books' own figure."""
    early, _ = books
    start, _, _ = start_from_books(early, Scenario())
    year_ago = FIRST - dt.timedelta(days=365)
    assert start.income == pytest.approx(household_income(early, year_ago, FIRST, 36))
    assert start.members == 36


def test_backtest_json_and_refusals(demo, capsys):
    args = ["forecast", "backtest", "--from", "2017-01-01", "--to", "2019-01-31", "--db", demo]
    code, out, _ = kerang(*args, "--json", "--runs", "500", capsys=capsys)
    doc = json.loads(out)
    assert code == 0
    assert all(isinstance(v["inside"], bool) for v in doc["values"])
    assert {"recorded", "median", "band", "inside"} <= set(doc["values"][0])
    code, _, err = kerang(*args, "--set", "bagan.life_years=abc", capsys=capsys)
    assert code == 2 and "KEY=NUMBER" in err
    code, _, err = kerang(*args, "--set", "bagan.colour=1", capsys=capsys)
    assert code == 2 and "bagan.colour" in err
    backwards = ["forecast", "backtest", "--from", "2019-01-31", "--to", "2017-01-01"]
    code, _, err = kerang(*backwards, "--db", demo, capsys=capsys)
    assert code == 2 and "--to" in err


def test_the_default_scenario_is_the_report():
    """90 bagan, 36 partner households, Rp 2-3 M a month from mussels at the
    start, and a fleet the repair fund keeps standing."""
    f = run_forecast(years=4, runs=1000, seed=3, drivers=0)
    assert f.start.bagan == 90 and f.start.members == 36
    assert 2_000_000 <= f.household_income_monthly.p50[0] <= 3_000_000
    assert 2_000_000 <= f.household_income_monthly.p50[1] <= 3_000_000
    assert f.bagan.p50[4] >= 90  # the books of the programme: all 90 still harvesting
    assert f.drivers.retired["kept_up"] + f.drivers.retired["run_down"] < 9
    sources = {p.key: p.source for p in f.parameters}
    assert sources["start.bagan"] == sources["start.members"] == "report"
    assert sources["bagan.unmaintained_life_years"] == "assumed"


def test_financing_levers_build_bagan():
    base = run_forecast(years=5, runs=500, seed=3, drivers=0)
    levers = attrs.evolve(
        Scenario(),
        finance_capital_per_year=60_000_000,
        finance_reinvest_share=0.1,
        finance_shu_share=1.0,
    )
    more = run_forecast(levers, years=5, runs=500, seed=3, drivers=0)
    built = more.drivers.built
    assert built["capital"] >= 4 * 5 - 1  # Rp 60 M a year buys five bagan of Rp 12 M
    assert built["partners"] > 0 and built["cooperative"] > 0
    assert more.bagan.mean[5] > base.bagan.mean[5] + 20
    # the partners' reinvested share is income they do not take home
    assert more.member_income_monthly.mean[1] < base.member_income_monthly.mean[1]
