"""The fast engine and the SimPy reference are the same model.

For several scenarios the distributions of bagan, fund and members' income at
several horizons agree (means within Monte Carlo error, two-sample KS), and the
comparison has power: a fast engine whose build delay is one month off is caught.
"""

from __future__ import annotations

import attrs
import numpy as np
import pytest
from scipy import stats

from ledger.split import Policy
from simulation import Scenario, Start, simulate, start_from_scenario
from simulation.model import BLOCK, FINANCE

YEARS = 4
HORIZONS = (1, 2, 4)
N_SIMPY, N_FAST = 600, 3000
ALPHA = 1e-3  # per comparison; 15 comparisons per scenario, and the totals below


def growing() -> tuple[Scenario, Start]:
    """Few bagan, a large savings share and every financing lever: the
    cooperative builds often, retired bagan are rebuilt."""
    s = attrs.evolve(
        Scenario(),
        start_bagan=12,
        start_fund=5_000_000,
        bagan_build_capacity=2,
        bagan_repair_probability=0.6,
        bagan_life_years=4.0,
        finance_reinvest_share=0.1,
        finance_shu_share=1.0,
        finance_capital_per_year=15_000_000,
        harvest_season_sd=0.2,
        policy=Policy(3000, 4000, 2800, 200),
    )
    return s, start_from_scenario(s)


def harsh() -> tuple[Scenario, Start]:
    """Long build, 5-month cycle, volatile, seasonal and trending prices,
    frequent spoilt harvests, repairs the fund cannot always pay."""
    s = attrs.evolve(
        Scenario(),
        start_bagan=15,
        start_month=7,
        start_fund=0,
        harvest_cycle_months=5,
        bagan_build_months=3,
        bagan_life_years=10.0,
        bagan_unmaintained_life_years=1.0,
        bagan_repair_probability=0.9,
        bagan_repair_cost=2_500_000,
        harvest_loss_probability=0.3,
        harvest_loss_fraction=0.9,
        harvest_costs=1_500_000,
        price_volatility=0.4,
        price_persistence=0.95,
        price_seasonal_amplitude=0.2,
        price_trend=0.05,
        price_trend_uncertainty=0.05,
        price_uncertainty=0.1,
        harvest_yield_uncertainty=0.1,
        bagan_reserve=0,
        policy=Policy(2000, 5000, 2800, 200),
    )
    return s, start_from_scenario(s)


def quick() -> tuple[Scenario, Start]:
    """Outside capital and a large savings share: new bagan nearly every month,
    so their timing shows."""
    s = attrs.evolve(
        Scenario(),
        start_bagan=12,
        start_fund=5_000_000,
        bagan_build_capacity=2,
        bagan_repair_probability=0.2,
        bagan_reserve=0,
        harvest_season_sd=0.0,
        finance_capital_per_year=30_000_000,
        policy=Policy(3000, 4000, 2800, 200),
    )
    return s, start_from_scenario(s)


def uneven() -> tuple[Scenario, Start]:
    """A start as the books give it: bagan due at uneven months."""
    s = attrs.evolve(Scenario(), harvest_yield_cv=1.0, policy=Policy(3000, 5000, 1800, 200))
    due = (1, 1, 1, 2, 2, 3, 5, 6, 6, 6, 7, 7)
    return s, Start(next_harvest=due, fund=15_000_000, members=9, policy=s.policy, month=3)


SCENARIOS = {"growing": growing, "harsh": harsh, "quick": quick, "uneven": uneven}


def outcomes(scenario, start, engine: str, runs: int, seed: int) -> dict:
    p = simulate(scenario, start, YEARS, runs, seed, engine, monthly=True)
    return {
        "bagan": p.bagan,
        "fund": p.fund,
        "income": p.members_share,
        "manager": p.manager_share,
        "producing": p.monthly_producing[:, ::12],
    }


def disagreements(a: dict, b: dict) -> list[str]:
    found = []
    for name in a:
        for y in HORIZONS:
            x, z = a[name][:, y].astype(float), b[name][:, y].astype(float)
            se = np.sqrt(x.var(ddof=1) / len(x) + z.var(ddof=1) / len(z))
            if se == 0:
                if x.mean() != z.mean():
                    found.append(f"{name}@{y}: constant {x.mean()} vs {z.mean()}")
                continue
            zscore = abs(x.mean() - z.mean()) / se
            ks = stats.ks_2samp(x, z).pvalue
            if zscore > 4 or ks < ALPHA:
                found.append(f"{name}@{y}: z={zscore:.1f} KS p={ks:.2g}")
    return found


def totals(scenario, start, engine: str, runs: int, seed: int) -> dict:
    """Built by each source, rebuilt and retired by cause over the horizon."""
    p = simulate(scenario, start, YEARS, runs, seed, engine)
    out = {f"built {k}": p.built[:, i] for i, k in enumerate(FINANCE)}
    out |= {"rebuilt": p.rebuilt, "kept up": p.retired[:, 0], "run down": p.retired[:, 1]}
    return out


@pytest.fixture(scope="module")
def reference() -> dict:
    return {name: outcomes(*make(), "simpy", N_SIMPY, seed=11) for name, make in SCENARIOS.items()}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_fast_engine_matches_simpy(name, reference):
    fast = outcomes(*SCENARIOS[name](), "fast", N_FAST, seed=12)
    # the scenario does something: bagan are built and the outcome varies
    assert fast["bagan"][:, YEARS].std() > 0 and fast["fund"][:, YEARS].std() > 0
    assert disagreements(fast, reference[name]) == []


@pytest.mark.parametrize("name", ["growing", "harsh"])
def test_the_drivers_match_too(name):
    """Bagan built by each source, rebuilt and retired by cause: same distributions."""
    scenario, start = SCENARIOS[name]()
    fast = totals(scenario, start, "fast", N_FAST, 12)
    slow = totals(scenario, start, "simpy", N_SIMPY // 2, 11)
    busy = [k for k in fast if fast[k].std() > 0]
    assert len(busy) >= 3  # the levers really work in this scenario
    for key in busy:
        x, z = fast[key].astype(float), slow[key].astype(float)
        se = np.sqrt(x.var(ddof=1) / len(x) + z.var(ddof=1) / len(z))
        assert abs(x.mean() - z.mean()) <= 4 * se, key
        assert stats.ks_2samp(x, z).pvalue >= ALPHA, key


def test_a_build_delay_off_by_one_month_is_caught(reference):
    scenario, start = quick()
    altered = attrs.evolve(scenario, bagan_build_months=scenario.bagan_build_months + 1)
    fast = outcomes(altered, start, "fast", N_FAST, seed=12)
    assert len(disagreements(fast, reference["quick"])) >= 2


def test_results_do_not_depend_on_workers():
    scenario, start = growing()
    runs = 2 * BLOCK + 37  # a partial last block
    one = simulate(scenario, start, 3, runs, 5, "fast", workers=1)
    two = simulate(scenario, start, 3, runs, 5, "fast", workers=2)
    for field in attrs.fields(type(one)):
        assert np.array_equal(getattr(one, field.name), getattr(two, field.name)), field.name
    simpy_one = simulate(scenario, start, 2, 30, 5, "simpy", workers=1)
    simpy_two = simulate(scenario, start, 2, 30, 5, "simpy", workers=2)
    assert np.array_equal(simpy_one.fund, simpy_two.fund)


def test_the_seed_fixes_the_results_and_a_prefix_of_runs_is_stable():
    scenario, start = growing()
    a = simulate(scenario, start, 3, 1500, 9)
    b = simulate(scenario, start, 3, 1500, 9)
    c = simulate(scenario, start, 3, 1500, 10)
    longer = simulate(scenario, start, 3, 2500, 9)
    assert np.array_equal(a.fund, b.fund)
    assert not np.array_equal(a.fund, c.fund)
    assert np.array_equal(longer.fund[:1500], a.fund)


def test_scenarios_with_the_same_seed_share_random_numbers():
    """Common random numbers: a change that leaves prices alone leaves the
    price-driven part of the outcome correlated run by run."""
    scenario, start = growing()
    dearer = attrs.evolve(scenario, bagan_cost=14_000_000)
    a = simulate(scenario, start, 2, 2000, 3).members_share[:, 1].astype(float)
    b = simulate(dearer, start, 2, 2000, 3).members_share[:, 1].astype(float)
    other = simulate(dearer, start, 2, 2000, 4).members_share[:, 1].astype(float)
    assert np.corrcoef(a, b)[0, 1] > 0.8
    assert abs(np.corrcoef(a, other)[0, 1]) < 0.1


def test_the_engines_and_the_assessment_load_without_the_ledgers_storage():
    """simulation and assessment read the books through the read API only:
    importing them loads neither eventsourcing nor the ledger's storage."""
    import subprocess
    import sys

    code = (
        "import sys, simulation.fast, simulation, simulation.backtest, assessment\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] == 'eventsourcing'\n"
        "         or m in ('ledger.app', 'ledger.store', 'ledger.pgstore', 'ledger.audit')]\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
