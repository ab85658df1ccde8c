"""The audit's checks, one by one, on small hand-written entries: no database.

Each fixture is a few events written out as the store would hold them; ``folded``
turns them into entries with the audit's own fold, and ``run`` feeds one check.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledger.audit import encode, ref_identity
from ledger.audit.checks import (
    ChainCheck,
    DoubleEntryCheck,
    EarlierHeadCheck,
    HarvestCheck,
    InfaqCheck,
    NonNegativeCheck,
    PartnerChargeCheck,
    PeriodCheck,
    ReadModelCheck,
    ReversalCheck,
    SchemaCheck,
    SequenceCheck,
    remainder_rule_broken,
    run,
)
from ledger.audit.rules import Entry, Fold
from ledger.chain import GENESIS, link

D = dt.date
COOP = "c" * 32
NEW_YEAR, FEBRUARY = D(2020, 1, 1), D(2020, 2, 1)
POLICY = {"manager": 3000, "members": 6000, "savings": 800, "cooperative": 200}


def folded(
    *events: tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], str, int],
) -> list[Entry]:
    """Entries for ``(topic, fields[, originator, version])``; transactions default to
    their ref's identity at version 1, the cooperative's events to one aggregate."""
    originals: dict[str, tuple[str, dict[str, Any]]] = {}
    fold = Fold(originals.get)
    out, coop_version = [], 0
    for seq, event in enumerate(events, start=1):
        topic, data = event[0], event[1]
        if len(event) == 4:
            oid, version = event[2], event[3]
        elif topic.startswith("Cooperative."):
            coop_version += 1
            oid, version = COOP, coop_version
        else:
            oid, version = ref_identity(data["ref"]), 1
        state = encode(data)
        entry = fold(seq, oid, version, f"ledger.domain:{topic}", state, state)
        if version == 1 and "ref" in data:
            originals[oid] = (topic, entry.data)
        out.append(entry)
    return out


def started(day: D = NEW_YEAR) -> tuple[str, dict[str, Any]]:
    return "Cooperative.Started", {"name": "K", "started": day, "policy": POLICY}


def bagan(partners: list[str]) -> tuple[str, dict[str, Any]]:
    return "Cooperative.BaganAdded", {
        "bagan_id": "B1",
        "partners": partners,
        "manager": "Pak",
        "added": D(2020, 1, 1),
        "cost": 0,
    }


def harvest(ref: str = "H1", net: int = 1001, shares: dict[str, int] | None = None, **more: Any):
    shares = shares or {"manager": 300, "members": 601, "savings": 80, "cooperative": 20}
    return "Harvest.Recorded", {
        "ref": ref,
        "date": D(2020, 6, 1),
        "bagan": "B1",
        "kg": None,
        "price": None,
        "revenue": net,
        "costs": 0,
        "buyer": None,
        "gross": net,
        "net": net,
        "policy": POLICY,
        "shares": shares,
        "manager": "Pak",
        "income": more.get("income", {"M1": 301, "M2": 300}),
        "savings": more.get("savings", {"M1": 40, "M2": 40}),
    }


def deposit(ref: str, amount: int, day: D = FEBRUARY, member: str = "M1", kind: str = "wajib"):
    return "SavingsDeposit.Recorded", {
        "ref": ref,
        "date": day,
        "member": member,
        "savings_kind": kind,
        "amount": amount,
    }


def withdrawal(ref: str, amount: int, day: D, member: str = "M1"):
    return "SavingsWithdrawal.Recorded", {
        "ref": ref,
        "date": day,
        "member": member,
        "savings_kind": "wajib",
        "amount": amount,
    }


# ------------------------------------------------------------------ the remainder rule
def test_the_remainder_rule_on_written_examples() -> None:
    assert remainder_rule_broken(1001, [3000, 6000, 800, 200], [300, 601, 80, 20]) == ""
    assert "pro-rata" in remainder_rule_broken(1001, [3000, 6000, 800, 200], [302, 599, 80, 20])
    assert "leftover" in remainder_rule_broken(1001, [3000, 6000, 800, 200], [301, 600, 80, 20])
    assert "add up" in remainder_rule_broken(1001, [3000, 6000, 800, 200], [300, 600, 80, 20])
    assert remainder_rule_broken(2, [1, 1, 1], [1, 1, 0]) == ""  # ties to the earlier part
    assert "leftover" in remainder_rule_broken(2, [1, 1, 1], [0, 1, 1])


@given(
    st.integers(0, 10**12),
    st.lists(st.integers(0, 10_000), min_size=1, max_size=6).filter(lambda w: sum(w) > 0),
)
def test_the_remainder_rule_accepts_the_ledgers_own_split(amount: int, weights: list[int]) -> None:
    """The domain's allocation (written apart) always passes the audit's rule, and moving
    one rupiah between two parts never does."""
    from ledger.split import largest_remainder

    parts = largest_remainder(amount, weights)
    assert remainder_rule_broken(amount, weights, parts) == ""
    if len(parts) > 1 and parts[0] > 0:
        moved = [parts[0] - 1, parts[1] + 1, *parts[2:]]
        assert remainder_rule_broken(amount, weights, moved) != ""


# ------------------------------------------------------------------ each check
def test_harvest_split_accepts_a_right_split_and_names_a_wrong_one() -> None:
    good = folded(started(), bagan(["M1", "M2"]), harvest())
    assert run(HarvestCheck(), good) == []
    moved = {"manager": 301, "members": 600, "savings": 80, "cooperative": 20}
    bad = folded(
        started(), bagan(["M1", "M2"]), harvest(shares=moved, income={"M1": 300, "M2": 300})
    )
    found = run(HarvestCheck(), bad)
    assert len(found) == 1 and "ref H1" in found[0] and "leftover" in found[0]
    unequal = folded(started(), bagan(["M1", "M2"]), harvest(income={"M1": 300, "M2": 301}))
    assert "not divided equally" in run(HarvestCheck(), unequal)[0]
    nobagan = folded(started(), harvest())
    assert "never registered" in run(HarvestCheck(), nobagan)[0]


def test_harvest_split_uses_the_policy_in_force_on_the_day() -> None:
    later = {"manager": 2000, "members": 7000, "savings": 800, "cooperative": 200}
    events = folded(
        started(),
        ("Cooperative.PolicySet", {"effective": D(2020, 3, 1), "policy": later}),
        bagan(["M1", "M2"]),
        harvest(),
    )
    assert "in force" in run(HarvestCheck(), events)[0]
    assert run(HarvestCheck(as_of=D(2020, 5, 31)), events) == []  # the harvest is later


def test_double_entry_names_an_unbalanced_entry_and_a_drifted_sub_ledger() -> None:
    assert run(DoubleEntryCheck(), folded(started(), bagan(["M1", "M2"]), harvest())) == []
    entry = folded(deposit("D1", 500))[0]
    entry.postings = [("Assets:Cash:Operating", "", 500), ("Liabilities:Savings:Wajib", "M1", -499)]
    found = run(DoubleEntryCheck(), [entry])
    assert any("add up to 1, not 0" in f for f in found)
    assert any("trial balance is 1" in f for f in found)
    # a harvest whose per-partner income differs from its members' share
    drift = folded(started(), bagan(["M1", "M2"]), harvest(income={"M1": 301, "M2": 301}))
    assert any("sub-ledgers" in f for f in run(DoubleEntryCheck(), drift))


def test_no_negative_balance_on_any_day() -> None:
    fine = folded(deposit("D1", 500), withdrawal("W1", 500, D(2020, 2, 1)))
    assert run(NonNegativeCheck(), fine) == []
    early = folded(deposit("D1", 500, D(2020, 2, 2)), withdrawal("W1", 500, D(2020, 2, 1)))
    found = run(NonNegativeCheck(), early)
    assert len(found) == 1 and "M1" in found[0] and "-500" in found[0] and "2020-02-01" in found[0]


def test_infaq_stays_apart() -> None:
    receipt = (
        "InfaqReceipt.Recorded",
        {"ref": "I1", "date": D(2020, 2, 1), "amount": 10, "member": None},
    )
    assert run(InfaqCheck(), folded(receipt)) == []
    mixed = folded(receipt)[0]
    mixed.postings = [("Assets:Cash:Operating", "", 10), ("Liabilities:Funds:Infaq", "", -10)]
    assert "mixes infaq" in run(InfaqCheck(), [mixed])[0]
    close = folded(deposit("D1", 10))[0]
    close.postings = [("Assets:Cash:Infaq", "", -10), ("Assets:Cash:Operating", "", 10)]
    assert "moves infaq money" in run(InfaqCheck(), [close])[0]


def test_reversals_need_their_correction_once() -> None:
    correction = (
        "Correction.Recorded",
        {"ref": "C1", "date": D(2020, 3, 1), "reverses": "D1", "reason": "typo"},
    )
    reversed_ = (
        "Transaction.Reversed",
        {"by_ref": "C1", "day": D(2020, 3, 1), "reason": "typo"},
        ref_identity("D1"),
        2,
    )
    good = folded(deposit("D1", 500), correction, reversed_)
    assert run(ReversalCheck(), good) == []
    assert good[2].postings == [
        ("Assets:Cash:Operating", "", -500),
        ("Liabilities:Savings:Wajib", "M1", 500),
    ]
    orphan = folded(deposit("D1", 500), reversed_)
    assert "no correction" in run(ReversalCheck(), orphan)[0]
    unreversed = folded(deposit("D1", 500), correction)
    assert "nothing was reversed" in run(ReversalCheck(), unreversed)[0]


def test_nothing_is_recorded_in_a_closed_year() -> None:
    close = (
        "Cooperative.YearClosed",
        {
            "year": 2020, "day": D(2021, 1, 10), "round": 1,
            "bylaws": {"reserve": 10000, "jasa_usaha": 0, "jasa_modal": 0, "education": 0, "social": 0},
            "closing": {}, "shu": 0, "funds": {}, "usaha_base": {}, "modal_base": {},
            "jasa_usaha": {}, "jasa_modal": {}, "reserve": 0,
        },
    )  # fmt: skip
    assert run(PeriodCheck(), folded(started(), close, deposit("D1", 5, D(2021, 1, 2)))) == []
    found = run(PeriodCheck(), folded(started(), close, deposit("D1", 5, D(2020, 12, 30))))
    assert len(found) == 1 and "closed on 2021-01-10" in found[0]


def test_schema_names_a_wrong_type_a_missing_field_and_bytes_not_canonical() -> None:
    fine = folded(deposit("D1", 5))
    assert run(SchemaCheck(), fine) == []
    as_bool = folded(deposit("D1", True))  # a bool is no amount
    assert any("wrong type" in f for f in run(SchemaCheck(), as_bool))
    topic, data = deposit("D1", 5)
    del data["member"]
    assert run(SchemaCheck(), folded((topic, data)))  # cannot even be replayed
    state = encode(deposit("D1", 5)[1])
    padded = Fold(lambda oid: None)(
        1, ref_identity("D1"), 1, f"ledger.domain:{topic}", state + b" ", state + b" "
    )
    assert "re-encode" in run(SchemaCheck(), [padded])[0]
    garbage = Fold(lambda oid: None)(1, "x", 1, "ledger.domain:Nope.Recorded", b"{}", b"{}")
    assert "unknown topic" in run(SchemaCheck(), [garbage])[0]


def test_sequence_names_a_transaction_under_another_refs_identity() -> None:
    assert run(SequenceCheck(), folded(deposit("D1", 5))) == []
    topic, data = deposit("D1", 5)
    moved = folded((topic, data, ref_identity("OTHER"), 1))
    assert "another ref's identity" in run(SequenceCheck(), moved)[0]
    assert "gap or duplicate" in run(SequenceCheck(breaks=[("abc", 3, 2)]), [])[0]


@given(st.text(min_size=1, max_size=40))
def test_a_refs_identity_is_the_published_uuid5(ref: str) -> None:
    from uuid import uuid5

    from ledger.audit import NAMESPACE

    assert ref_identity(ref) == uuid5(NAMESPACE, f"ref:{ref}").hex


def test_validate_feeds_each_check_what_it_would_see_alone() -> None:
    """The checks see the entries in batches, one check after the other: each finds
    what it finds when it is run alone, across batch boundaries too."""
    from ledger.audit import BATCH, validate

    events = [started(), bagan(["M1", "M2"])]
    for n in range(BATCH + 300):
        day = D(2020, 1 + n % 12, 1 + n % 28)
        if n % 7 == 3:
            events.append(withdrawal(f"W{n}", 900, day))
        else:
            events.append(deposit(f"D{n}", 500, day, kind="wajib" if n % 2 else "sukarela"))
    events.append(harvest(ref="H1", income={"M1": 300, "M2": 300}))
    entries = folded(*events)
    kinds = (SchemaCheck, SequenceCheck, HarvestCheck, DoubleEntryCheck, NonNegativeCheck)
    kinds += (InfaqCheck, ReversalCheck, PeriodCheck)
    alone = [run(kind(), entries) for kind in kinds]
    checks = [kind() for kind in kinds]
    assert validate(iter(entries), checks) == len(entries)
    assert [c.findings() for c in checks] == alone
    assert any(alone)  # the negative balances and the harvest's income are found


def test_chain_and_earlier_head() -> None:
    entries = folded(started(), deposit("D1", 5), deposit("D2", 6))
    links, previous = [], GENESIS
    for e in entries:
        previous = link(previous, e.seq, e.originator_id, e.version, e.stored_topic, e.state)
        links.append((e.seq, previous))
    check = ChainCheck(links)
    assert run(check, entries) == [] and check.head == previous
    changed = [*links[:1], (2, "0" * 64), *links[2:]]
    assert "breaks at event 2" in run(ChainCheck(changed), entries)[0]
    assert "event 2 is deleted" in run(ChainCheck(links), [entries[0], entries[2]])[0]
    assert "no chain link" in run(ChainCheck(links[:2]), entries)[0]
    assert run(EarlierHeadCheck(2, links[1][1]), entries) == []
    assert run(EarlierHeadCheck(None, links[1][1]), entries) == []
    assert "do not pass through" in run(EarlierHeadCheck(3, links[1][1]), entries)[0]
    assert "signature" in run(EarlierHeadCheck(2, links[1][1], signed=False), entries)[0]


def test_read_models_are_compared_row_by_row() -> None:
    entries = folded(started(), bagan(["M1", "M2"]), harvest(), deposit("D1", 500))
    refs = [
        ("H1", "harvest", "2020-06-01", '{"bagan":"B1","costs":0,"date":"2020-06-01","op":"harvest","ref":"H1","revenue":1001}', None, None),
        ("D1", "savings.deposit", "2020-02-01", '{"amount":500,"date":"2020-02-01","kind":"wajib","member":"M1","op":"savings.deposit","ref":"D1"}', None, None),
    ]  # fmt: skip
    postings = [("H1", "2020-06-01", a, m, x) for a, m, x in entries[2].postings] + [
        ("D1", "2020-02-01", a, m, x) for a, m, x in entries[3].postings
    ]
    harvests = [("H1", "2020-06-01", "B1", 1, 1001, 0, 1001, 300, 601, 80, 20)]
    monthly: dict[tuple[str, str, str], int] = {}
    for a, m, x in entries[2].postings:
        monthly[(a, m, "2020-06")] = monthly.get((a, m, "2020-06"), 0) + x
    for a, m, x in entries[3].postings:
        monthly[(a, m, "2020-02")] = monthly.get((a, m, "2020-02"), 0) + x
    totals: dict[tuple[str, str], int] = {}
    for (a, m, _), x in monthly.items():
        totals[(a, m)] = totals.get((a, m), 0) + x

    def check(**changed: Any) -> list[str]:
        tables = {
            "refs": refs,
            "postings": postings,
            "harvests": harvests,
            "monthly": [(*k, v) for k, v in monthly.items()],
            "totals": [(*k, v) for k, v in totals.items()],
            **changed,
        }
        return run(ReadModelCheck(**tables), entries)

    assert check() == []
    purpose = [refs[0], (*refs[1][:3], refs[1][3].replace("500", "5000"), None, None)]
    assert "kerang_refs" in check(refs=purpose)[0]
    moved_date = [*postings[:-1], ("D1", "2020-02-02", *postings[-1][2:])]
    assert "kerang_postings" in check(postings=moved_date)[0]
    moved_ref = [*postings[:-1], ("D2", *postings[-1][1:])]
    assert "kerang_postings" in check(postings=moved_ref)[0]
    gross = [("H1", "2020-06-01", "B1", 1, 100001001, 0, 1001, 300, 601, 80, 20)]
    assert "kerang_harvests" in check(harvests=gross)[0]
    extra = [*harvests, harvests[0]]
    assert "never recorded" in check(harvests=extra)[0]
    reversed_ref = [refs[0], (*refs[1][:4], "C9", "2020-03-01")]
    assert "reversals" in check(refs=reversed_ref)[0]
    assert "kerang_totals" in check(totals=[("Assets:Cash:Operating", "", 1)])[0]
    assert check(monthly=[(*k, v) for k, v in monthly.items()][1:])  # a month row gone


def test_a_decimal_kg_harvest_is_checked_against_kg_times_price() -> None:
    topic, data = harvest()
    data.update(kg=Decimal("10.5"), price=95, revenue=None, gross=998)  # 997.5 rounds half up
    data.update(net=998, shares={"manager": 299, "members": 599, "savings": 80, "cooperative": 20})
    data.update(income={"M1": 300, "M2": 299})
    assert run(HarvestCheck(), folded(started(), bagan(["M1", "M2"]), (topic, data))) == []
    data["gross"] = 997
    assert (
        "kg x price"
        in run(HarvestCheck(), folded(started(), bagan(["M1", "M2"]), (topic, data)))[0]
    )


def repair(ref: str, amount: int, charges: dict[str, int], day: D = FEBRUARY):
    return "Repair.Recorded", {
        "ref": ref,
        "date": day,
        "bagan": "B1",
        "amount": amount,
        "charges": charges,
        "notes": None,
    }


def test_a_repair_is_charged_equally_to_the_partners_of_its_day() -> None:
    changed = (
        "Cooperative.PartnersChanged",
        {"bagan_id": "B1", "partners": ["M3"], "effective": D(2020, 3, 1)},
    )
    good = folded(
        started(),
        bagan(["M2", "M1"]),
        repair("R1", 1001, {"M1": 501, "M2": 500}),
        changed,
        repair("R2", 7, {"M3": 7}, D(2020, 3, 1)),
    )
    assert run(PartnerChargeCheck(), good) == []
    # the same total, charged to the wrong partner: the books balance, the division does not
    moved = folded(started(), bagan(["M1", "M2"]), repair("R1", 1001, {"M1": 1001}))
    assert "not charged equally" in run(PartnerChargeCheck(), moved)[0]
    late = folded(started(), bagan(["M1"]), changed, repair("R2", 7, {"M1": 7}, D(2020, 3, 1)))
    assert "M3" in run(PartnerChargeCheck(), late)[0]
    # dated after the audit's day: not yet in its books
    assert run(PartnerChargeCheck(as_of=D(2020, 1, 31)), moved) == []


def test_a_bagan_paid_from_savings_is_charged_to_its_partners_and_no_other_payer_is() -> None:
    def financed(paid_by: str, charges: dict[str, int]) -> tuple[str, dict[str, Any]]:
        return "Cooperative.BaganFinanced", {
            "bagan_id": "B1",
            "day": D(2020, 1, 1),
            "paid_by": paid_by,
            "cost": 11,
            "charges": charges,
        }

    ok = folded(started(), bagan(["M1", "M2"]), financed("savings", {"M1": 6, "M2": 5}))
    assert run(PartnerChargeCheck(), ok) == []
    unequal = folded(started(), bagan(["M1", "M2"]), financed("savings", {"M1": 5, "M2": 6}))
    assert "not charged equally" in run(PartnerChargeCheck(), unequal)[0]
    grant = folded(started(), bagan(["M1", "M2"]), financed("grant", {"M1": 11}))
    assert "paid by grant" in run(PartnerChargeCheck(), grant)[0]


def test_a_bagan_without_partners_is_a_finding_not_a_crash() -> None:
    # only a forged register holds one: every check that divides names it
    empty = folded(started(), bagan([]), harvest(income={}, savings={}), repair("R1", 10, {}))
    assert "has no partners" in run(HarvestCheck(), empty)[0]
    assert "has no partners" in run(PartnerChargeCheck(), empty)[0]


def test_a_partner_change_or_policy_reaching_back_over_the_books_is_found() -> None:
    # the command refuses both; a forged register that moves one back is caught
    back = (
        "Cooperative.PartnersChanged",
        {"bagan_id": "B1", "partners": ["M2"], "effective": D(2020, 1, 15)},
    )
    events = folded(started(), bagan(["M1", "M2"]), repair("R1", 10, {"M1": 5, "M2": 5}), back)
    assert "partners change from 2020-01-15" in run(PartnerChargeCheck(), events)[0]
    later = ("Cooperative.PartnersChanged", {**back[1], "effective": D(2020, 2, 2)})
    fine = folded(started(), bagan(["M1", "M2"]), repair("R1", 10, {"M1": 5, "M2": 5}), later)
    assert run(PartnerChargeCheck(), fine) == []
    policy = ("Cooperative.PolicySet", {"effective": D(2020, 6, 1), "policy": POLICY})
    assert (
        "reaches back"
        in run(HarvestCheck(), folded(started(), bagan(["M1", "M2"]), harvest(), policy))[0]
    )
    assert run(HarvestCheck(), folded(started(), policy, bagan(["M1", "M2"]), harvest())) == []


def test_a_forged_charge_that_is_not_whole_rupiah_is_a_finding_not_a_crash() -> None:
    events = folded(started(), bagan(["M1", "M2"]), repair("R1", 3, {"M1": "2", "M2": 1}))
    assert not events[-1].sound and events[-1].postings == []
    assert "not whole rupiah" in run(SchemaCheck(), events)[0]
    for check in (DoubleEntryCheck(), NonNegativeCheck(), PartnerChargeCheck()):
        run(check, events)  # none adds up a text


def test_partners_that_are_not_a_list_of_ids_are_named_as_such() -> None:
    events = folded(started(), bagan("M01"), repair("R1", 3, {"M": 3}))  # type: ignore[arg-type]
    assert "not a list of member IDs" in run(PartnerChargeCheck(), events)[0]
