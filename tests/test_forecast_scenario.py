"""Scenario files: defaults, ranges, refusals naming the key; the split the
fast engine uses is ledger.split's, exactly."""

from __future__ import annotations

import tomllib

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import InvalidInput
from ledger.split import DEFAULT_POLICY, Policy, split_net
from simulation import PARAMS, Scenario, load_scenario, scenario_toml
from simulation.model import split_table, split_vector
from simulation.scenario import scenario_from_mapping


def test_defaults_are_in_range_and_come_from_the_domain():
    s = Scenario()
    for p in PARAMS:
        assert p.low <= getattr(s, p.field) <= p.high, p.key
        assert p.unit and p.doc
        assert p.source in ("report", "literature", "assumed"), p.key
        assert p.source == "assumed" or p.basis, p.key  # a document named
    assert (s.start_bagan, s.start_members, s.start_fund) == (90, 36, 29_311_200)
    assert s.harvest_cycle_months == 6 and s.bagan_cost == 12_000_000
    assert s.policy == DEFAULT_POLICY


def test_printed_scenario_reads_back_as_the_defaults(tmp_path):
    text = scenario_toml()
    assert "# " in text and "[policy]" in text
    path = tmp_path / "s.toml"
    path.write_text(text)
    assert load_scenario(path) == Scenario()
    changed = attrs.evolve(Scenario(), bagan_cost=20_000_000, policy=Policy(3000, 5000, 1800, 200))
    assert scenario_from_mapping(tomllib.loads(scenario_toml(changed))) == changed


def test_a_partial_file_keeps_the_other_defaults(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        "[harvest]\nyield_kg = 1500\n[policy]\nmanager=30\nmembers=50\nsavings=18\ncooperative=2\n"
    )
    s = load_scenario(path)
    assert s.harvest_yield_kg == 1500.0 and s.policy.savings == 1800
    assert s.bagan_cost == Scenario().bagan_cost


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[harvest]\ncycle_months = 12\n", "harvest.cycle_months"),
        ("[harvest]\ncycle_months = 5.5\n", "harvest.cycle_months"),
        ("[price]\nmedian = 3000\n", "price.median"),
        ("[price]\nmedian = 'cheap'\n", "price.median"),
        ("[bagan]\ncost = 30_000_000\n", "bagan.cost"),
        ("[bagan]\nlife_years = 500\n", "bagan.life_years"),
        ("[bagan]\ncolour = 'red'\n", "bagan.colour"),
        ("[weather]\nrain = 1\n", "weather"),
        ("[finance]\ncapital_per_year = true\n", "finance.capital_per_year"),
        ("[policy]\nmanager=30\nmembers=60\nsavings=9\ncooperative=2\n", "policy"),
        ("[policy]\nmanager=30\nmembers=60\nsavings=8\nzakat=2\n", "policy.zakat"),
        ("[harvest\n", "scenario"),
    ],
)
def test_a_bad_scenario_is_refused_naming_the_key(tmp_path, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InvalidInput) as caught:
        load_scenario(path)
    assert caught.value.field == key
    assert key.split(".")[-1] in caught.value.message


def test_a_missing_scenario_file_is_refused(tmp_path):
    with pytest.raises(InvalidInput) as caught:
        load_scenario(tmp_path / "nope.toml")
    assert caught.value.field == "scenario"


POLICIES = [DEFAULT_POLICY, Policy(3333, 3333, 3333, 1), Policy(2950, 5025, 1775, 250)]


@settings(max_examples=200, deadline=None)
@given(
    nets=st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=20),
    which=st.integers(min_value=0, max_value=len(POLICIES) - 1),
)
def test_the_vectorised_split_is_ledger_split(nets, which):
    policy = POLICIES[which]
    got = split_vector(np.array(nets, dtype=np.int64), policy, _table(policy))
    for net, row in zip(nets, got, strict=True):
        s = split_net(net, policy)
        assert list(row) == [s.manager, s.members, s.savings, s.cooperative]
        assert row.sum() == net


_TABLES: dict = {}


def _table(policy):
    if policy not in _TABLES:
        _TABLES[policy] = split_table(policy)
    return _TABLES[policy]
