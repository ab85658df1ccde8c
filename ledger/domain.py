"""The cooperative's aggregates and the business facts they record.

Command methods check the rules and raise a named refusal; the ``@event``
methods only state the fact (they re-run on every replay, so a rule tightened
later never stops old events from replaying).

Event topics are ``ledger.domain:<Aggregate>.<Event>``; ``tests/test_topics.py``
pins them so that a rename is caught before it strands recorded events (after a
rename, ``eventsourcing.utils.register_topic(old, New)`` keeps them readable).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import (
    AlreadyInitialised,
    AlreadyReversed,
    DateError,
    DuplicateId,
    InvalidInput,
    MemberInactive,
    PolicyError,
    UnknownBagan,
    UnknownMember,
)
from ledger.split import Policy, Split

NAMESPACE = uuid5(NAMESPACE_URL, "https://kerang.invalid/ledger")

SAVINGS_KINDS = ("pokok", "wajib", "sukarela", "harvest")


def transaction_id(ref: str) -> UUID:
    """One aggregate per ref: the event store itself keeps refs unique."""
    return uuid5(NAMESPACE, f"ref:{ref}")


class Cooperative(Aggregate):
    """The cooperative's register: its policies, members and bagan."""

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE, "cooperative")

    @event("Started")
    def __init__(self, name: str, started: dt.date, policy: dict[str, int]) -> None:
        self.name = name
        self.started = started
        self.policies: list[list[Any]] = [[started, policy]]
        self.members: dict[str, dict[str, Any]] = {}
        self.bagan: dict[str, dict[str, Any]] = {}

    # ----------------------------------------------------------- queries
    def policy_on(self, day: dt.date) -> Policy:
        """The policy in force on ``day``: the latest one effective on or before."""
        current = None
        for effective, points in self.policies:
            if effective <= day:
                current = points
        if current is None:
            raise DateError("date", f"--date {day} is before the ledger started ({self.started}).")
        return Policy(**current)

    def member(self, member_id: str, field: str = "member") -> dict[str, Any]:
        try:
            return self.members[member_id]
        except KeyError:
            raise UnknownMember(field, f"--{field} {member_id!r} is not a member.") from None

    def active_member(self, member_id: str, day: dt.date, field: str = "member") -> dict[str, Any]:
        m = self.member(member_id, field)
        if day < m["joined"]:
            raise MemberInactive(
                "date", f"--date {day} is before member {member_id} joined ({m['joined']})."
            )
        if m["left"] is not None:  # settled and closed, whatever the date
            raise MemberInactive(field, f"member {member_id} left the cooperative on {m['left']}.")
        return m

    def a_bagan(self, bagan_id: str) -> dict[str, Any]:
        try:
            return self.bagan[bagan_id]
        except KeyError:
            raise UnknownBagan(
                "bagan", f"--bagan {bagan_id!r} is not a registered bagan."
            ) from None

    def check_date(self, day: dt.date, field: str = "date") -> None:
        if day < self.started:
            raise DateError(
                field, f"--{field} {day} is before the ledger started ({self.started})."
            )

    # ---------------------------------------------------------- commands
    def set_policy(self, effective: dt.date, policy: Policy, last_harvest: dt.date | None) -> bool:
        """Record a policy from ``effective`` on; False if exactly this is recorded."""
        self.check_date(effective, "from")
        for existing, points in self.policies:
            if existing == effective:
                if points == policy.as_dict():
                    return False
                raise PolicyError(
                    "from",
                    f"a different policy already applies from {effective} ({Policy(**points).text()}).",
                )
        if last_harvest is not None and effective <= last_harvest:
            raise PolicyError(
                "from",
                f"--from {effective} would change harvests already recorded on or after it "
                f"(the last on {last_harvest}); a policy never applies retroactively.",
            )
        self._policy_set(effective=effective, policy=policy.as_dict())
        return True

    @event("PolicySet")
    def _policy_set(self, effective: dt.date, policy: dict[str, int]) -> None:
        self.policies.append([effective, policy])
        self.policies.sort(key=lambda p: p[0])

    def add_member(self, member_id: str, name: str, joined: dt.date) -> bool:
        self.check_date(joined)
        known = self.members.get(member_id)
        if known is not None:
            if known["name"] == name and known["joined"] == joined:
                return False
            raise DuplicateId(
                "id",
                f"member {member_id} already exists ({known['name']}, joined {known['joined']}).",
            )
        self._member_added(member_id=member_id, name=name, joined=joined)
        return True

    @event("MemberAdded")
    def _member_added(self, member_id: str, name: str, joined: dt.date) -> None:
        self.members[member_id] = {"name": name, "joined": joined, "left": None}

    def leave(self, member_id: str, day: dt.date, pokok: int, wajib: int, loan: int) -> bool:
        """Settle pokok and wajib savings and end the membership."""
        m = self.member(member_id, "id")
        if m["left"] is not None:
            if m["left"] == day:
                return False
            raise MemberInactive("id", f"member {member_id} already left on {m['left']}.")
        if day < m["joined"]:
            raise DateError(
                "date", f"--date {day} is before member {member_id} joined ({m['joined']})."
            )
        partner_of = [b for b, info in self.bagan.items() if member_id in info["partners"]]
        if partner_of:
            raise MemberInactive(
                "id",
                f"member {member_id} is a partner of bagan {', '.join(sorted(partner_of))} and cannot leave.",
            )
        if loan > 0:
            raise MemberInactive(
                "id",
                f"member {member_id} still owes a loan of {loan} rupiah; record the repayment first.",
            )
        self._member_left(member_id=member_id, left=day, pokok=pokok, wajib=wajib)
        return True

    @event("MemberLeft")
    def _member_left(self, member_id: str, left: dt.date, pokok: int, wajib: int) -> None:
        self.members[member_id]["left"] = left

    def add_bagan(
        self, bagan_id: str, partners: list[str], manager: str, added: dt.date, cost: int
    ) -> bool:
        self.check_date(added)
        if not partners:
            raise InvalidInput("partners", "--partners must name at least one member.")
        if len(set(partners)) != len(partners):
            raise InvalidInput(
                "partners", f"--partners names a member twice ({','.join(partners)})."
            )
        known = self.bagan.get(bagan_id)
        if known is not None:
            if (known["partners"], known["manager"], known["added"], known["cost"]) == (
                sorted(partners),
                manager,
                added,
                cost,
            ):
                return False
            raise DuplicateId("id", f"bagan {bagan_id} already exists with other details.")
        for p in partners:
            self.active_member(p, added, "partners")
        self._bagan_added(
            bagan_id=bagan_id, partners=sorted(partners), manager=manager, added=added, cost=cost
        )
        return True

    @event("BaganAdded")
    def _bagan_added(
        self, bagan_id: str, partners: list[str], manager: str, added: dt.date, cost: int
    ) -> None:
        self.bagan[bagan_id] = {
            "partners": partners,
            "manager": manager,
            "added": added,
            "cost": cost,
        }


def start_cooperative(
    name: str, started: dt.date, policy: Policy, existing: Cooperative | None
) -> Cooperative | None:
    """``kerang init``: None when exactly this cooperative is already started."""
    if existing is not None:
        if (
            existing.name == name
            and existing.started == started
            and existing.policies[0][1] == policy.as_dict()
        ):
            return None
        raise AlreadyInitialised(
            "name", f"this ledger was already started as {existing.name!r} on {existing.started}."
        )
    return Cooperative(name=name, started=started, policy=policy.as_dict())


class Transaction(Aggregate):
    """A money transaction, identified by the caller's ref (a receipt number)."""

    kind = "transaction"
    # plain class attributes, not annotations: eventsourcing makes annotations fields
    reversed_by = None
    reversed_on = None

    @staticmethod
    def create_id(ref: str) -> UUID:
        return transaction_id(ref)

    def command(self) -> dict[str, Any]:
        """The normalised command that recorded this (the import/export line)."""
        raise NotImplementedError

    def reverse(self, by_ref: str, day: dt.date, reason: str) -> None:
        self.check_reversible(day)
        self._reversed(by_ref=by_ref, day=day, reason=reason)

    def check_reversible(self, day: dt.date) -> None:
        if isinstance(self, Correction | Story):
            raise InvalidInput(
                "reverses",
                f"ref {self.ref} is a {self.kind}, not a transaction that can be reversed.",
            )
        if self.reversed_by is not None:
            raise AlreadyReversed(
                "reverses",
                f"ref {self.ref} was already reversed by {self.reversed_by} on {self.reversed_on}.",
            )
        if day < self.date:
            raise DateError(
                "date", f"--date {day} is before the transaction it reverses ({self.date})."
            )

    @event("Reversed")
    def _reversed(self, by_ref: str, day: dt.date, reason: str) -> None:
        self.reversed_by = by_ref
        self.reversed_on = day


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


class Harvest(Transaction):
    """A harvest sale and its exact split."""

    kind = "harvest"

    @event("Recorded")
    def __init__(
        self,
        ref: str,
        date: dt.date,
        bagan: str,
        kg: Decimal | None,
        price: int | None,
        revenue: int | None,
        costs: int,
        buyer: str | None,
        gross: int,
        net: int,
        policy: dict[str, int],
        shares: dict[str, int],
        manager: str,
        income: dict[str, int],
        savings: dict[str, int],
    ) -> None:
        self.ref, self.date, self.bagan = ref, date, bagan
        self.kg, self.price, self.revenue, self.costs, self.buyer = kg, price, revenue, costs, buyer
        self.gross, self.net, self.policy, self.shares = gross, net, policy, shares
        self.manager, self.income, self.savings = manager, income, savings

    @property
    def split(self) -> Split:
        return Split(**self.shares)

    def command(self) -> dict[str, Any]:
        return _drop_none(
            {
                "op": "harvest",
                "ref": self.ref,
                "date": self.date.isoformat(),
                "bagan": self.bagan,
                "kg": None if self.kg is None else str(self.kg),
                "price": self.price,
                "revenue": self.revenue,
                "costs": self.costs,
                "buyer": self.buyer,
            }
        )


class _SavingsMovement(Transaction):
    def command(self) -> dict[str, Any]:
        return {
            "op": self.kind,
            "ref": self.ref,
            "date": self.date.isoformat(),
            "member": self.member,
            "kind": self.savings_kind,
            "amount": self.amount,
        }


class SavingsDeposit(_SavingsMovement):
    kind = "savings.deposit"

    @event("Recorded")
    def __init__(
        self, ref: str, date: dt.date, member: str, savings_kind: str, amount: int
    ) -> None:
        self.ref, self.date, self.member, self.savings_kind, self.amount = (
            ref,
            date,
            member,
            savings_kind,
            amount,
        )


class SavingsWithdrawal(_SavingsMovement):
    kind = "savings.withdraw"

    @event("Recorded")
    def __init__(
        self, ref: str, date: dt.date, member: str, savings_kind: str, amount: int
    ) -> None:
        self.ref, self.date, self.member, self.savings_kind, self.amount = (
            ref,
            date,
            member,
            savings_kind,
            amount,
        )


class InfaqReceipt(Transaction):
    kind = "infaq.receive"

    @event("Recorded")
    def __init__(self, ref: str, date: dt.date, amount: int, member: str | None) -> None:
        self.ref, self.date, self.amount, self.member = ref, date, amount, member

    def command(self) -> dict[str, Any]:
        return _drop_none(
            {
                "op": self.kind,
                "ref": self.ref,
                "date": self.date.isoformat(),
                "amount": self.amount,
                "member": self.member,
            }
        )


class InfaqDisbursement(Transaction):
    kind = "infaq.disburse"

    @event("Recorded")
    def __init__(self, ref: str, date: dt.date, amount: int, purpose: str) -> None:
        self.ref, self.date, self.amount, self.purpose = ref, date, amount, purpose

    def command(self) -> dict[str, Any]:
        return {
            "op": self.kind,
            "ref": self.ref,
            "date": self.date.isoformat(),
            "amount": self.amount,
            "purpose": self.purpose,
        }


class _LoanMovement(Transaction):
    def command(self) -> dict[str, Any]:
        return {
            "op": self.kind,
            "ref": self.ref,
            "date": self.date.isoformat(),
            "member": self.member,
            "amount": self.amount,
        }


class LoanDisbursement(_LoanMovement):
    kind = "loan.disburse"

    @event("Recorded")
    def __init__(self, ref: str, date: dt.date, member: str, amount: int) -> None:
        self.ref, self.date, self.member, self.amount = ref, date, member, amount


class LoanRepayment(_LoanMovement):
    kind = "loan.repay"

    @event("Recorded")
    def __init__(self, ref: str, date: dt.date, member: str, amount: int) -> None:
        self.ref, self.date, self.member, self.amount = ref, date, member, amount


class Repair(Transaction):
    """A bagan repair paid from its partners' harvest savings."""

    kind = "repair"

    @event("Recorded")
    def __init__(
        self, ref: str, date: dt.date, bagan: str, amount: int, charges: dict[str, int]
    ) -> None:
        self.ref, self.date, self.bagan, self.amount, self.charges = (
            ref,
            date,
            bagan,
            amount,
            charges,
        )

    def command(self) -> dict[str, Any]:
        return {
            "op": self.kind,
            "ref": self.ref,
            "date": self.date.isoformat(),
            "bagan": self.bagan,
            "amount": self.amount,
        }


class Correction(Transaction):
    """Reverses every effect of an earlier transaction (the effects are posted
    by that transaction's own ``Reversed`` event)."""

    kind = "correct"

    @event("Recorded")
    def __init__(self, ref: str, date: dt.date, reverses: str, reason: str) -> None:
        self.ref, self.date, self.reverses, self.reason = ref, date, reverses, reason

    def command(self) -> dict[str, Any]:
        return {
            "op": self.kind,
            "ref": self.ref,
            "date": self.date.isoformat(),
            "reverses": self.reverses,
            "reason": self.reason,
        }


class Story(Transaction):
    """A Most Significant Change story told by a member."""

    kind = "story.add"

    @event("Recorded")
    def __init__(self, ref: str, date: dt.date, member: str, title: str, text: str) -> None:
        self.ref, self.date, self.member, self.title, self.text = ref, date, member, title, text

    def command(self) -> dict[str, Any]:
        return {
            "op": self.kind,
            "ref": self.ref,
            "date": self.date.isoformat(),
            "member": self.member,
            "title": self.title,
            "text": self.text,
        }


TRANSACTION_CLASSES: dict[str, type[Transaction]] = {
    cls.kind: cls
    for cls in (
        Harvest,
        SavingsDeposit,
        SavingsWithdrawal,
        InfaqReceipt,
        InfaqDisbursement,
        LoanDisbursement,
        LoanRepayment,
        Repair,
        Correction,
        Story,
    )
}
