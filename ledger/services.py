"""One short handler per ledger command: load, call the domain, collect.

A handler receives the unit of work and the command's typed values (read from the
command line or an import line by ``ledger.commands.read``); the rules are the
domain's, the recording is the unit of work's. ``apply`` runs one command by its op.
A handler returns what it did as data (``Outcome``); ``ledger.outcomes`` says it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ledger import accounts, commands, domain, projection
from ledger.accounts import Posting
from ledger.split import DEFAULT_POLICY, Policy
from ledger.uow import UnitOfWork

Values = dict[str, Any]
Handler = Callable[[UnitOfWork, Values], "Outcome"]
HANDLERS: dict[str, Handler] = {}


@attrs.frozen
class Outcome:
    """What a command did: its op, its key (ref or id), whether anything was recorded,
    and the figures that matter (``facts``); ``detail`` says them in a sentence."""

    op: str
    key: str
    recorded: bool
    facts: dict[str, Any] = attrs.field(factory=dict)

    @property
    def detail(self) -> str:
        from ledger.outcomes import detail

        return detail(self)

    def as_json(self) -> dict[str, Any]:
        return {"op": self.op, "key": self.key, "recorded": self.recorded, "detail": self.detail}


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
def _registered(uow: UnitOfWork, op: str, key: str, recorded: bool, facts: Values) -> Outcome:
    """A register command's outcome; its events go into the unit when it recorded any."""
    if not recorded:
        return Outcome(op, key, False)
    uow.collect(uow.cooperative())
    return Outcome(op, key, True, facts)


@handles("init")
def init(uow: UnitOfWork, v: Values) -> Outcome:
    policy = v["policy"] or DEFAULT_POLICY
    coop = domain.start_cooperative(v["name"], v["date"], policy, uow.coop)
    if coop is None:
        return Outcome("init", v["name"], False)
    uow.coop = coop
    uow.collect(coop)
    return Outcome("init", v["name"], True, {"date": v["date"], "policy": policy})


@handles("policy.set")
def set_policy(uow: UnitOfWork, v: Values) -> Outcome:
    policy = Policy.from_percentages({k: v[k] for k in commands.SHARES})
    day = v["from"]
    recorded = uow.cooperative().set_policy(day, policy, uow.last_harvest_date())
    return _registered(uow, "policy.set", day.isoformat(), recorded, {"policy": policy})


@handles("member.add")
def add_member(uow: UnitOfWork, v: Values) -> Outcome:
    recorded = uow.cooperative().add_member(v["id"], v["name"], v["date"])
    return _registered(uow, "member.add", v["id"], recorded, {"name": v["name"], "date": v["date"]})


@handles("member.leave")
def leave_member(uow: UnitOfWork, v: Values) -> Outcome:
    mid, day = v["id"], v["date"]
    coop = uow.cooperative()
    pokok = -uow.total(accounts.SAVINGS["pokok"], mid)
    wajib = -uow.total(accounts.SAVINGS["wajib"], mid)
    loan = uow.total(accounts.LOANS, mid)
    recorded = coop.leave(mid, day, pokok, wajib, loan, uow.last_member_date(mid))
    return _registered(uow, "member.leave", mid, recorded, {"pokok": pokok, "wajib": wajib})


@handles("bagan.add")
def add_bagan(uow: UnitOfWork, v: Values) -> Outcome:
    coop = uow.cooperative()
    paid_by = v.get("paid_by") or "grant"
    recorded = coop.add_bagan(
        v["id"], v["partners"], v["manager"], v["date"], v["cost"], v.get("manager_member"), paid_by
    )
    if recorded:
        _check_financing(uow, coop, v["date"])
    facts = {"partners": v["partners"], "manager": v["manager"], "date": v["date"]}
    return _registered(uow, "bagan.add", v["id"], recorded, facts)


# ------------------------------------------------------------------ register corrections
@handles("member.update")
def rename_member(uow: UnitOfWork, v: Values) -> Outcome:
    recorded = uow.cooperative().rename_member(v["id"], v["name"], v["date"])
    facts = {"name": v["name"], "date": v["date"]}
    return _registered(uow, "member.update", v["id"], recorded, facts)


@handles("bagan.partners")
def change_partners(uow: UnitOfWork, v: Values) -> Outcome:
    bid, day = v["id"], v["from"]
    recorded = uow.cooperative().change_partners(bid, v["partners"], day, uow.last_bagan_use(bid))
    facts = {"partners": v["partners"], "from": day}
    return _registered(uow, "bagan.partners", bid, recorded, facts)


def _check_financing(uow: UnitOfWork, coop: domain.Cooperative, day: dt.date) -> None:
    """Refuse a bagan the partners' harvest savings cannot pay (as a repair)."""
    postings = [
        p for e in coop.pending_events for p in projection.cooperative_postings(e) if p.member
    ]
    if postings:
        uow.check_funds(postings, day)


@handles("bagan.retire")
def retire_bagan(uow: UnitOfWork, v: Values) -> Outcome:
    recorded = uow.cooperative().retire_bagan(v["id"], v["date"], v["reason"], v.get("note"))
    return _registered(uow, "bagan.retire", v["id"], recorded, {"reason": v["reason"]})


@handles("bagan.rebuild")
def rebuild_bagan(uow: UnitOfWork, v: Values) -> Outcome:
    coop = uow.cooperative()
    recorded = coop.rebuild_bagan(v["id"], v["date"], v["cost"], v["paid_by"])
    if recorded:
        _check_financing(uow, coop, v["date"])
    facts = {"cost": v["cost"], "paid_by": v["paid_by"]}
    return _registered(uow, "bagan.rebuild", v["id"], recorded, facts)


# ------------------------------------------------------------------ transactions
def _record(uow: UnitOfWork, txn: domain.Transaction, funds: bool = True) -> None:
    """Check that no guarded balance goes below zero, then take the transaction in."""
    if funds:
        uow.check_funds(projection.transaction_postings(txn), txn.date)
    uow.collect(txn)


# the transactions whose every rule is their kind's own (``Transaction.checked``)
@handles(
    "harvest",
    "savings.deposit",
    "savings.withdraw",
    "infaq.receive",
    "infaq.disburse",
    "loan.disburse",
    "loan.repay",
    "repair",
    "peeling.pay",
    "cooperative.income",
    "cooperative.expense",
)
def transaction(uow: UnitOfWork, v: Values) -> Outcome:
    cls = domain.TRANSACTION_CLASSES[v["op"]]
    fields = cls.fields_of(v)
    if uow.seen(v["ref"], cls.line(**fields)):
        return Outcome(v["op"], v["ref"], False)
    txn = cls.on(uow.cooperative(), **fields)
    _record(uow, txn, funds=cls.takes_money)
    return Outcome(v["op"], v["ref"], True, txn.facts())


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
    return Outcome("correct", ref, True, {"reverses": target})


@handles("story.add")
def story(uow: UnitOfWork, v: Values) -> Outcome:
    if v["ref"] is None:  # the same story told twice is one story
        told = f"{v['member']}\n{v['date']}\n{v['title']}\n{v['text']}"
        v = {**v, "ref": f"story-{hashlib.sha256(told.encode()).hexdigest()[:12]}"}
    fields = domain.Story.fields_of(v)
    if uow.seen(v["ref"], domain.Story.line(**fields)):
        return Outcome("story.add", v["ref"], False)
    story = domain.Story.on(uow.cooperative(), **fields)
    uow.collect(story)
    return Outcome("story.add", v["ref"], True, story.facts())


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
    y, day, number = v["year"], v["date"], v["round"]
    points = v["bylaws"].points({k: v[k] for k in commands.FUNDS})
    coop = uow.cooperative()
    if not coop.check_close(y, day, number, {"bylaws": points}):
        return Outcome("close", str(y), False)
    record = shu_figures(uow, y, day, points, number or len(coop.closes(y)) + 1)
    coop.close_year(**record)
    uow.collect(coop)
    return Outcome("close", str(y), True, record)


@handles("reopen")
def reopen_year(uow: UnitOfWork, v: Values) -> Outcome:
    """Undo a year's close: dated entries in it are accepted again."""
    y, why, day = v["year"], v["reason"], v["date"]
    coop = uow.cooperative()
    if not coop.check_reopen(y, day, v["round"], why):
        return Outcome("reopen", str(y), False)
    coop.reopen_year(y, day, len(coop.closes(y)), why)
    uow.collect(coop)
    return Outcome("reopen", str(y), True, {"year": y, "reason": why})


@handles("shu.settle")
def settle_shu(uow: UnitOfWork, v: Values) -> Outcome:
    """Pay out (or credit to sukarela savings) the SHU a closed year owes members."""
    ref, day, y, to = v["ref"], v["date"], v["year"], v["to"]
    fields = domain.ShuSettlement.fields_of(v)
    if uow.seen(ref, domain.ShuSettlement.line(**fields)):
        return Outcome("shu.settle", ref, False)
    coop = uow.cooperative()
    amounts = coop.shu_to_settle(y, day, v["member"], bool(v["all"]), to)
    txn = domain.ShuSettlement(**fields, amounts=amounts)
    uow.check_funds(projection.transaction_postings(txn), day)
    coop.settle_shu(ref, y, day, amounts)
    uow.collect(txn, coop)
    return Outcome("shu.settle", ref, True, {"year": y, "amounts": amounts, "to": to})


missing = set(commands.COMMANDS) - set(HANDLERS)
assert not missing, f"commands without a handler: {missing}"  # a declaration needs its handler
