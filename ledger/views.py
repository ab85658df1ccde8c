"""Read-only views of the books: the public read API's result types.

``simulation`` and ``assessment`` read the ledger only through these (see
``ledger.read_books``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from ledger.split import Policy, Split

SAVINGS_KINDS: tuple[str, ...] = ("pokok", "wajib", "sukarela", "harvest")


@attrs.frozen
class MemberView:
    id: str
    name: str
    joined: dt.date
    left: dt.date | None

    def active_on(self, day: dt.date) -> bool:
        return self.joined <= day and (self.left is None or day < self.left)


@attrs.frozen
class BaganView:
    id: str
    partners: tuple[str, ...]
    manager: str
    added: dt.date
    cost: int
    manager_member: str | None = None  # the member whose household the manager belongs to
    retired: dt.date | None = None
    retire_reason: str | None = None
    paid_by: str = "grant"  # who financed it: grant, cooperative, savings, capital


@attrs.frozen
class Statement:
    member: str
    as_of: dt.date
    income: int
    savings: dict[str, int]
    loan_outstanding: int
    infaq_given: int
    peeling_wages: int = 0  # paid by the cooperative's peeling house: her own income

    def as_json(self) -> dict:
        return {
            "member": self.member,
            "as_of": self.as_of.isoformat(),
            "income": self.income,
            "savings": {k: self.savings[k] for k in SAVINGS_KINDS},
            "loan_outstanding": self.loan_outstanding,
            "infaq_given": self.infaq_given,
            "peeling_wages": self.peeling_wages,
        }


@attrs.frozen
class HarvestView:
    """One recorded, unreversed harvest."""

    ref: str
    date: dt.date
    bagan: str
    kg: Decimal | None
    price: int | None
    gross: int
    costs: int
    net: int
    shares: Split
    buyer: str | None


@attrs.frozen
class Movement:
    """A money movement other than a harvest (unreversed), in natural sign."""

    ref: str
    date: dt.date
    kind: str  # savings.deposit, savings.withdraw, loan.disburse, loan.repay, infaq.receive, infaq.disburse, repair
    member: str | None
    amount: int
    detail: str | None = None  # savings kind, infaq purpose, bagan id


@attrs.frozen
class Story:
    """A Most Significant Change story."""

    member: str
    date: dt.date
    title: str
    text: str


DAYS_PER_MONTH = 365.25 / 12


@attrs.frozen
class HouseholdIncome:
    """Mussel income (and peeling wages) of the partner households over a
    period: the one definition the forecast and the assessment share.

    A partner household is a partner of a bagan standing in the period; its
    mussel income is the partners' share of the harvests plus the manager's
    share of the bagan whose manager is recorded as of a partner's household
    (the cooperative appoints the partner's husband or family)."""

    first: dt.date
    last: dt.date
    households: int
    partners_share: int  # Rp, all partner households together
    managers_share: int  # Rp, of the bagan managed from a partner household
    peeling_wages: int  # Rp, paid by the peeling house to partners
    peeling_wages_others: int  # Rp, paid to the other members

    @property
    def months(self) -> float:
        return ((self.last - self.first).days + 1) / DAYS_PER_MONTH

    @property
    def mussel(self) -> int:
        return self.partners_share + self.managers_share

    def mussel_per_household_month(self, months: float | None = None) -> float:
        return self.mussel / max(1, self.households) / (months or self.months)


@attrs.frozen
class Books:
    """The replayed books as of a date."""

    as_of: dt.date
    name: str
    started: dt.date
    policy: Policy
    members: tuple[MemberView, ...]
    bagan: tuple[BaganView, ...]
    statements: dict[str, Statement]
    harvests: tuple[HarvestView, ...]
    movements: tuple[Movement, ...]
    stories: tuple[Story, ...]

    @property
    def harvest_savings(self) -> int:
        return sum(s.savings["harvest"] for s in self.statements.values())

    @property
    def loans_outstanding(self) -> int:
        return sum(s.loan_outstanding for s in self.statements.values())

    def household_income(self, first: dt.date, last: dt.date) -> HouseholdIncome:
        """Partner households' income over [first, last] (see HouseholdIncome)."""
        standing = [
            b for b in self.bagan if b.added <= last and (b.retired is None or b.retired >= first)
        ]
        partners = {p for b in standing for p in b.partners}
        linked = {b.id for b in self.bagan if b.manager_member}
        harvests = [h for h in self.harvests if first <= h.date <= last]
        wages = [m for m in self.movements if m.kind == "peeling.pay" and first <= m.date <= last]
        return HouseholdIncome(
            first=first,
            last=last,
            households=len(partners),
            partners_share=sum(h.shares.members for h in harvests),
            managers_share=sum(h.shares.manager for h in harvests if h.bagan in linked),
            peeling_wages=sum(m.amount for m in wages if m.member in partners),
            peeling_wages_others=sum(m.amount for m in wages if m.member not in partners),
        )
