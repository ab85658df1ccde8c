"""A transaction kind's rules are the domain's own: ``Transaction.on(register, ...)``
checks them against the register alone, with no database and no command line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import domain
from ledger.errors import DateError, InvalidInput, MemberInactive, SavingsLocked, UnknownBagan
from ledger.split import DEFAULT_POLICY

D = dt.date


def register() -> domain.Cooperative:
    coop = domain.Cooperative(
        name="Koperasi Uji", started=D(2015, 1, 1), policy=DEFAULT_POLICY.as_dict()
    )
    for mid in ("M01", "M02", "M03"):
        coop.add_member(mid, f"Ibu {mid}", D(2015, 1, 1))
    coop.add_bagan("B01", ["M02", "M01", "M03"], "Pak Budi", D(2015, 1, 5), 12_000_000)
    return coop


def harvest(coop: domain.Cooperative, **changes: object) -> domain.Transaction:
    fields = {
        "ref": "NOTA-1",
        "date": D(2015, 6, 18),
        "bagan": "B01",
        "kg": Decimal("3000"),
        "price": 10_000,
        "revenue": None,
        "costs": 300_001,
        "buyer": None,
        "notes": None,
        **changes,
    }
    return domain.Harvest.on(coop, **fields)


def test_a_harvest_is_split_by_the_register_policy_and_divided_among_its_partners() -> None:
    txn = harvest(register())
    assert (txn.gross, txn.net) == (30_000_000, 29_699_999)
    assert txn.shares == {
        "manager": 8_910_000,
        "members": 17_819_999,
        "savings": 2_376_000,
        "cooperative": 594_000,
    }
    # 17,819,999 over three partners: the odd rupiah to the lowest IDs
    assert txn.income == {"M01": 5_940_000, "M02": 5_940_000, "M03": 5_939_999}
    assert txn.savings == {"M01": 792_000, "M02": 792_000, "M03": 792_000}
    assert txn.facts()["net"] == txn.net and txn.manager == "Pak Budi"


@given(st.integers(1, 10**12), st.integers(0, 10**12))
def test_a_harvest_never_loses_or_invents_a_rupiah(revenue: int, costs: int) -> None:
    coop = register()
    if costs > revenue:
        with pytest.raises(InvalidInput) as refused:
            harvest(coop, kg=None, price=None, revenue=revenue, costs=costs)
        assert refused.value.field == "costs"
        return
    txn = harvest(coop, kg=None, price=None, revenue=revenue, costs=costs)
    assert sum(txn.shares.values()) == txn.net == revenue - costs
    assert sum(txn.income.values()) == txn.shares["members"]
    assert sum(txn.savings.values()) == txn.shares["savings"]


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"date": D(2014, 12, 31)}, DateError, "date"),
        ({"date": D(2015, 1, 4)}, InvalidInput, "date"),  # before the bagan was added
        ({"bagan": "B99"}, UnknownBagan, "bagan"),
        ({"costs": 30_000_001}, InvalidInput, "costs"),
        ({"price": None}, InvalidInput, "price"),
        ({"revenue": 5}, InvalidInput, "revenue"),  # kg and price and revenue
    ],
)
def test_a_harvest_names_the_rule_it_breaks(changes: dict, error: type, field: str) -> None:
    with pytest.raises(error) as refused:
        harvest(register(), **changes)
    assert type(refused.value) is error and refused.value.field == field


def test_a_retired_bagan_is_not_harvested() -> None:
    coop = register()
    coop.retire_bagan("B01", D(2016, 1, 1), "storm", None)
    harvest(coop, date=D(2015, 12, 31))
    with pytest.raises(InvalidInput) as refused:
        harvest(coop, date=D(2016, 1, 1))
    assert refused.value.field == "bagan"


def test_savings_rules_live_with_their_kinds() -> None:
    coop = register()
    base = {"ref": "S-1", "date": D(2015, 2, 1), "member": "M01", "amount": 10_000, "notes": None}
    with pytest.raises(SavingsLocked) as locked:
        domain.SavingsWithdrawal.on(coop, savings_kind="pokok", **base)
    assert locked.value.field == "kind"
    domain.SavingsWithdrawal.on(coop, savings_kind="sukarela", **base)  # funds are the books'
    coop.add_member("M04", "Ibu M04", D(2015, 3, 1))
    with pytest.raises(MemberInactive) as early:  # before she joined
        domain.SavingsDeposit.on(coop, savings_kind="wajib", **{**base, "member": "M04"})
    assert early.value.field == "date"


def test_a_repair_is_charged_to_the_partners_of_its_day() -> None:
    coop = register()
    coop.change_partners("B01", ["M01", "M02"], D(2016, 1, 1), None)
    before = domain.Repair.on(
        coop, ref="R-1", date=D(2015, 12, 31), bagan="B01", amount=1_000, notes=None
    )
    after = domain.Repair.on(
        coop, ref="R-2", date=D(2016, 1, 1), bagan="B01", amount=1_001, notes=None
    )
    assert before.charges == {"M01": 334, "M02": 333, "M03": 333}
    assert after.charges == {"M01": 501, "M02": 500}
    with pytest.raises(InvalidInput) as early:  # nothing of a bagan before it was added
        domain.Repair.on(coop, ref="R-0", date=D(2015, 1, 4), bagan="B01", amount=9, notes=None)
    assert early.value.field == "date"
    assert after.facts() == {
        "bagan": "B01",
        "amount": 1_001,
        "notes": None,
        "charges": after.charges,
    }


def test_a_line_is_built_from_the_command_values_by_the_declaration() -> None:
    values = {
        "op": "savings.deposit",
        "ref": "KW-1",
        "date": D(2015, 6, 20),
        "member": "M01",
        "kind": "wajib",
        "amount": 10_000,
        "notes": None,
    }
    fields = domain.SavingsDeposit.fields_of(values)
    assert fields["savings_kind"] == "wajib"
    assert domain.SavingsDeposit.line(**fields) == {
        "op": "savings.deposit",
        "ref": "KW-1",
        "date": "2015-06-20",
        "member": "M01",
        "kind": "wajib",
        "amount": 10_000,
    }


def test_every_register_command_is_read_back_from_its_own_event() -> None:
    """The export line of a register command comes from its declaration: each written
    column names an attribute of the event that states the command (so a field added
    to a command without its event attribute fails here, not in an auditor's export)."""
    import dataclasses

    from ledger import commands

    declared = {spec.event: spec for spec in commands.COMMANDS.values() if spec.event}
    assert set(declared) >= {"Started", "MemberAdded", "BaganAdded", "YearClosed"}
    for event_name, spec in declared.items():
        for f in spec.importing:
            if f.written:
                event = getattr(domain.Cooperative, f.follows or event_name)
                attributes = {a.name for a in dataclasses.fields(event)}
                assert (f.attr or f.name).split(".")[0] in attributes, (spec.op, f.name)
