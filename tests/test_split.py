"""Properties of the harvest arithmetic (contract rules 1-3)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidInput, PolicyError
from ledger.money import gross_of
from ledger.split import SHARES, WHOLE, Policy, divide_equally, largest_remainder, split_net


@st.composite
def policies(draw) -> Policy:
    cuts = sorted(draw(st.lists(st.integers(0, WHOLE), min_size=3, max_size=3)))
    points = [cuts[0], cuts[1] - cuts[0], cuts[2] - cuts[1], WHOLE - cuts[2]]
    return Policy(*points)


nets = st.integers(min_value=0, max_value=10**13)


@given(nets, policies())
def test_split_adds_up_exactly(net, policy):
    assert split_net(net, policy).total == net


@given(nets, policies())
def test_each_share_within_one_rupiah_of_pro_rata(net, policy):
    split = split_net(net, policy)
    for name, points in zip(SHARES, policy.points(), strict=True):
        exact = Fraction(net * points, WHOLE)
        assert abs(getattr(split, name) - exact) < 1
        assert getattr(split, name) >= int(exact)  # floor, plus at most one rupiah


@given(nets, policies())
def test_leftover_goes_to_largest_fractions_ties_in_share_order(net, policy):
    split = split_net(net, policy)
    floors = [net * p // WHOLE for p in policy.points()]
    fractions = [net * p % WHOLE for p in policy.points()]
    got_extra = [getattr(split, n) - f for n, f in zip(SHARES, floors, strict=True)]
    assert set(got_extra) <= {0, 1}
    assert sum(got_extra) == net - sum(floors)
    # anyone with an extra rupiah ranks (fraction desc, then order) before anyone without
    for i in range(4):
        for j in range(4):
            if got_extra[i] and not got_extra[j]:
                assert (fractions[i], -i) > (fractions[j], -j)


def test_tie_break_follows_manager_members_savings_cooperative():
    # 25/25/25/25 of 2 rupiah: all fractions equal; the first two shares win
    assert split_net(2, Policy(2500, 2500, 2500, 2500)).as_dict() == {
        "manager": 1,
        "members": 1,
        "savings": 0,
        "cooperative": 0,
    }
    assert split_net(3, Policy(2500, 2500, 2500, 2500)).cooperative == 0


@given(
    st.integers(0, 10**12),
    st.lists(
        st.text("ABCM0123456789", min_size=1, max_size=4), min_size=1, max_size=9, unique=True
    ),
)
def test_equal_division(amount, partners):
    parts = divide_equally(amount, partners)
    assert sum(parts.values()) == amount
    assert list(parts) == sorted(partners)
    base = amount // len(partners)
    left = amount - base * len(partners)
    # the remainder goes one rupiah each to partners in ascending ID order
    assert [parts[p] - base for p in sorted(partners)] == [1] * left + [0] * (len(partners) - left)


@given(
    st.integers(0, 10**9),
    st.lists(st.integers(0, 1000), min_size=1, max_size=8).filter(lambda w: sum(w) > 0),
)
def test_largest_remainder_is_exact_for_any_weights(amount, weights):
    parts = largest_remainder(amount, weights)
    assert sum(parts) == amount
    for part, w in zip(parts, weights, strict=True):
        assert abs(part - Fraction(amount * w, sum(weights))) < 1


@given(
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3),
    st.integers(1, 50_000),
)
def test_gross_is_kg_times_price_rounded_half_up(kg, price):
    exact = Fraction(kg) * price
    gross = gross_of(kg, price)
    assert abs(gross - exact) <= Fraction(1, 2)
    if exact - int(exact) == Fraction(1, 2):
        assert gross == int(exact) + 1


def test_policy_parsing_and_refusals():
    assert Policy.parse("manager=30,members=60,savings=8,cooperative=2").points() == (
        3000,
        6000,
        800,
        200,
    )
    assert Policy.parse("manager=29.75,members=60.25,savings=8,cooperative=2").manager == 2975
    with pytest.raises(PolicyError, match="add up to 100"):
        Policy.parse("manager=30,members=60,savings=8,cooperative=3")
    with pytest.raises(InvalidInput, match="two decimals"):
        Policy.parse("manager=29.755,members=60.245,savings=8,cooperative=2")
    with pytest.raises(InvalidInput, match="unknown"):
        Policy.parse("boss=30,members=60,savings=8,cooperative=2")
