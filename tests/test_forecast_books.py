"""Starting from the books: ages, fund, policy, and calibration from harvests."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pytest
from backends import new_db

import cli
from ledger.split import Policy, split_net
from ledger.views import BaganView, Books, HarvestView, MemberView, Statement
from simulation import Scenario, run_forecast, start_from_books
from simulation.books import MIN_HARVESTS, months_between

AS_OF = dt.date(2025, 1, 15)
POLICY = Policy(3000, 5500, 1300, 200)


def harvest(i: int, bagan: str, date: dt.date, kg: float | None, price: int | None) -> HarvestView:
    gross = round(kg * price) if kg is not None else 25_000_000
    return HarvestView(
        ref=f"H{i}",
        date=date,
        bagan=bagan,
        kg=None if kg is None else Decimal(str(kg)),
        price=price,
        gross=gross,
        costs=0,
        net=gross,
        shares=split_net(gross, POLICY),
        buyer=None,
    )


def books(harvests: tuple[HarvestView, ...]) -> Books:
    members = tuple(MemberView(f"M{i}", f"Ibu {i}", dt.date(2023, 1, 1), None) for i in range(1, 5))
    bagan = (
        BaganView("B1", ("M1", "M2"), "Budi", dt.date(2024, 1, 10), 12_000_000),
        BaganView("B2", ("M3",), "Asep", dt.date(2024, 7, 1), 12_000_000),
        BaganView("B3", ("M3", "M4"), "Ujang", dt.date(2024, 12, 20), 12_000_000),
    )
    statements = {
        m.id: Statement(m.id, AS_OF, 0, {"pokok": 0, "wajib": 0, "sukarela": 0, "harvest": s}, 0, 0)
        for m, s in zip(members, (1_000_000, 2_500_000, 0, 700_001), strict=True)
    }
    return Books(
        as_of=AS_OF,
        name="Sinar Abadi",
        started=dt.date(2023, 1, 1),
        policy=POLICY,
        members=members,
        bagan=bagan,
        statements=statements,
        harvests=harvests,
        movements=(),
        stories=(),
    )


def many_harvests(n: int) -> tuple[HarvestView, ...]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        kg = float(np.round(rng.gamma(4.0, 500.0), 1))  # mean 2000 kg, cv 0.5
        price = int(9000 * np.exp(0.1 * rng.standard_normal()))
        out.append(harvest(i, "B1", dt.date(2024, 7, 10) - dt.timedelta(days=2 * i), kg, price))
    return tuple(out)


def test_months_between():
    assert months_between(dt.date(2024, 1, 10), dt.date(2025, 1, 15)) == 12
    assert months_between(dt.date(2024, 1, 20), dt.date(2025, 1, 15)) == 11
    assert months_between(dt.date(2025, 2, 1), dt.date(2025, 1, 15)) == 0


def test_the_start_is_the_books():
    last = (harvest(1, "B1", dt.date(2024, 7, 10), 3000, 10_000),)
    start, scenario, cal = start_from_books(books(last), Scenario())
    assert start.fund == 1_000_000 + 2_500_000 + 700_001
    assert start.policy == POLICY and start.members == 4 and start.month == 1
    build, cycle = Scenario().bagan_build_months, Scenario().harvest_cycle_months
    # B1 harvested 6 months ago: due now (next month); B2 added 6 months ago,
    # B3 a month ago: due at the end of build and first grow-out
    assert start.next_harvest == (1, max(1, build + cycle - 6), build + cycle - 0)
    share = split_net(30_000_000, POLICY)
    assert start.member_income == pytest.approx(share.members / 4 / 12)
    assert start.income == pytest.approx(share.members / 4 / (365 / 30.4375))
    assert start.managed_in_household == 0  # no manager recorded as of a household
    assert cal.yield_used == 0 and cal.price_used == 0 and scenario == Scenario()
    assert any("1 of 1" in n for n in cal.notes())


def test_a_last_harvest_sets_the_next_one():
    last = (harvest(1, "B1", dt.date(2024, 11, 14), 3000, 10_000),)
    start, _, _ = start_from_books(books(last), Scenario())
    assert start.next_harvest[0] == Scenario().harvest_cycle_months - 2


def test_enough_harvests_calibrate_yield_and_price():
    hv = many_harvests(60)
    _, scenario, cal = start_from_books(books(hv), Scenario())
    kgs = np.array([float(h.kg) for h in hv])
    whole = kgs[kgs >= 0.5 * np.median(kgs)]
    assert cal.yield_used == len(whole) and cal.price_used == 60
    assert scenario.harvest_yield_kg == pytest.approx(whole.mean())
    assert scenario.harvest_yield_cv == pytest.approx(whole.std(ddof=1) / whole.mean())
    # what is below half the median is the loss, and the mean of the record is kept
    p, f = scenario.harvest_loss_probability, scenario.harvest_loss_fraction
    assert p == pytest.approx(1 - len(whole) / len(kgs))
    assert (1 - p * f) * scenario.harvest_yield_kg == pytest.approx(kgs.mean())
    assert 8500 < scenario.price_median < 9500 and 0.05 < scenario.price_volatility < 0.15
    learnt = {i.key: i for i in cal.learnt}
    assert learnt["harvest.yield_kg"].source == "books"
    assert learnt["harvest.yield_kg"].count == len(whole)
    assert learnt["bagan.unmaintained_life_years"].source == "assumed"
    assert learnt["start.bagan"].source == "books" and learnt["start.bagan"].value == 3
    assert learnt["start.month"].source == "books"
    assert any("harvest.yield_kg" in n for n in cal.notes())


def test_too_few_harvests_fall_back_to_the_scenario():
    hv = many_harvests(MIN_HARVESTS - 1) + (harvest(99, "B2", dt.date(2024, 8, 1), None, None),)
    _, scenario, cal = start_from_books(books(hv), Scenario())
    assert cal.harvests == MIN_HARVESTS and cal.yield_used == 0 and cal.price_used == 0
    assert scenario.harvest_yield_kg == Scenario().harvest_yield_kg
    assert scenario.price_median == Scenario().price_median


def test_a_forecast_from_books_starts_there():
    f = run_forecast(books=books(many_harvests(20)), years=2, runs=300, seed=1, drivers=0)
    assert f.bagan.p50[0] == 3 and f.fund.mean[0] == 4_200_001
    assert f.calibration.yield_used >= 15 and f.start.source == "ledger"


def _kerang(*args: str) -> None:
    assert cli.main(list(args)) == 0, args


def test_forecast_from_a_real_ledger(tmp_path, capsys):
    db = new_db(tmp_path)
    _kerang("init", "--name", "Sinar Abadi", "--date", "2024-01-01", "--db", db)
    for m in ("M1", "M2", "M3"):
        _kerang("member", "add", m, "--name", f"Ibu {m}", "--date", "2024-01-01", "--db", db)
    _kerang(
        "bagan",
        "add",
        "B1",
        "--partners",
        "M1,M2",
        "--manager",
        "Budi",
        "--date",
        "2024-01-01",
        "--db",
        db,
    )
    _kerang(
        "bagan",
        "add",
        "B2",
        "--partners",
        "M3",
        "--manager",
        "Asep",
        "--date",
        "2024-02-01",
        "--db",
        db,
    )
    for i, (day, bagan, kg, price) in enumerate(
        [
            ("2024-06-01", "B1", "3000", "10000"),
            ("2024-07-01", "B2", "2500", "9000"),
            ("2024-12-01", "B1", "3500", "11000"),
            ("2025-01-01", "B2", "2000", "8000"),
        ]
    ):
        _kerang(
            "harvest",
            "--ref",
            f"H{i}",
            "--date",
            day,
            "--bagan",
            bagan,
            "--kg",
            kg,
            "--price",
            price,
            "--db",
            db,
        )
    capsys.readouterr()
    code = cli.main(
        [
            "forecast",
            "--from-ledger",
            "--db",
            db,
            "--json",
            "--runs",
            "200",
            "--years",
            "3",
            "--seed",
            "4",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["start"]["source"] == "ledger" and out["start"]["bagan"] == 2
    savings = sum(
        split_net(round(float(k) * int(p)), Policy(3000, 6000, 800, 200)).savings
        for k, p in [(3000, 10000), (2500, 9000), (3500, 11000), (2000, 8000)]
    )
    assert out["fund"]["p50"][0] == savings
    assert out["calibration"]["harvests"] == 4 and out["calibration"]["yield_used"] == 0
    assert len(out["bagan"]["p50"]) == 4
