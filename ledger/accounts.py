"""The chart of accounts, postings and the postings of a close and of a bagan's financing.

The postings of each recorded fact are ``ledger.projection``'s (it reads the domain's
events; this module stays a leaf the domain itself may use).

Amounts are debits positive, credits negative; every fact's postings add up to
exactly zero. ``member`` names the member's sub-ledger ('' for none), so that
savings, loans and infaq given per member add up to their control accounts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

CASH = "Assets:Cash:Operating"
INFAQ_CASH = "Assets:Cash:Infaq"
LOANS = "Assets:Receivable:Loans"
BAGAN = "Assets:Fixed:Bagan"
SAVINGS = {
    "pokok": "Liabilities:Savings:Pokok",
    "wajib": "Liabilities:Savings:Wajib",
    "sukarela": "Liabilities:Savings:Sukarela",
    "harvest": "Liabilities:Savings:Harvest",
}
INFAQ_FUND = "Liabilities:Funds:Infaq"
GRANTS = "Equity:Grants:Programme"
SALES = "Income:Harvest:Sales"
HARVEST_COSTS = "Expenses:Harvest:Costs"
MANAGER_SHARE = "Expenses:Harvest:ManagerShare"
PARTNER_SHARE = "Expenses:Harvest:PartnerShare"
SAVINGS_SHARE = "Expenses:Harvest:SavingsShare"
OTHER_INCOME = "Income:Cooperative:Other"
OPERATING = "Expenses:Cooperative:Operating"
PEELING_WAGES = "Expenses:Peeling:Wages"  # the peeling house's wages, by member
OUTSIDE_CAPITAL = "Equity:Capital:Outside"  # capital raised from outside to build bagan
MEMBERS_BAGAN = "Equity:Bagan:Members"  # bagan the partners paid from their savings
# year-end close: the SHU and where it is appropriated to
RESERVE = "Equity:Reserve"
SHU_MEMBERS = "Liabilities:SHU:Members"
EDUCATION_FUND = "Liabilities:Funds:Education"
SOCIAL_FUND = "Liabilities:Funds:Social"
NOMINAL = ("Income:", "Expenses:")  # closed into the SHU at year end


def shu_account(year: int) -> str:
    """Holds a year's loss (an SHU below zero), which nothing is appropriated from."""
    return f"Equity:SHU:{year}"


def is_nominal(account: str) -> bool:
    return account.startswith(NOMINAL)


ACCOUNTS: tuple[str, ...] = (
    CASH,
    INFAQ_CASH,
    LOANS,
    BAGAN,
    *SAVINGS.values(),
    INFAQ_FUND,
    GRANTS,
    SALES,
    HARVEST_COSTS,
    MANAGER_SHARE,
    PARTNER_SHARE,
    SAVINGS_SHARE,
    OTHER_INCOME,
    OPERATING,
    PEELING_WAGES,
    OUTSIDE_CAPITAL,
    MEMBERS_BAGAN,
    SHU_MEMBERS,
    EDUCATION_FUND,
    SOCIAL_FUND,
    RESERVE,
)

# Balances that may never fall below zero, in their natural sign (+1 debit-normal).
GUARDED: dict[str, int] = {**{a: -1 for a in SAVINGS.values()}, LOANS: +1, INFAQ_FUND: -1}


@attrs.frozen
class Posting:
    account: str
    member: str
    amount: int


@attrs.frozen
class Entry:
    """The postings of one fact, dated, under a ref (or a register label)."""

    ref: str
    date: dt.date
    postings: tuple[Posting, ...]


def close_postings(close: dict[str, Any]) -> list[Posting]:
    """A year's close: its Income and Expenses balances closed (on the control
    accounts; member sub-ledgers keep each member's history) and the SHU
    appropriated to the reserve, the members and the funds — or, for a loss,
    left in ``Equity:SHU:<YEAR>``."""
    out = [Posting(account, "", -amount) for account, amount in close["closing"].items()]
    shu = close["shu"]
    if shu <= 0:
        return out + ([Posting(shu_account(close["year"]), "", -shu)] if shu else [])
    out.append(Posting(RESERVE, "", -close["reserve"]))
    for m in sorted(set(close["jasa_usaha"]) | set(close["jasa_modal"])):
        out.append(
            Posting(
                SHU_MEMBERS, m, -(close["jasa_usaha"].get(m, 0) + close["jasa_modal"].get(m, 0))
            )
        )
    out.append(Posting(EDUCATION_FUND, "", -close["funds"]["education"]))
    out.append(Posting(SOCIAL_FUND, "", -close["funds"]["social"]))
    return [p for p in out if p.amount]


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def financing_postings(
    paid_by: str, cost: int, charges: dict[str, int], new: bool
) -> list[Posting]:
    """Who paid for a bagan. A new bagan was first booked against the grant
    (``BaganAdded``), so its financing moves that to the real payer; a rebuild
    adds to the bagan's value. Savings pay as a repair does (each partner's
    harvest savings, the cash that holds them), and the bagan is then the
    partners' own stake."""
    first = Posting(GRANTS if new else BAGAN, "", cost)
    if paid_by == "savings":
        out = [first, Posting(MEMBERS_BAGAN, "", -cost)]
        out += [Posting(SAVINGS["harvest"], m, a) for m, a in charges.items()]
        return [*out, Posting(CASH, "", -cost)]
    if paid_by == "cooperative":
        return [first, Posting(CASH, "", -cost)]
    if paid_by == "capital":
        return [first, Posting(OUTSIDE_CAPITAL, "", -cost)]
    return [] if new else [first, Posting(GRANTS, "", -cost)]
