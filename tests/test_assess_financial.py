"""The financial indicators measured from books built by hand (no database)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assessment import (  # noqa: E402
    Period,
    WageTable,
    assess,
    ledger_indicators,
    load_rubric,
    load_wages,
    parse_period,
    read_survey,
)
from assessment.financial import month_shares  # noqa: E402
from ledger.errors import InvalidInput  # noqa: E402
from ledger.split import DEFAULT_POLICY, split_net  # noqa: E402
from ledger.views import (  # noqa: E402
    BaganView,
    Books,
    HarvestView,
    MemberView,
    Movement,
    Statement,
    Story,
)

D = dt.date
YEAR_2015 = Period(D(2015, 1, 1), D(2015, 12, 31))
YEAR_2016 = Period(D(2016, 1, 1), D(2016, 12, 31))


def harvest(ref: str, day: dt.date, net: int, buyer: str | None = None) -> HarvestView:
    return HarvestView(
        ref=ref,
        date=day,
        bagan="B1",
        kg=None,
        price=None,
        gross=net,
        costs=0,
        net=net,
        shares=split_net(net, DEFAULT_POLICY),
        buyer=buyer,
    )


def member(id: str, joined: dt.date | None = None, left=None) -> MemberView:
    joined = joined or D(2015, 1, 1)
    return MemberView(id=id, name=id, joined=joined, left=left)


def statement(id: str, as_of: dt.date, **savings: int) -> Statement:
    kinds = {"pokok": 0, "wajib": 0, "sukarela": 0, "harvest": 0} | savings
    return Statement(id, as_of, 0, kinds, 0, 0)


# B1 is M1's and M2's; its manager is of M1's household
BAGAN = (BaganView("B1", ("M1", "M2"), "Pak Budi", D(2015, 1, 1), 12_000_000, "M1"),)


def books(
    as_of, members, harvests=(), movements=(), statements=(), stories=(), bagan=BAGAN
) -> Books:
    return Books(
        as_of=as_of,
        name="Koperasi",
        started=D(2015, 1, 1),
        policy=DEFAULT_POLICY,
        members=tuple(members),
        bagan=bagan,
        statements={s.member: s for s in statements},
        harvests=tuple(harvests),
        movements=tuple(movements),
        stories=tuple(stories),
    )


MEMBERS = [
    member("M1"),
    member("M2"),
    member("M3", left=D(2015, 6, 1)),
    member("M4", joined=D(2016, 3, 1)),
]
HARVESTS = [
    harvest("H0", D(2015, 7, 1), 4_000_000),  # 2015: members' share 2,400,000; no buyer
    harvest("H1", D(2016, 6, 1), 30_000_000, "Pak Ali"),
    harvest("H2", D(2016, 6, 20), 30_000_000, " pak  ali "),  # the same buyer
    harvest("H3", D(2016, 12, 1), 30_000_000, "Bu Rina"),
    harvest("H4", D(2017, 1, 2), 30_000_000, "Later"),  # outside both periods
]
MOVEMENTS = [
    Movement("L1", D(2016, 3, 1), "loan.disburse", "M1", 500_000),
    Movement("L2", D(2016, 4, 1), "loan.disburse", "M1", 250_000),
    Movement("L3", D(2015, 4, 1), "loan.repay", "M2", 100_000),  # not a loan given
    Movement("P1", D(2016, 5, 1), "peeling.pay", "M2", 600_000),  # a partner peels
    Movement("P2", D(2016, 5, 1), "peeling.pay", "M4", 300_000),  # so does another member
]


def the_books():
    before = books(
        D(2015, 12, 31),
        MEMBERS[:3],
        [h for h in HARVESTS if h.date.year == 2015],
        [m for m in MOVEMENTS if m.date.year == 2015],
        [
            statement("M1", D(2015, 12, 31), harvest=160_000),
            statement("M2", D(2015, 12, 31), harvest=160_000),
        ],
    )
    after = books(
        D(2016, 12, 31),
        MEMBERS,
        [h for h in HARVESTS if h.date.year <= 2016],
        MOVEMENTS,
        [
            statement("M1", D(2016, 12, 31), harvest=2_000_000, wajib=50_000),
            statement("M2", D(2016, 12, 31), harvest=2_000_000),
            statement("M4", D(2016, 12, 31), pokok=100_000),
        ],
    )
    return before, after


def measured(**kw):
    before, after = the_books()
    result = ledger_indicators(before, after, before=YEAR_2015, after=YEAR_2016, **kw)
    return {i.key: i for i in result.indicators}, result


def test_household_income_is_per_partner_household_against_minimum_wage():
    indicators, result = measured()
    income = indicators["household_income"]
    # 2015: partner households M1, M2; the partners' 60 % and, B1's manager
    # being of M1's household, the manager's 30 %
    share = split_net(4_000_000, DEFAULT_POLICY)
    assert income.before.figure == pytest.approx(
        (share.members + share.manager) / 2 / 12 / 2_375_000  # UMK 2015
    )
    # 2016: three harvests, 18,000,000 to the partners and 9,000,000 to the
    # manager each, and M2's peeling wages (M4's are not a partner household's)
    per_month = (3 * 18_000_000 + 3 * 9_000_000 + 600_000) / 2 / 12
    assert income.after.figure == pytest.approx(per_month / 2_648_125)
    assert income.after.score == 5  # above 1 × UMK
    assert income.before.score == 0
    assert "Rp 3.400.000/month" in income.after.detail and "1.28 × UMK" in income.after.detail
    assert "2 households" in income.after.detail
    assert "other members earned Rp 300.000 peeling" in income.after.detail
    assert not any("minimum wage table has no" in w.message for w in result.warnings)


def test_household_income_is_the_forecasts_definition():
    """The forecast's household income and the assessment's are one function."""
    from simulation.books import household_income

    _, after = the_books()
    one = after.household_income(D(2016, 1, 1), D(2016, 12, 31))
    assert one.mussel == 3 * 18_000_000 + 3 * 9_000_000 and one.households == 2
    assert household_income(after, D(2015, 12, 31), D(2016, 12, 31), 2) == pytest.approx(
        one.mussel / 2 / (366 / 30.4375)
    )


def test_savings_per_member_at_the_end_of_the_period():
    indicators, _ = measured()
    savings = indicators["savings"]
    assert savings.before.figure == pytest.approx(320_000 / 3)
    assert savings.after.figure == pytest.approx(4_150_000 / 3)
    assert (savings.before.score, savings.after.score) == (1, 4)
    assert "per member" in savings.after.detail


def test_cash_turnover_is_the_share_of_months_with_sales():
    indicators, _ = measured()
    turnover = indicators["cash_turnover"]
    assert turnover.before.figure == pytest.approx(1 / 12)
    assert turnover.after.figure == pytest.approx(2 / 12)  # June (twice) and December
    assert (turnover.before.score, turnover.after.score) == (1, 2)


def test_access_to_capital_is_the_share_of_members_who_borrowed():
    indicators, _ = measured()
    access = indicators["access_to_capital"]
    assert access.before.figure == 0 and access.before.score == 0
    assert access.after.figure == pytest.approx(1 / 3)  # M1 twice counts once
    assert access.after.score == 3
    assert "Rp 750.000 in 2 loans" in access.after.detail


def test_business_network_counts_distinct_buyers():
    indicators, _ = measured()
    network = indicators["business_network"]
    assert network.before.figure == 0 and "1 without a buyer" in network.before.detail
    assert network.after.figure == 2  # "Pak Ali" and " pak  ali " are one buyer
    assert network.after.score == 2


def test_capital_score_from_the_ledger_is_the_mean_of_its_indicators():
    _, result = measured()
    afters = [i.after.score for i in result.indicators]
    assert result.after == pytest.approx(sum(afters) / 5)
    assert result.change == pytest.approx(result.after - result.before)


def test_scores_are_stretched_to_the_survey_scale():
    plain, _ = measured()
    stretched, _ = measured(scale_max=10)
    for key in plain:
        assert stretched[key].after.score == 2 * plain[key].after.score
        assert stretched[key].after.figure == plain[key].after.figure


def test_a_user_rubric_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "rubric.toml"
    path.write_text("[indicators.business_network]\nlevels = [0, 1, 1, 1, 2, 2]\n")
    indicators, result = measured(rubric=load_rubric(path))
    assert indicators["business_network"].after.score == 5  # 2 buyers now top the scale
    assert indicators["savings"].after.score == 4  # untouched
    assert indicators["business_network"].name == "Business network"
    assert result.rubric == str(path)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[indicators.savings]\nlevels = [0, 1, 2]\n", "6 numbers"),
        ("[indicators.savings]\nlevels = [0, 5, 4, 6, 7, 8]\n", "must not decrease"),
        ("[indicators.wealth]\nlevels = [0, 1, 2, 3, 4, 5]\n", "'wealth'"),
        ("scale = 0\n", "scale"),
        ("this is = not toml [", "cannot be read"),
    ],
)
def test_a_bad_rubric_is_refused(tmp_path, content, words):
    path = tmp_path / "rubric.toml"
    path.write_text(content)
    with pytest.raises(InvalidInput, match=words.replace("(", r"\(")):
        load_rubric(path)


def test_the_shipped_rubric_and_wage_table():
    rubric = load_rubric()
    assert rubric.scale == 5 and len(rubric.entries) == 5
    for entry in rubric.entries.values():
        assert len(entry.levels) == 6 and list(entry.levels) == sorted(entry.levels)
        assert entry.score(entry.levels[3]) == 3
        assert entry.score(-1) == 0 and entry.score(10**12) == 5
    wages = load_wages()
    assert wages.for_year(2016) == (2_648_125, 2016)  # the programme report's figure
    assert wages.for_year(2025) == (4_418_261, 2025)
    assert wages.for_year(2015) == (2_375_000, 2015)  # Kota Serang, before the programme
    assert wages.for_year(2014) == (2_375_000, 2015)
    assert wages.for_year(2016)[0] == round(2_375_000 * 1.115)  # the national formula
    assert wages.for_year(2030)[1] == 2025


def test_a_period_spanning_years_weighs_the_wages_by_month(tmp_path):
    path = tmp_path / "wages.csv"
    path.write_text("year,umk\n2015,2.000.000\n2016,3000000\n")
    before, after = the_books()
    span = Period(D(2015, 7, 1), D(2016, 6, 30))
    result = ledger_indicators(before, after, before=span, after=span, wages=load_wages(path))
    income = result.indicators[0]
    assert "UMK Rp 2.500.000" in income.after.detail
    assert not result.warnings


def test_month_shares_count_part_months():
    shares = month_shares(Period(D(2016, 1, 16), D(2016, 3, 31)))
    assert [(m, round(s, 4)) for _, m, s in shares] == [
        (1, round(16 / 31, 4)),
        (2, 1.0),
        (3, 1.0),
    ]
    assert sum(s for _, _, s in month_shares(YEAR_2016)) == pytest.approx(12)


@pytest.mark.parametrize(
    "text",
    [
        "2016",
        "2016-01-01-2016-12-31",
        "2016-12-31..2016-01-01",
        "2016-02-30..2016-03-01",
        None,
    ],
)
def test_a_bad_period_is_refused(text):
    with pytest.raises(InvalidInput, match="--after"):
        parse_period(text, "after")


def test_parse_period():
    assert parse_period(" 2015-01-01 .. 2015-12-31 ", "before") == YEAR_2015


def test_no_members_gives_no_score():
    empty = books(D(2015, 12, 31), [], bagan=())
    result = ledger_indicators(empty, empty, before=YEAR_2015, after=YEAR_2015)
    income = result.indicators[0]
    assert income.before.figure is None and income.before.score is None
    assert income.change is None


def test_ledger_indicators_stand_beside_the_survey_indicators():
    survey = read_survey(
        "capital,indicator,before,after\n"
        "Aset Keuangan,Tingkat pendapatan rumah tangga,1,3\n"
        "Aset Keuangan,Kesehatan perputaran kas usaha,1,3\n"
        "Aset Keuangan,Fasilitas kelompok,1,3\n"
        "Aset Keuangan,Jaringan rantai usaha,2,3\n"
    )
    _, ledger = measured(wages=WageTable({2016: 2_648_125}, "2016 only"))  # 2015: a warning
    result = assess(survey, ledger=ledger, stories=())
    paired = {i.key: i.survey_indicator for i in result.ledger.indicators}
    assert paired == {
        "household_income": "Tingkat pendapatan rumah tangga",
        "savings": None,
        "cash_turnover": "Kesehatan perputaran kas usaha",  # "kas", not "Fasilitas"
        "access_to_capital": None,
        "business_network": "Jaringan rantai usaha",
    }
    document = result.as_json()
    assert document["ledger"]["indicators"][0]["before"]["detail"]
    assert document["stories"] == []
    assert any(w["code"] == "ledger" for w in document["warnings"])


def test_stories_are_listed_in_date_order():
    from assessment import stories_of

    b = books(
        D(2016, 12, 31),
        MEMBERS,
        stories=[
            Story("M2", D(2016, 9, 1), "Rumah", "We fixed the roof."),
            Story("M1", D(2016, 3, 1), "Sekolah", "School fees paid on time."),
        ],
    )
    assert [s.title for s in stories_of(b)] == ["Sekolah", "Rumah"]
