"""The chart of accounts and the double-entry postings of each business fact.

Amounts are debits positive, credits negative; every fact's postings add up to
exactly zero. ``member`` names the member's sub-ledger ('' for none), so that
savings, loans and infaq given per member add up to their control accounts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from ledger import domain

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


def transaction_postings(txn: domain.Transaction) -> list[Posting]:
    """What a recorded transaction does to the books (before any reversal)."""
    if isinstance(txn, domain.Harvest):
        kept = txn.gross - txn.costs - txn.shares["manager"] - txn.shares["members"]
        out = [
            Posting(CASH, "", kept),
            Posting(SALES, "", -txn.gross),
            Posting(HARVEST_COSTS, "", txn.costs),
            Posting(MANAGER_SHARE, "", txn.shares["manager"]),
            Posting(SAVINGS_SHARE, "", txn.shares["savings"]),
        ]
        out += [Posting(PARTNER_SHARE, m, a) for m, a in txn.income.items()]
        out += [Posting(SAVINGS["harvest"], m, -a) for m, a in txn.savings.items()]
        return out
    if isinstance(txn, domain.SavingsDeposit):
        return [
            Posting(CASH, "", txn.amount),
            Posting(SAVINGS[txn.savings_kind], txn.member, -txn.amount),
        ]
    if isinstance(txn, domain.SavingsWithdrawal):
        return [
            Posting(CASH, "", -txn.amount),
            Posting(SAVINGS[txn.savings_kind], txn.member, txn.amount),
        ]
    if isinstance(txn, domain.InfaqReceipt):
        return [
            Posting(INFAQ_CASH, "", txn.amount),
            Posting(INFAQ_FUND, txn.member or "", -txn.amount),
        ]
    if isinstance(txn, domain.InfaqDisbursement):
        return [Posting(INFAQ_CASH, "", -txn.amount), Posting(INFAQ_FUND, "", txn.amount)]
    if isinstance(txn, domain.LoanDisbursement):
        return [Posting(LOANS, txn.member, txn.amount), Posting(CASH, "", -txn.amount)]
    if isinstance(txn, domain.LoanRepayment):
        return [Posting(LOANS, txn.member, -txn.amount), Posting(CASH, "", txn.amount)]
    if isinstance(txn, domain.Repair):
        out = [Posting(SAVINGS["harvest"], m, a) for m, a in txn.charges.items()]
        return [*out, Posting(CASH, "", -txn.amount)]
    if isinstance(txn, domain.CooperativeIncome):
        return [Posting(CASH, "", txn.amount), Posting(OTHER_INCOME, "", -txn.amount)]
    if isinstance(txn, domain.CooperativeExpense):
        return [Posting(OPERATING, "", txn.amount), Posting(CASH, "", -txn.amount)]
    if isinstance(txn, domain.PeelingPay):
        return [Posting(PEELING_WAGES, txn.member, txn.amount), Posting(CASH, "", -txn.amount)]
    if isinstance(txn, domain.ShuSettlement):
        out = [Posting(SHU_MEMBERS, m, a) for m, a in txn.amounts.items()]
        if txn.to == "sukarela":
            return out + [Posting(SAVINGS["sukarela"], m, -a) for m, a in txn.amounts.items()]
        return [*out, Posting(CASH, "", -sum(txn.amounts.values()))]
    if isinstance(txn, domain.Correction | domain.Story):
        return []  # a correction's effects are its original's Reversed event
    raise TypeError(f"no postings defined for {type(txn).__name__}")


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


def cooperative_postings(event: Any) -> list[Posting]:
    """The postings of a bagan's financing or rebuild event."""
    if isinstance(event, domain.Cooperative.BaganFinanced):
        return financing_postings(event.paid_by, event.cost, event.charges, True)
    if isinstance(event, domain.Cooperative.BaganRebuilt):
        return financing_postings(event.paid_by, event.cost, event.charges, False)
    return []


def entries_of(aggregate: Any, event: Any) -> list[Entry]:
    """The dated postings that one stored event adds to the books."""
    if isinstance(event, domain.Cooperative.YearClosed):
        close = aggregate.closes(event.year)[event.round - 1]
        postings = tuple(close_postings({"year": event.year, **close}))
        return [Entry(f"close:{event.year}", year_end(event.year), postings)] if postings else []
    if isinstance(event, domain.Cooperative.YearReopened):
        # undo the close it reopens, on the same date: the year is as before its close
        close = aggregate.closes(event.year)[event.round - 1]
        negated = tuple(
            Posting(p.account, p.member, -p.amount)
            for p in close_postings({"year": event.year, **close})
        )
        return [Entry(f"reopen:{event.year}", year_end(event.year), negated)] if negated else []
    if isinstance(event, domain.Transaction.Reversed):
        negated = [Posting(p.account, p.member, -p.amount) for p in transaction_postings(aggregate)]
        return [Entry(aggregate.ref, event.day, tuple(negated))]
    if isinstance(aggregate, domain.Transaction) and type(event).__name__ == "Recorded":
        postings = transaction_postings(aggregate)
        return [Entry(aggregate.ref, aggregate.date, tuple(postings))] if postings else []
    if isinstance(event, domain.Cooperative.MemberLeft):
        out = []
        for kind in ("pokok", "wajib"):
            amount = getattr(event, kind)
            if amount:
                out += [Posting(SAVINGS[kind], event.member_id, amount), Posting(CASH, "", -amount)]
        return [Entry(f"leave:{event.member_id}", event.left, tuple(out))] if out else []
    if isinstance(event, domain.Cooperative.BaganFinanced | domain.Cooperative.BaganRebuilt):
        label = "bagan" if isinstance(event, domain.Cooperative.BaganFinanced) else "rebuild"
        ref = f"{label}:{event.bagan_id}:{event.day.isoformat()}"
        return [Entry(ref, event.day, tuple(cooperative_postings(event)))]
    if isinstance(event, domain.Cooperative.BaganAdded) and event.cost:
        return [
            Entry(
                f"bagan:{event.bagan_id}",
                event.added,
                (Posting(BAGAN, "", event.cost), Posting(GRANTS, "", -event.cost)),
            )
        ]
    return []
