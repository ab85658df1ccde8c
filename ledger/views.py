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


@attrs.frozen
class Statement:
    member: str
    as_of: dt.date
    income: int
    savings: dict[str, int]
    loan_outstanding: int
    infaq_given: int

    def as_json(self) -> dict:
        return {
            "member": self.member,
            "as_of": self.as_of.isoformat(),
            "income": self.income,
            "savings": {k: self.savings[k] for k in SAVINGS_KINDS},
            "loan_outstanding": self.loan_outstanding,
            "infaq_given": self.infaq_given,
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
