"""One short handler per ledger command: load, call the domain, collect.

A handler receives the unit of work and the command's typed values (read from the
command line or an import line by ``ledger.commands.read``); the rules are the
domain's, the recording is the unit of work's. ``apply`` runs one command by its op.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ledger import accounts, commands, domain, projection
from ledger.accounts import Posting
from ledger.i18n import msg
from ledger.money import format_rupiah
from ledger.split import DEFAULT_POLICY, Policy, divide_equally, split_net
from ledger.uow import UnitOfWork

Values = dict[str, Any]
Handler = Callable[[UnitOfWork, Values], "Outcome"]
HANDLERS: dict[str, Handler] = {}


@attrs.frozen
class Outcome:
    """What a command did."""

    op: str
    key: str
    recorded: bool
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"op": self.op, "key": self.key, "recorded": self.recorded, "detail": self.detail}

    @property
    def message(self) -> str:
        if not self.recorded:
            return f"{self.op} {self.key}: already recorded."
        return f"{self.op} {self.key}: recorded{': ' + self.detail if self.detail else ''}."


def handles(*ops: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for op in ops:
            HANDLERS[op] = handler
        return handler

    return register


def apply(uow: UnitOfWork, op: object, fields: Mapping[str, Any]) -> Outcome:
    """Read one command's raw fields by its declaration and run its handler."""
    spec, values = commands.read(op, fields)
    return HANDLERS[spec.op](uow, {"op": spec.op, **values})


# ------------------------------------------------------------------ setting up
@handles("init")
def init(uow: UnitOfWork, v: Values) -> Outcome:
    policy = v["policy"] or DEFAULT_POLICY
    coop = domain.start_cooperative(v["name"], v["date"], policy, uow.coop)
    if coop is None:
        return Outcome("init", v["name"], False)
    uow.coop = coop
    uow.collect(coop)
    detail = msg(
        "started on {started} with policy {policy}", started=v["date"], policy=policy.text()
    )
    return Outcome("init", v["name"], True, detail)


@handles("policy.set")
def set_policy(uow: UnitOfWork, v: Values) -> Outcome:
    policy = Policy.from_percentages({k: v[k] for k in commands.SHARES})
    day = v["from"]
    coop = uow.cooperative()
    if not coop.set_policy(day, policy, uow.last_harvest_date()):
        return Outcome("policy.set", day.isoformat(), False)
    uow.collect(coop)
    return Outcome("policy.set", day.isoformat(), True, policy.text())


@handles("member.add")
def add_member(uow: UnitOfWork, v: Values) -> Outcome:
    coop = uow.cooperative()
    if not coop.add_member(v["id"], v["name"], v["date"]):
        return Outcome("member.add", v["id"], False)
    uow.collect(coop)
    detail = msg("{name}, joined {day}", name=v["name"], day=v["date"])  # the date used
    return Outcome("member.add", v["id"], True, detail)


@handles("member.leave")
def leave_member(uow: UnitOfWork, v: Values) -> Outcome:
    mid, day = v["id"], v["date"]
    coop = uow.cooperative()
    pokok = -uow.total(accounts.SAVINGS["pokok"], mid)
    wajib = -uow.total(accounts.SAVINGS["wajib"], mid)
    loan = uow.total(accounts.LOANS, mid)
    if not coop.leave(mid, day, pokok, wajib, loan, uow.last_member_date(mid)):
        return Outcome("member.leave", mid, False)
    uow.collect(coop)
    detail = msg(
        "settled pokok {pokok}, wajib {wajib}",
        pokok=format_rupiah(pokok),
        wajib=format_rupiah(wajib),
    )
    return Outcome("member.leave", mid, True, detail)


@handles("bagan.add")
def add_bagan(uow: UnitOfWork, v: Values) -> Outcome:
    coop = uow.cooperative()
    paid_by = v.get("paid_by") or "grant"
    if not coop.add_bagan(
        v["id"], v["partners"], v["manager"], v["date"], v["cost"], v.get("manager_member"), paid_by
    ):
        return Outcome("bagan.add", v["id"], False)
    _check_financing(uow, coop, v["date"])
    uow.collect(coop)
    detail = msg(
        "partners {names}; manager {manager}; added {day}",
        names=", ".join(sorted(v["partners"])),
        manager=v["manager"],
        day=v["date"],
    )
    return Outcome("bagan.add", v["id"], True, detail)


# ------------------------------------------------------------------ register corrections
@handles("member.update")
def rename_member(uow: UnitOfWork, v: Values) -> Outcome:
    coop = uow.cooperative()
    if not coop.rename_member(v["id"], v["name"], v["date"]):
        return Outcome("member.update", v["id"], False)
    uow.collect(coop)
    detail = msg("{name} from {day}", name=v["name"], day=v["date"])
    return Outcome("member.update", v["id"], True, detail)


@handles("bagan.partners")
def change_partners(uow: UnitOfWork, v: Values) -> Outcome:
    bid, day = v["id"], v["from"]
    coop = uow.cooperative()
    if not coop.change_partners(bid, v["partners"], day, uow.last_bagan_use(bid)):
        return Outcome("bagan.partners", bid, False)
    uow.collect(coop)
    detail = msg("partners {names} from {day}", names=", ".join(sorted(v["partners"])), day=day)
    return Outcome("bagan.partners", bid, True, detail)


def _check_financing(uow: UnitOfWork, coop: domain.Cooperative, day: dt.date) -> None:
    """Refuse a bagan the partners' harvest savings cannot pay (as a repair)."""
    postings = [
        p for e in coop.pending_events for p in projection.cooperative_postings(e) if p.member
    ]
    if postings:
        uow.check_funds(postings, day)


@handles("bagan.retire")
def retire_bagan(uow: UnitOfWork, v: Values) -> Outcome:
    coop = uow.cooperative()
    if not coop.retire_bagan(v["id"], v["date"], v["reason"], v.get("note")):
        return Outcome("bagan.retire", v["id"], False)
    uow.collect(coop)
    return Outcome("bagan.retire", v["id"], True, msg("retired ({reason})", reason=v["reason"]))


@handles("bagan.rebuild")
def rebuild_bagan(uow: UnitOfWork, v: Values) -> Outcome:
    coop = uow.cooperative()
    if not coop.rebuild_bagan(v["id"], v["date"], v["cost"], v["paid_by"]):
        return Outcome("bagan.rebuild", v["id"], False)
    _check_financing(uow, coop, v["date"])
    uow.collect(coop)
    detail = msg("{value} paid by {paid_by}", value=format_rupiah(v["cost"]), paid_by=v["paid_by"])
    return Outcome("bagan.rebuild", v["id"], True, detail)


# ------------------------------------------------------------------ transactions
def _record(uow: UnitOfWork, txn: domain.Transaction, funds: bool = True) -> None:
    """Check that no guarded balance goes below zero, then take the transaction in."""
    if funds:
        uow.check_funds(projection.transaction_postings(txn), txn.date)
    uow.collect(txn)


@handles("harvest")
def harvest(uow: UnitOfWork, v: Values) -> Outcome:
    ref, day = v["ref"], v["date"]
    gross, net = domain.sale(v["kg"], v["price"], v["revenue"], v["costs"])
    line = domain.Harvest.line(
        ref,
        day,
        bagan=v["bagan"],
        kg=v["kg"],
        price=v["price"],
        revenue=v["revenue"],
        costs=v["costs"],
        buyer=v["buyer"],
        notes=v.get("notes"),
    )
    if uow.seen(ref, line):
        return Outcome("harvest", ref, False)
    coop = uow.cooperative()
    coop.check_date(day)
    info = coop.harvestable(v["bagan"], day)
    policy = coop.policy_on(day)
    split = split_net(net, policy)
    txn = domain.Harvest(
        ref=ref,
        date=day,
        bagan=v["bagan"],
        kg=v["kg"],
        price=v["price"],
        revenue=v["revenue"],
        costs=v["costs"],
        buyer=v["buyer"],
        gross=gross,
        net=net,
        policy=policy.as_dict(),
        shares=split.as_dict(),
        manager=info["manager"],
        income=divide_equally(split.members, coop.partners_on(v["bagan"], day)),
        savings=divide_equally(split.savings, coop.partners_on(v["bagan"], day)),
        notes=v.get("notes"),
    )
    _record(uow, txn, funds=False)
    uow.last_harvest = max(day, uow.last_harvest or day)
    parts = ", ".join(f"{k} {format_rupiah(a)}" for k, a in split.as_dict().items())
    return Outcome(
        "harvest", ref, True, msg("net {net}: {parts}", net=format_rupiah(net), parts=parts)
    )


@handles("savings.deposit", "savings.withdraw")
def savings(uow: UnitOfWork, v: Values) -> Outcome:
    op, ref, day, mid, kind = v["op"], v["ref"], v["date"], v["member"], v["kind"]
    cls = domain.SavingsDeposit if op == "savings.deposit" else domain.SavingsWithdrawal
    line = cls.line(ref, day, member=mid, savings_kind=kind, amount=v["amount"], notes=v["notes"])
    if uow.seen(ref, line):
        return Outcome(op, ref, False)
    coop = uow.cooperative()
    coop.check_date(day)
    if cls is domain.SavingsDeposit:
        coop.active_member(mid, day)
    else:
        coop.check_withdrawal(mid, kind, day)
    _record(
        uow,
        cls(ref=ref, date=day, member=mid, savings_kind=kind, amount=v["amount"], notes=v["notes"]),
    )
    detail = msg("{k} {value} for {mid}", k=kind, value=format_rupiah(v["amount"]), mid=mid)
    return Outcome(op, ref, True, detail)


@handles("infaq.receive")
def infaq_receive(uow: UnitOfWork, v: Values) -> Outcome:
    ref, day, mid = v["ref"], v["date"], v["member"]
    line = domain.InfaqReceipt.line(ref, day, amount=v["amount"], member=mid, notes=v["notes"])
    if uow.seen(ref, line):
        return Outcome("infaq.receive", ref, False)
    coop = uow.cooperative()
    coop.check_date(day)
    if mid:
        coop.member(mid)
    _record(
        uow,
        domain.InfaqReceipt(ref=ref, date=day, amount=v["amount"], member=mid, notes=v["notes"]),
    )
    return Outcome("infaq.receive", ref, True, format_rupiah(v["amount"]))


@handles("infaq.disburse")
def infaq_disburse(uow: UnitOfWork, v: Values) -> Outcome:
    ref, day, why = v["ref"], v["date"], v["purpose"]
    line = domain.InfaqDisbursement.line(
        ref, day, amount=v["amount"], purpose=why, notes=v["notes"]
    )
    if uow.seen(ref, line):
        return Outcome("infaq.disburse", ref, False)
    uow.cooperative().check_date(day)
    _record(
        uow,
        domain.InfaqDisbursement(
            ref=ref, date=day, amount=v["amount"], purpose=why, notes=v["notes"]
        ),
    )
    return Outcome("infaq.disburse", ref, True, format_rupiah(v["amount"]))


@handles("loan.disburse", "loan.repay")
def loan(uow: UnitOfWork, v: Values) -> Outcome:
    op, ref, day, mid = v["op"], v["ref"], v["date"], v["member"]
    cls = domain.LoanDisbursement if op == "loan.disburse" else domain.LoanRepayment
    if uow.seen(ref, cls.line(ref, day, member=mid, amount=v["amount"], notes=v["notes"])):
        return Outcome(op, ref, False)
    coop = uow.cooperative()
    coop.check_date(day)
    if cls is domain.LoanDisbursement:
        coop.active_member(mid, day)
    else:
        coop.member(mid)
    _record(uow, cls(ref=ref, date=day, member=mid, amount=v["amount"], notes=v["notes"]))
    detail = msg("{value} for {mid}", value=format_rupiah(v["amount"]), mid=mid)
    return Outcome(op, ref, True, detail)


@handles("repair")
def repair(uow: UnitOfWork, v: Values) -> Outcome:
    ref, day, bagan = v["ref"], v["date"], v["bagan"]
    if uow.seen(
        ref, domain.Repair.line(ref, day, bagan=bagan, amount=v["amount"], notes=v["notes"])
    ):
        return Outcome("repair", ref, False)
    coop = uow.cooperative()
    coop.check_date(day)
    charges = divide_equally(v["amount"], coop.partners_on(bagan, day))
    repair = domain.Repair(
        ref=ref, date=day, bagan=bagan, amount=v["amount"], charges=charges, notes=v["notes"]
    )
    _record(uow, repair)
    detail = msg(
        "{value} charged to {names}", value=format_rupiah(v["amount"]), names=", ".join(charges)
    )
    return Outcome("repair", ref, True, detail)


@handles("peeling.pay")
def peeling_pay(uow: UnitOfWork, v: Values) -> Outcome:
    ref, day, mid = v["ref"], v["date"], v["member"]
    line = domain.PeelingPay.line(
        ref, day, member=mid, amount=v["amount"], days=v.get("days"), notes=v["notes"]
    )
    if uow.seen(ref, line):
        return Outcome("peeling.pay", ref, False)
    coop = uow.cooperative()
    coop.check_date(day)
    coop.active_member(mid, day)
    _record(
        uow,
        domain.PeelingPay(
            ref=ref,
            date=day,
            member=mid,
            amount=v["amount"],
            days=v.get("days"),
            notes=v["notes"],
        ),
    )
    detail = msg("{value} to {member}", value=format_rupiah(v["amount"]), member=mid)
    return Outcome("peeling.pay", ref, True, detail)


@handles("correct")
def correct(uow: UnitOfWork, v: Values) -> Outcome:
    ref, day, target, why = v["ref"], v["date"], v["reverses"], v["reason"]
    if uow.seen(
        ref, domain.Correction.line(ref, day, reverses=target, reason=why, notes=v["notes"])
    ):
        return Outcome("correct", ref, False)
    domain.Correction.check_target(ref, target)
    uow.cooperative().check_date(day)
    original = uow.transaction(target)
    original.check_reversible(day)
    negated = [
        Posting(p.account, p.member, -p.amount) for p in projection.transaction_postings(original)
    ]
    uow.check_funds(negated, day)
    correction = domain.Correction(ref=ref, date=day, reverses=target, reason=why, notes=v["notes"])
    original.reverse(by_ref=ref, day=day, reason=why)
    uow.collect(correction, original)
    return Outcome("correct", ref, True, msg("reverses {target}", target=target))


@handles("story.add")
def story(uow: UnitOfWork, v: Values) -> Outcome:
    day, mid, title, body = v["date"], v["member"], v["title"], v["text"]
    ref = v["ref"]
    if ref is None:  # the same story told twice is one story
        digest = hashlib.sha256(f"{mid}\n{day}\n{title}\n{body}".encode()).hexdigest()[:12]
        ref = f"story-{digest}"
    if uow.seen(ref, domain.Story.line(ref, day, member=mid, title=title, text=body)):
        return Outcome("story.add", ref, False)
    coop = uow.cooperative()
    coop.check_date(day)
    coop.member(mid)
    uow.collect(domain.Story(ref=ref, date=day, member=mid, title=title, text=body))
    return Outcome("story.add", ref, True, title)


@handles("cooperative.income", "cooperative.expense")
def cooperative_movement(uow: UnitOfWork, v: Values) -> Outcome:
    """The cooperative's other income or operating expense (cash, part of its SHU)."""
    op, ref, day, why = v["op"], v["ref"], v["date"], v["purpose"]
    cls = domain.CooperativeIncome if op == "cooperative.income" else domain.CooperativeExpense
    if uow.seen(ref, cls.line(ref, day, amount=v["amount"], purpose=why, notes=v["notes"])):
        return Outcome(op, ref, False)
    uow.cooperative().check_date(day)
    txn = cls(ref=ref, date=day, amount=v["amount"], purpose=why, notes=v["notes"])
    _record(uow, txn, funds=False)
    detail = msg("{value} ({why})", value=format_rupiah(v["amount"]), why=why)
    return Outcome(op, ref, True, detail)


# ------------------------------------------------------------------ year-end close
def shu_figures(
    uow: UnitOfWork, y: int, day: dt.date, points: dict[str, int], number: int
) -> dict[str, Any]:
    """The close of year ``y`` as the books stand (the fields of ``YearClosed``)."""
    from ledger import shu

    closing, usaha, modal = uow.shu_bases(y)
    return shu.close_record(y, day, number, points, closing, usaha, modal)


@handles("close")
def close_year(uow: UnitOfWork, v: Values) -> Outcome:
    """Compute the year's SHU from the books, appropriate it by the bylaws
    (``ledger.shu``), record it on the register and lock the year."""
    from ledger import shu

    y, day, number = v["year"], v["date"], v["round"]
    points = shu.resolve_bylaws(v["bylaws"], {k: v[k] for k in commands.FUNDS})
    coop = uow.cooperative()
    if not coop.check_close(y, day, number, {"bylaws": points}):
        return Outcome("close", str(y), False)
    record = shu_figures(uow, y, day, points, number or len(coop.closes(y)) + 1)
    coop.close_year(**record)
    uow.collect(coop)
    if record["shu"] <= 0:
        what = f"a loss of {format_rupiah(-record['shu'])}" if record["shu"] else "no SHU"
        detail = msg("{what}; nothing appropriated; {y} is locked", what=what, y=y)
        return Outcome("close", str(y), True, detail)
    f = record["funds"]
    members = sum(record["jasa_usaha"].values()) + sum(record["jasa_modal"].values())
    detail = msg(
        "SHU {shu}: reserve {reserve}, members {members}, education {education}, social {social}; {y} is locked",
        shu=format_rupiah(record["shu"]),
        reserve=format_rupiah(record["reserve"]),
        members=format_rupiah(members),
        education=format_rupiah(f["education"]),
        social=format_rupiah(f["social"]),
        y=y,
    )
    return Outcome("close", str(y), True, detail)


@handles("reopen")
def reopen_year(uow: UnitOfWork, v: Values) -> Outcome:
    """Undo a year's close: dated entries in it are accepted again."""
    y, why, day = v["year"], v["reason"], v["date"]
    coop = uow.cooperative()
    if not coop.check_reopen(y, day, v["round"], why):
        return Outcome("reopen", str(y), False)
    coop.reopen_year(y, day, len(coop.closes(y)), why)
    uow.collect(coop)
    return Outcome("reopen", str(y), True, msg("the close of {y} is undone: {why}", y=y, why=why))


@handles("shu.settle")
def settle_shu(uow: UnitOfWork, v: Values) -> Outcome:
    """Pay out (or credit to sukarela savings) the SHU a closed year owes members."""
    ref, day, y, mid, everyone, to = v["ref"], v["date"], v["year"], v["member"], v["all"], v["to"]
    line = domain.ShuSettlement.line(
        ref, day, year=y, member=mid, all_members=everyone, to=to, notes=v["notes"]
    )
    if uow.seen(ref, line):
        return Outcome("shu.settle", ref, False)
    coop = uow.cooperative()
    amounts = coop.shu_to_settle(y, day, mid, bool(everyone), to)
    txn = domain.ShuSettlement(
        ref=ref,
        date=day,
        year=y,
        member=mid,
        all_members=everyone,
        to=to,
        amounts=amounts,
        notes=v["notes"],
    )
    uow.check_funds(projection.transaction_postings(txn), day)
    coop.settle_shu(ref, y, day, amounts)
    uow.collect(txn, coop)
    detail = msg(
        "{value} of {y}'s SHU to {count} members ({to})",
        value=format_rupiah(sum(amounts.values())),
        y=y,
        count=len(amounts),
        to=to,
    )
    return Outcome("shu.settle", ref, True, detail)


missing = set(commands.COMMANDS) - set(HANDLERS)
assert not missing, f"commands without a handler: {missing}"  # a declaration needs its handler


class Batch(UnitOfWork):
    """A unit of work with a method per command, for callers that build commands in
    code (the earlier API): each call goes through the declaration like an import line."""

    def do(self, op: str, **fields: Any) -> Outcome:
        return apply(self, op, fields)

    def init(self, name: object, policy: object = None, date: object = None) -> Outcome:
        return self.do("init", name=name, policy=policy, date=date)

    def set_policy(self, effective: object, policy: object) -> Outcome:
        if isinstance(policy, Policy):
            policy = policy.text()
        shares = commands.COMMANDS["policy.set"].field("shares")
        terms = shares.expand(policy) if isinstance(policy, str) else dict(policy)  # type: ignore[misc, arg-type]
        return self.do("policy.set", **{"from": effective}, **terms)

    def add_member(self, member_id: object, name: object, date: object = None) -> Outcome:
        return self.do("member.add", id=member_id, name=name, date=date)

    def rename_member(self, member_id: object, name: object, date: object) -> Outcome:
        return self.do("member.update", id=member_id, name=name, date=date)

    def change_partners(self, bagan_id: object, partners: object, effective: object) -> Outcome:
        return self.do("bagan.partners", id=bagan_id, partners=partners, **{"from": effective})

    def leave_member(self, member_id: object, date: object) -> Outcome:
        return self.do("member.leave", id=member_id, date=date)

    def add_bagan(
        self,
        bagan_id: object,
        partners: object,
        manager: object,
        date: object = None,
        cost: object = None,
    ) -> Outcome:
        return self.do(
            "bagan.add", id=bagan_id, partners=partners, manager=manager, date=date, cost=cost
        )

    def harvest(self, ref: object, date: object, bagan: object, **fields: object) -> Outcome:
        return self.do("harvest", ref=ref, date=date, bagan=bagan, **fields)

    def savings(
        self,
        direction: str,
        ref: object,
        date: object,
        member: object,
        kind: object,
        amount: object,
    ) -> Outcome:
        return self.do(
            f"savings.{direction}", ref=ref, date=date, member=member, kind=kind, amount=amount
        )

    def infaq_receive(
        self, ref: object, date: object, amount: object, member: object = None
    ) -> Outcome:
        return self.do("infaq.receive", ref=ref, date=date, amount=amount, member=member)

    def infaq_disburse(self, ref: object, date: object, amount: object, purpose: object) -> Outcome:
        return self.do("infaq.disburse", ref=ref, date=date, amount=amount, purpose=purpose)

    def loan(
        self, direction: str, ref: object, date: object, member: object, amount: object
    ) -> Outcome:
        return self.do(f"loan.{direction}", ref=ref, date=date, member=member, amount=amount)

    def repair(self, ref: object, date: object, bagan: object, amount: object) -> Outcome:
        return self.do("repair", ref=ref, date=date, bagan=bagan, amount=amount)

    def correct(self, ref: object, date: object, reverses: object, reason: object) -> Outcome:
        return self.do("correct", ref=ref, date=date, reverses=reverses, reason=reason)

    def story(
        self, member: object, date: object, title: object, text: object, ref: object = None
    ) -> Outcome:
        return self.do("story.add", member=member, date=date, title=title, text=text, ref=ref)

    def cooperative_movement(
        self, direction: str, ref: object, date: object, amount: object, purpose: object
    ) -> Outcome:
        return self.do(
            f"cooperative.{direction}", ref=ref, date=date, amount=amount, purpose=purpose
        )

    def close_year(
        self,
        year: object,
        date: object = None,
        bylaws: dict[str, int] | None = None,
        round_: object = None,
    ) -> Outcome:
        from ledger.money import format_percent

        parts = {k: format_percent(p) for k, p in (bylaws or {}).items()}
        return self.do("close", year=year, date=date, round=round_, **parts)

    def reopen_year(
        self, year: object, reason: object, date: object = None, round_: object = None
    ) -> Outcome:
        return self.do("reopen", year=year, reason=reason, date=date, round=round_)

    def shu_figures(
        self, y: int, day: dt.date, points: dict[str, int], number: int
    ) -> dict[str, Any]:
        return shu_figures(self, y, day, points, number)
