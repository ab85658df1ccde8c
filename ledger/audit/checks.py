"""The audit's checks: small, independent, and free of any database.

Each check observes plain ``Entry`` objects in recording order (only the topics it
names in ``topics``; None for all) and, where it compares read models, is handed
their rows as plain iterables when it is made. ``findings()`` returns what it found.
``run(check, entries)`` is all a unit test needs (see tests/test_audit_checks.py).
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice
from typing import Any

from ledger.audit.codec import ref_identity
from ledger.audit.rules import (
    EXACT_TYPES,
    GUARDED,
    INFAQ_CASH,
    INFAQ_FUND,
    KINDS,
    LATER_FIELDS,
    PARTNER,
    SAVINGS,
    SHARES,
    SHU_PARTS,
    Entry,
    command_text,
    harvest_row,
)
from ledger.chain import GENESIS, link
from ledger.i18n import msg

MAX_SHOWN = 10  # findings named in a check's detail
RUPIAH = Decimal(1)
KEPT = 100  # findings kept in memory; the rest are counted
TRANSACTIONS = frozenset(KINDS)
INFAQ = frozenset({INFAQ_CASH, INFAQ_FUND})
CLOSES = frozenset({"Cooperative.YearClosed", "Cooperative.YearReopened"})


class Check:
    """Observes entries; reports its findings at the end."""

    name = "check"
    description = ""
    topics: frozenset[str] | None = None  # the topics it observes; None for every entry

    def __init__(self) -> None:
        self._findings: list[str] = []
        self.more = 0  # findings beyond those kept (a ledger rewritten wholesale)

    def fail(self, message: str) -> None:
        if len(self._findings) < KEPT:
            self._findings.append(message)
        else:
            self.more += 1

    def observe(self, entry: Entry) -> None:  # noqa: B027 - optional hook
        pass

    def finish(self) -> None:  # noqa: B027 - optional hook
        pass

    def findings(self) -> list[str]:
        return self._findings


def run(check: Check, entries: Iterable[Entry]) -> list[str]:
    """Feed ``entries`` to one check and return its findings."""
    for entry in entries:
        if check.topics is None or entry.topic in check.topics:
            check.observe(entry)
    check.finish()
    return check.findings()


def remainder_rule_broken(amount: int, weights: list[int], parts: list[int]) -> str:
    """Why ``parts`` is not ``amount`` divided by ``weights`` by largest remainder (each
    part the floor of its pro-rata value, the rupiah left over one each to the largest
    remainders, ties to the earlier part); '' when it is. The one statement of the rule,
    for harvest splits and SHU divisions. Integers only."""
    if sum(parts) != amount:
        return msg("the parts add up to {sum}, not {amount}", sum=sum(parts), amount=amount)
    total = sum(weights)
    if total <= 0:
        return msg("there is nothing to divide in proportion to")
    floors, rems = [], []
    for w in weights:
        f, r = divmod(amount * w, total)
        floors.append(f)
        rems.append(r)
    # the leftover rupiah to the largest remainders; a stable sort keeps ties in order
    expected = floors[:]
    for i in sorted(range(len(rems)), key=rems.__getitem__, reverse=True)[: amount - sum(floors)]:
        expected[i] += 1
    if parts == expected:
        return ""
    if any(p - f not in (0, 1) for p, f in zip(parts, floors, strict=True)):
        return msg("a part is a rupiah or more from its pro-rata value")
    return msg("a leftover rupiah went to a part with a smaller remainder or a later tie")


# ------------------------------------------------------------------ the chain
class ChainCheck(Check):
    name = "chain"
    description = msg("every link of the hash chain holds; the head commits to every event")

    def __init__(self, links: Iterable[tuple[int, str]]) -> None:
        super().__init__()
        self.links: Iterator[tuple[int, str]] = iter(links)
        self.head = GENESIS  # the link after the last event observed
        self.heads: list[str] = []  # (kept only when asked, see HeadCheck)
        self.broken = False

    def observe(self, entry: Entry) -> None:
        self.head = link(
            self.head,
            entry.seq,
            entry.originator_id,
            entry.version,
            entry.stored_topic,
            entry.state,
        )
        stored = next(self.links, None)
        if self.broken:
            return
        if stored is None:
            self.fail(msg("{where} has no chain link (appended outside kerang)", where=entry.where))
            self.broken = True
        elif stored[0] != entry.seq:
            missing = msg("deleted") if stored[0] < entry.seq else msg("out of order")
            self.fail(
                msg(
                    "event {stored} is {missing}: the chain has a link for it but the log does not",
                    stored=stored[0],
                    missing=missing,
                )
            )
            self.broken = True
        elif stored[1] != self.head:
            self.fail(
                msg(
                    "the chain breaks at {where}: its stored bytes or the link were changed",
                    where=entry.where,
                )
            )
            self.broken = True

    def finish(self) -> None:
        extra = next(self.links, None)
        if extra is not None and not self.broken:
            self.fail(
                msg(
                    "event {extra} is missing: the chain has a link for it but the log does not",
                    extra=extra[0],
                )
            )


class EarlierHeadCheck(Check):
    """The log passes through a head written down earlier (``kerang audit --head``):
    after ``events`` events (any number when None) the link is ``head``. ``signed``
    says whether the statement's signature held (None: not signed)."""

    name = "earlier-head"
    description = msg("the books extend the head written down earlier")

    def __init__(self, events: int | None, head: str, signed: bool | None = None) -> None:
        super().__init__()
        self.events, self.want = events, head.lower()
        self.previous, self.count = GENESIS, 0
        self.found = self.want == GENESIS and not events
        if signed is False:
            self.fail(
                msg(
                    "the head's signature does not hold with this public key: it is not the cooperative's"
                )
            )
        elif signed:
            self.description = msg(
                "the books extend the head the cooperative signed (the signature holds)"
            )

    def observe(self, entry: Entry) -> None:
        self.previous = link(
            self.previous,
            entry.seq,
            entry.originator_id,
            entry.version,
            entry.stored_topic,
            entry.state,
        )
        self.count += 1
        if self.previous == self.want and self.events in (None, self.count):
            self.found = True

    def finish(self) -> None:
        if not self.found:
            self.fail(
                msg(
                    "the books do not pass through the earlier head {head} (event {events}): "
                    "they were rewritten or are not the same books",
                    head=self.want[:12] + "…",
                    events=self.events if self.events is not None else "?",
                )
            )


# ------------------------------------------------------------------ each event alone
class SchemaCheck(Check):
    name = "schema"
    description = msg("every record decodes, fits its schema and re-encodes to its stored bytes")

    def __init__(self) -> None:
        super().__init__()
        self.fits: set[tuple] = set()  # shapes (topic, fields, their types) that fit

    def observe(self, entry: Entry) -> None:
        if not entry.sound:
            self.fail(msg("{where} {problem}", where=entry.where, problem=entry.problem))
            if not isinstance(entry.data, dict) or entry.topic not in EXACT_TYPES:
                return  # nothing decoded, or no schema to hold it to
        if not entry.canonical:
            self.fail(msg("{where} does not re-encode to its stored bytes", where=entry.where))
        for a, _, x in entry.postings:
            if type(x) is not int:
                self.fail(
                    msg(
                        "{where}: an amount on {a} is not whole rupiah ({x!r})",
                        where=entry.where,
                        a=a,
                        x=x,
                    )
                )
        data = entry.data
        shape = (entry.topic, tuple(data), tuple(map(type, data.values())))
        if shape in self.fits:
            return  # the same fields of the same types as an event that fit
        before = len(self._findings) + self.more
        for field, allowed in EXACT_TYPES[entry.topic]:
            if field not in data:
                if field not in LATER_FIELDS:  # an older event may lack a later field
                    self.fail(msg("{where} lacks {field}", where=entry.where, field=field))
            elif type(data[field]) not in allowed:  # exact: a bool is no amount, a datetime no date
                self.fail(
                    msg(
                        "{where}: {field} has the wrong type ({__name__})",
                        where=entry.where,
                        field=field,
                        __name__=type(data[field]).__name__,
                    )
                )
        if len(self._findings) + self.more == before:
            self.fits.add(shape)


class SequenceCheck(Check):
    """Transactions at version 1 under their ref's identity; the versions of every
    aggregate run 1..n (``breaks``: rows (originator_id, version, expected) where they
    do not, which the source finds with one query)."""

    name = "sequence"
    description = msg("per aggregate, versions run 1..n in recording order; refs are unique")
    topics = TRANSACTIONS

    def __init__(self, breaks: Iterable[tuple[Any, int, int]] = ()) -> None:
        super().__init__()
        self.breaks = breaks

    def observe(self, entry: Entry) -> None:
        if entry.data is None or not entry.ref:
            return
        if entry.version != 1:
            self.fail(
                msg(
                    "{where} records a transaction at version {version}, not 1",
                    where=entry.where,
                    version=entry.version,
                )
            )
        if ref_identity(entry.ref) != entry.originator_id:
            self.fail(msg("{where} is stored under another ref's identity", where=entry.where))

    def finish(self) -> None:
        for oid, version, rn in self.breaks:
            self.fail(
                msg(
                    "aggregate {oid} has version {version} where {rn} was expected (a gap or duplicate)",
                    oid=oid,
                    version=version,
                    rn=rn,
                )
            )


def equal_division(amount: int, ordered: list[str]) -> dict[str, int]:
    """``amount`` divided equally among partners in ID order, the odd rupiah one each
    to the first (the contract's rule for the partners' shares and their charges)."""
    base, left = divmod(amount, len(ordered))
    return {p: base + (1 if i < left else 0) for i, p in enumerate(ordered)}


class BaganRegister:
    """Each bagan's partners by the date they apply from, kept from the register's own
    events (a check that divides among partners owns one). With ``uses`` it also keeps
    each bagan's latest harvest or repair, so that a partner change reaching back over
    one is found (the command refuses it: a change never applies retroactively)."""

    topics = frozenset({"Cooperative.BaganAdded", "Cooperative.PartnersChanged"})

    def __init__(self) -> None:
        # partners None: a register event whose partners are not a list of IDs
        self.bagan: dict[str, list[tuple[dt.date, list[str] | None]]] = {}
        self.last_use: dict[str, dt.date] = {}

    def observe(self, entry: Entry) -> str | None:
        """Take in a register event; what is wrong with it, if anything."""
        d = entry.data
        partners = d["partners"]
        if not (isinstance(partners, list) and all(isinstance(p, str) for p in partners)):
            partners = None  # the schema check names the field
        else:
            partners = sorted(partners)
        if entry.topic == "Cooperative.BaganAdded":
            self.bagan[d["bagan_id"]] = [(d["added"], partners)]
            return None
        bagan, effective = d["bagan_id"], d["effective"]
        history = self.bagan.setdefault(bagan, [])
        history.append((effective, partners))
        history.sort(key=lambda h: h[0])
        last = self.last_use.get(bagan)
        if last is not None and effective <= last:
            return msg(
                "{w}: bagan {bagan}'s partners change from {effective}, before its harvest or repair of {last} already recorded",
                w=entry.where,
                bagan=bagan,
                effective=effective,
                last=last,
            )
        return None

    def used(self, bagan: str, day: dt.date) -> None:
        if day > self.last_use.get(bagan, day - dt.timedelta(days=1)):
            self.last_use[bagan] = day

    def partners(self, where: str, bagan: str, day: dt.date) -> tuple[list[str], str | None]:
        """The bagan's partners on ``day`` in ID order, or why there are none to divide by."""
        history = self.bagan.get(bagan)
        if not history:
            return [], msg("{w}: bagan {bagan} was never registered", w=where, bagan=bagan)
        current = history[0][1]
        for effective, partners in history:
            if effective <= day:
                current = partners
        if current is None:
            return [], msg(
                "{w}: bagan {bagan}'s partners on {day} are not a list of member IDs",
                w=where,
                bagan=bagan,
                day=day,
            )
        if not current:
            return [], msg(
                "{w}: bagan {bagan} has no partners on {day}", w=where, bagan=bagan, day=day
            )
        return current, None


class HarvestCheck(Check):
    """Keeps its own register of policies and bagan from the cooperative's events."""

    name = "harvest-split"
    description = msg(
        "every harvest's shares add up to its net by the policy in force and the remainder rule; no policy reaches back over a recorded harvest"
    )
    topics = BaganRegister.topics | {
        "Cooperative.Started",
        "Cooperative.PolicySet",
        "Cooperative.BaganRetired",
        "Cooperative.BaganRebuilt",
        "Harvest.Recorded",
    }

    def __init__(self, as_of: dt.date | None = None) -> None:
        super().__init__()
        self.as_of = as_of
        self.policies: list[tuple[dt.date, dict[str, int]]] = []
        self.register = BaganRegister()
        self.retired: dict[str, dt.date] = {}  # bagan standing retired, since
        self.last_harvest: dt.date | None = None  # the latest harvest date recorded so far

    def policy_on(self, day: dt.date) -> dict[str, int] | None:
        current = None
        for effective, points in self.policies:  # by date; a later one of a day wins
            if effective > day:
                break
            current = points
        return current

    def observe(self, entry: Entry) -> None:
        if not entry.sound:
            return
        d = entry.data
        if entry.topic == "Harvest.Recorded":  # the most frequent first
            if self.as_of is None or entry.date <= self.as_of:
                self.check_retired(entry, d)
                self.check_harvest(entry, d)
            if self.last_harvest is None or entry.date > self.last_harvest:
                self.last_harvest = entry.date
        elif entry.topic == "Cooperative.Started":
            self.policies.append((d["started"], d["policy"]))
            self.policies.sort(key=lambda p: p[0])
        elif entry.topic == "Cooperative.PolicySet":
            self.check_not_retroactive(entry, d["effective"])
            self.policies.append((d["effective"], d["policy"]))
            self.policies.sort(key=lambda p: p[0])
        elif entry.topic in BaganRegister.topics:
            self.register.observe(entry)
        elif entry.topic == "Cooperative.BaganRetired":
            self.retired[d["bagan_id"]] = d["day"]
        elif entry.topic == "Cooperative.BaganRebuilt":
            self.retired.pop(d["bagan_id"], None)

    def check_not_retroactive(self, entry: Entry, effective: dt.date) -> None:
        """The command refuses a policy from a day on or before a recorded harvest."""
        last = self.last_harvest
        if (
            last is not None
            and effective <= last
            and (self.as_of is None or effective <= self.as_of)
        ):
            self.fail(
                msg(
                    "{w}: a policy from {effective} reaches back over the harvest of {last} already recorded",
                    w=entry.where,
                    effective=effective,
                    last=last,
                )
            )

    def check_retired(self, entry: Entry, d: dict[str, Any]) -> None:
        retired = self.retired.get(d["bagan"])
        if retired is not None and d["date"] >= retired:
            self.fail(
                msg(
                    "{where} harvests bagan {bagan}, retired on {retired}",
                    where=entry.where,
                    bagan=d["bagan"],
                    retired=retired,
                )
            )

    def check_harvest(self, entry: Entry, d: dict[str, Any]) -> None:
        if d["kg"] is not None:
            gross = int((d["kg"] * d["price"]).quantize(RUPIAH, rounding=ROUND_HALF_UP))
        else:
            gross = d["revenue"]
        if gross != d["gross"]:
            self.fail(
                msg(
                    "{w}: gross {gross} is not kg x price or the revenue ({gross2})",
                    w=entry.where,
                    gross=d["gross"],
                    gross2=gross,
                )
            )
        if d["net"] != d["gross"] - d["costs"] or d["costs"] > d["gross"] or d["costs"] < 0:
            self.fail(
                msg(
                    "{w}: net {net} is not gross {gross} less costs {costs}",
                    w=entry.where,
                    net=d["net"],
                    gross=d["gross"],
                    costs=d["costs"],
                )
            )
        policy = self.policy_on(d["date"])
        if policy != d["policy"]:
            self.fail(
                msg(
                    "{w}: split by {policy} but {policy2} was in force on {date}",
                    w=entry.where,
                    policy=d["policy"],
                    policy2=policy,
                    date=d["date"],
                )
            )
            return
        shares = [d["shares"][k] for k in SHARES]
        if why := remainder_rule_broken(d["net"], [policy[k] for k in SHARES], shares):
            self.fail(msg("{w}: the split of the net: {why}", w=entry.where, why=why))
        ordered, fault = self.register.partners(entry.where, d["bagan"], d["date"])
        if fault:
            self.fail(fault)
            return
        for name, share in (
            ("income", d["shares"]["members"]),
            ("savings", d["shares"]["savings"]),
        ):
            if d[name] != equal_division(share, ordered):
                self.fail(
                    msg(
                        "{w}: the {name} share is not divided equally among {names}",
                        w=entry.where,
                        name=name,
                        names=", ".join(ordered),
                    )
                )


class PartnerChargeCheck(Check):
    """What the partners' harvest savings pay: a repair, and a bagan built or rebuilt
    from savings, charged equally to the bagan's partners of its day."""

    name = "partner-charges"
    description = msg(
        "every repair, and every bagan paid from savings, is charged equally to the bagan's partners of its day; no partner change reaches back over a recorded harvest or repair"
    )
    topics = BaganRegister.topics | {
        "Harvest.Recorded",
        "Repair.Recorded",
        "Cooperative.BaganFinanced",
        "Cooperative.BaganRebuilt",
    }

    def __init__(self, as_of: dt.date | None = None) -> None:
        super().__init__()
        self.as_of = as_of
        self.register = BaganRegister()

    def observe(self, entry: Entry) -> None:
        if not entry.sound:
            return
        d = entry.data
        if entry.topic == "Harvest.Recorded":  # only its day: the harvest check divides it
            self.register.used(d["bagan"], d["date"])
        elif entry.topic in BaganRegister.topics:
            if fault := self.register.observe(entry):
                self.fail(fault)
        elif entry.topic == "Repair.Recorded":
            self.check(entry, d["bagan"], d["date"], d["amount"], d["charges"])
            self.register.used(d["bagan"], d["date"])
        elif d["paid_by"] == "savings":  # a bagan financed or rebuilt
            self.check(entry, d["bagan_id"], d["day"], d["cost"], d["charges"])
        elif d["charges"]:
            self.fail(
                msg(
                    "{w}: bagan {bagan} paid by {paid_by} charges the partners' savings",
                    w=entry.where,
                    bagan=d["bagan_id"],
                    paid_by=d["paid_by"],
                )
            )

    def check(
        self, entry: Entry, bagan: str, day: dt.date, amount: int, charges: dict[str, int]
    ) -> None:
        if self.as_of is not None and day > self.as_of:
            return
        ordered, fault = self.register.partners(entry.where, bagan, day)
        if fault:
            self.fail(fault)
        elif charges != equal_division(amount, ordered):
            self.fail(
                msg(
                    "{w}: {amount} is not charged equally to bagan {bagan}'s partners {names}",
                    w=entry.where,
                    amount=amount,
                    bagan=bagan,
                    names=", ".join(ordered),
                )
            )


# ------------------------------------------------------------------ the books
class DoubleEntryCheck(Check):
    name = "double-entry"
    description = msg(
        "every entry's postings balance; the trial balance is 0; sub-ledgers add up to control accounts"
    )

    def __init__(self, as_of: dt.date | None = None) -> None:
        super().__init__()
        self.as_of = as_of
        self.totals: dict[str, int] = defaultdict(int)
        self.members: dict[str, int] = defaultdict(int)
        # control account less its member lines: a harvest and a repair post their
        # control side from the facts' own totals; any other entry from its member
        # lines themselves, which then leaves this as it was
        self.control_less_members: dict[str, int] = defaultdict(int)

    def observe(self, entry: Entry) -> None:
        postings = entry.postings
        if not postings or (self.as_of and entry.date and entry.date > self.as_of):
            return
        total, totals, members = 0, self.totals, self.members
        for a, m, x in postings:
            total += x
            totals[a] += x
            if m:
                members[a] += x
        if total != 0:
            self.fail(
                msg("{where}: postings add up to {total}, not 0", where=entry.where, total=total)
            )
        topic, d, sign = entry.topic, entry.data or {}, 1
        if entry.original is not None:
            (topic, d), sign = entry.original, -1
        if topic != "Harvest.Recorded" and topic != "Repair.Recorded":
            return
        apart = self.control_less_members
        if topic == "Harvest.Recorded":
            apart[PARTNER] += sign * d["shares"]["members"]
            apart[SAVINGS["harvest"]] -= sign * d["shares"]["savings"]
        else:
            apart[SAVINGS["harvest"]] += sign * d["amount"]
        for a, m, x in postings:
            if m:
                apart[a] -= x

    def finish(self) -> None:
        trial = sum(self.totals.values())
        if trial != 0:
            self.fail(msg("the trial balance is {trial}, not 0", trial=trial))
        for account in sorted(set(self.control_less_members) | set(self.members)):
            control = self.members[account] + self.control_less_members[account]
            if control != self.members[account]:
                self.fail(
                    msg(
                        "member sub-ledgers of {account} add up to {members}, but the control account says {control}",
                        account=account,
                        members=self.members[account],
                        control=control,
                    )
                )


class NonNegativeCheck(Check):
    name = "no-negative-balance"
    description = msg("no savings, loan or infaq balance is below zero on any date")

    def __init__(self, as_of: dt.date | None = None) -> None:
        super().__init__()
        self.as_of = as_of
        # compact per-balance movement logs: 12 bytes a movement (day ordinal, amount)
        self.logs: dict[tuple[str, str], tuple[array, array]] = {}

    def observe(self, entry: Entry) -> None:
        postings, date = entry.postings, entry.date
        if not postings or date is None or (self.as_of and date > self.as_of):
            return
        day, logs = date.toordinal(), self.logs
        for a, m, x in postings:
            sign = GUARDED.get(a)
            if sign is not None:
                key = (a, "" if a == INFAQ_FUND else m)
                log = logs.get(key)
                if log is None:
                    log = logs[key] = (array("i"), array("q"))
                log[0].append(day)
                log[1].append(sign * x)

    def finish(self) -> None:
        for (account, member), (days, amounts) in sorted(self.logs.items()):
            by_day: dict[int, int] = defaultdict(int)
            for day, amount in zip(days, amounts, strict=True):
                by_day[day] += amount
            running = 0
            for day in sorted(by_day):
                running += by_day[day]
                if running < 0:
                    when = dt.date.fromordinal(day)
                    if member:
                        self.fail(
                            msg(
                                "member {member}'s {account} is {running} on {day}",
                                member=member,
                                account=account,
                                running=running,
                                day=when,
                            )
                        )
                    else:
                        self.fail(
                            msg(
                                "the {account} is {running} on {day}",
                                account=account,
                                running=running,
                                day=when,
                            )
                        )
                    break


class InfaqCheck(Check):
    name = "infaq-apart"
    description = msg("infaq is received and spent only through the infaq fund")

    def observe(self, entry: Entry) -> None:
        for a, _, _ in entry.postings:
            if a in INFAQ:
                break
        else:
            return
        infaq = entry.topic.startswith("Infaq") or (
            entry.original is not None and entry.original[0].startswith("Infaq")
        )
        if not infaq:
            self.fail(
                msg(
                    "{where} moves infaq money in a {topic} entry",
                    where=entry.where,
                    topic=entry.topic,
                )
            )
        elif any(a not in INFAQ for a, _, _ in entry.postings):
            self.fail(msg("{where} mixes infaq with commercial accounts", where=entry.where))


class ReversalCheck(Check):
    name = "reversals"
    description = msg("every reversal exactly negates its original, once, as its correction says")
    topics = frozenset({"Correction.Recorded", "Transaction.Reversed"})

    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[str, Entry] = {}  # corrections whose reversal is still to come

    def observe(self, entry: Entry) -> None:
        if not entry.sound:
            return
        if entry.topic == "Correction.Recorded":
            self.pending[entry.ref] = entry
            return
        d = entry.data
        if entry.version != 2:
            self.fail(
                msg(
                    "{where} is reversed a second time (version {version})",
                    where=entry.where,
                    version=entry.version,
                )
            )
        correction = self.pending.pop(d["by_ref"], None)
        if correction is None:
            self.fail(
                msg(
                    "{where} is reversed by {by_ref}, which recorded no correction before it",
                    where=entry.where,
                    by_ref=d["by_ref"],
                )
            )
        elif correction.data["reverses"] != entry.ref or correction.date != d["day"]:
            self.fail(
                msg(
                    "{where}: correction {by_ref} names {reverses} on {date}",
                    where=entry.where,
                    by_ref=d["by_ref"],
                    reverses=correction.data["reverses"],
                    date=correction.date,
                )
            )

    def finish(self) -> None:
        for _, correction in sorted(self.pending.items()):
            self.fail(
                msg(
                    "{where} reverses {reverses} but nothing was reversed",
                    where=correction.where,
                    reverses=correction.data["reverses"],
                )
            )


class PeriodCheck(Check):
    name = "closed-periods"
    description = msg(
        "nothing dated in a closed year was recorded after its close unless a reopen came between"
    )

    def __init__(self) -> None:
        super().__init__()
        self.closed: dict[int, dt.date] = {}

    def observe(self, entry: Entry) -> None:
        if not entry.sound or (not self.closed and entry.topic not in CLOSES):
            return
        d = entry.data
        if entry.topic == "Cooperative.YearClosed":
            if d["year"] in self.closed:
                self.fail(
                    msg(
                        "{where} closes {year} again without a reopen",
                        where=entry.where,
                        year=d["year"],
                    )
                )
            self.closed[d["year"]] = d["day"]
        elif entry.topic == "Cooperative.YearReopened":
            if self.closed.pop(d["year"], None) is None:
                self.fail(
                    msg(
                        "{where} reopens {year}, which was not closed",
                        where=entry.where,
                        year=d["year"],
                    )
                )
        elif self.closed and entry.date is not None and entry.date.year in self.closed:
            self.fail(
                msg(
                    "{where} is dated {date}, in {year}, which was closed on {closed} and not reopened",
                    where=entry.where,
                    date=entry.date,
                    year=entry.date.year,
                    closed=self.closed[entry.date.year],
                )
            )


class ShuCheck(Check):
    name = "shu"
    description = msg(
        "each close's SHU is the year's income less expenses as replayed; "
        "its parts add up to it by the bylaws and the remainder rule"
    )

    def __init__(self) -> None:
        super().__init__()
        # by year: each Income and Expenses account; each member's harvest income
        # (usaha) and pokok + wajib (modal)
        self.nominal: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.usaha: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.modal: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.nominal_accounts: dict[str, bool] = {}  # whether an account is Income or Expenses

    def observe(self, entry: Entry) -> None:
        if not entry.sound or entry.date is None:
            return
        if entry.topic == "Cooperative.YearClosed":
            self.check_close(entry)
        if not entry.postings:
            return
        year, kinds = entry.date.year, self.nominal_accounts
        nominal = self.nominal[year]
        for a, m, x in entry.postings:
            is_nominal = kinds.get(a)
            if is_nominal is None:
                is_nominal = kinds[a] = a.startswith(("Income:", "Expenses:"))
            if is_nominal:
                nominal[a] += x
            if m:
                if a == PARTNER:
                    self.usaha[year][m] += x
                elif a == SAVINGS["pokok"] or a == SAVINGS["wajib"]:
                    self.modal[year][m] -= x

    def check_close(self, entry: Entry) -> None:
        d, w, year = entry.data, entry.where, entry.data["year"]
        replayed = {a: x for a, x in sorted(self.nominal.get(year, {}).items()) if x}
        if {a: x for a, x in d["closing"].items() if x} != replayed:
            self.fail(
                msg(
                    "{w}: closes {closing} but the replayed {year} shows {replayed}",
                    w=w,
                    closing=d["closing"],
                    year=year,
                    replayed=replayed,
                )
            )
        if d["shu"] != -sum(d["closing"].values()):
            self.fail(
                msg("{w}: SHU {shu} is not the year's income less expenses", w=w, shu=d["shu"])
            )
        usaha = {m: x for m, x in sorted(self.usaha.get(year, {}).items()) if x > 0}
        modal: dict[str, int] = defaultdict(int)
        for y, by_member in self.modal.items():
            if y <= year:
                for m, x in by_member.items():
                    modal[m] += x
        modal = {m: x for m, x in sorted(modal.items()) if x > 0}
        if d["usaha_base"] != usaha:
            self.fail(
                msg(
                    "{w}: the jasa usaha base is not each member's harvest income of {year}",
                    w=w,
                    year=year,
                )
            )
        if d["modal_base"] != modal:
            self.fail(
                msg("{w}: the jasa modal base is not each member's pokok + wajib at year end", w=w)
            )
        bylaws = [d["bylaws"].get(k, -1) for k in SHU_PARTS]
        if sorted(d["bylaws"]) != sorted(SHU_PARTS) or sum(bylaws) != 10_000 or min(bylaws) < 0:
            self.fail(
                msg(
                    "{w}: the bylaws' percentages {bylaws} do not add up to 100",
                    w=w,
                    bylaws=d["bylaws"],
                )
            )
            return
        funds = [d["funds"].get(k, 0) for k in SHU_PARTS]
        if d["shu"] <= 0:
            if any(funds) or d["jasa_usaha"] or d["jasa_modal"] or d["reserve"]:
                self.fail(msg("{w}: a loss or zero SHU appropriates something", w=w))
            return
        if why := remainder_rule_broken(d["shu"], bylaws, funds):
            self.fail(msg("{w}: the SHU's division over the funds: {why}", w=w, why=why))
        reserve = d["funds"]["reserve"]
        for part, base in (("jasa_usaha", d["usaha_base"]), ("jasa_modal", d["modal_base"])):
            members = sorted(base)
            if not members:
                reserve += d["funds"][part]
                if d[part]:
                    self.fail(msg("{w}: {part} goes to members without a base", w=w, part=part))
                continue
            if list(d[part]) != members:
                self.fail(
                    msg(
                        "{w}: {part} is not divided over exactly the members with a base",
                        w=w,
                        part=part,
                    )
                )
                continue
            parts = [d[part][m] for m in members]
            if why := remainder_rule_broken(d["funds"][part], [base[m] for m in members], parts):
                self.fail(msg("{w}: {part}: {why}", w=w, part=part, why=why))
        if d["reserve"] != reserve:
            self.fail(
                msg(
                    "{w}: the reserve gets {reserve}, not {reserve2}",
                    w=w,
                    reserve=d["reserve"],
                    reserve2=reserve,
                )
            )


# ------------------------------------------------------------------ the read models
Row = tuple[Any, ...]


class SettlementCheck(Check):
    name = "shu-settlements"
    description = msg(
        "a settlement of SHU pays each member no more than the standing close of its year "
        "still owed, on or after the close; a year whose SHU was settled is never reopened"
    )
    topics = frozenset({*CLOSES, "ShuSettlement.Recorded", "Cooperative.ShuSettled"})

    def __init__(self) -> None:
        super().__init__()
        self.owed: dict[int, dict[str, int]] = {}  # closed year -> member -> still owed
        self.closed_on: dict[int, dt.date] = {}
        self.settled: dict[int, list[str]] = defaultdict(list)  # year -> refs
        self.pending: dict[str, tuple[int, dict[str, int]]] = {}  # ref -> (year, amounts)

    def observe(self, entry: Entry) -> None:
        if not entry.sound:
            return
        d, w = entry.data, entry.where
        if entry.topic == "Cooperative.YearClosed":
            owed: dict[str, int] = defaultdict(int)
            for part in ("jasa_usaha", "jasa_modal"):
                for m, a in d[part].items():
                    owed[m] += a
            self.owed[d["year"]], self.closed_on[d["year"]] = dict(owed), d["day"]
        elif entry.topic == "Cooperative.YearReopened":
            if self.settled.get(d["year"]):
                self.fail(
                    msg(
                        "{w} reopens {year}, whose SHU was settled by {refs}",
                        w=w,
                        year=d["year"],
                        refs=", ".join(self.settled[d["year"]]),
                    )
                )
            self.owed.pop(d["year"], None)
        elif entry.topic == "ShuSettlement.Recorded":
            self.settle(entry, d)
        elif self.pending.pop(d["ref"], None) != (d["year"], d["amounts"]):
            self.fail(
                msg(
                    "{w}: the register's settlement {ref} is not its transaction's",
                    w=w,
                    ref=d["ref"],
                )
            )

    def settle(self, entry: Entry, d: dict[str, Any]) -> None:
        year, w = d["year"], entry.where
        owed = self.owed.get(year)
        if owed is None or d["date"] < self.closed_on[year]:
            self.fail(msg("{w} settles the SHU of {year}, not closed by then", w=w, year=year))
            return
        for m, a in sorted(d["amounts"].items()):
            if a <= 0 or a > owed.get(m, 0):
                self.fail(
                    msg(
                        "{w} settles {amount} to {member}, but the close of {year} owed {owed}",
                        w=w,
                        amount=a,
                        member=m,
                        year=year,
                        owed=owed.get(m, 0),
                    )
                )
            owed[m] = owed.get(m, 0) - a
        self.settled[year].append(d["ref"])
        self.pending[d["ref"]] = (year, d["amounts"])

    def finish(self) -> None:
        for ref in sorted(self.pending):
            self.fail(msg("settlement {ref} has no note on the register", ref=ref))


class ReadModelCheck(Check):
    """Every read-model table, row by row and column by column, equals this replay.

    ``refs``: (ref, kind, date, command, reversed_by, reversed_on) in id order;
    ``postings``: (ref, date, account, member, amount) in id order;
    ``harvests``: (ref, date, bagan, sign, gross, costs, net, manager, members,
    savings, cooperative) in id order; ``monthly``: (account, member, month, amount);
    ``totals``: (account, member, amount); ``unseal`` opens an encrypted command.
    """

    name = "read-models"
    description = msg("the read models the commands use equal this replay")

    def __init__(
        self,
        refs: Iterable[Row] = (),
        postings: Iterable[Row] = (),
        harvests: Iterable[Row] = (),
        monthly: Iterable[Row] = (),
        totals: Iterable[Row] = (),
        unseal: Callable[[str], str] = lambda text: text,
    ) -> None:
        super().__init__()
        self.refs, self.postings, self.harvests = iter(refs), iter(postings), iter(harvests)
        self.monthly_rows, self.totals_rows, self.unseal = monthly, totals, unseal
        self.monthly: dict[tuple[str, str, str], int] = defaultdict(int)
        self.reversed: dict[str, tuple[str, str]] = {}
        self.stored_reversed: dict[str, tuple[str, str]] = {}

    def differs(self, table: str, entry: Entry, stored: Any, replayed: Any) -> None:
        self.fail(
            msg(
                "{where}: {table} holds {stored} where the replay has {replayed}",
                where=entry.where,
                table=table,
                stored=stored,
                replayed=replayed,
            )
        )

    def observe(self, entry: Entry) -> None:
        if not entry.sound:
            return
        topic, postings = entry.topic, entry.postings
        kind = KINDS.get(topic)
        if not postings and kind is None and topic != "Transaction.Reversed":
            return
        day = entry.date.isoformat()  # once: every table holds it
        if postings:
            self.observe_postings(entry, day)
        if kind is not None:
            d = entry.data
            command = command_text(topic, d, day)
            want = (entry.ref, kind, day, command)
            row = next(self.refs, None)
            if row is None:
                self.differs("kerang_refs", entry, None, want)
            else:
                if row[:4] != want:  # then perhaps only sealed
                    stored = row[3] if row[3] == command else self.open(row[3])
                    if (*row[:3], stored) != want:
                        self.differs("kerang_refs", entry, (*row[:3], stored), want)
                if row[4] is not None or row[5] is not None:
                    self.stored_reversed[row[0]] = (row[4], row[5])
            if kind == "harvest":
                self.harvest(entry, harvest_row(d, day, +1))
        elif topic == "Transaction.Reversed":
            self.reversed[entry.ref] = (entry.data["by_ref"], day)
            if entry.original[0] == "Harvest.Recorded":
                self.harvest(entry, harvest_row(entry.original[1], day, -1))

    def open(self, command: str) -> str | None:
        try:
            return self.unseal(command)
        except Exception:  # noqa: BLE001 - a sealed text that does not open is a finding
            return None

    def harvest(self, entry: Entry, want: tuple) -> None:
        row = next(self.harvests, None)
        if row != want and (row is None or tuple(row) != want):
            self.differs("kerang_harvests", entry, row, want)

    def observe_postings(self, entry: Entry, day: str) -> None:
        month, ref, monthly = day[:7], entry.ref, self.monthly
        want = []
        for a, m, x in entry.postings:
            monthly[(a, m, month)] += x
            want.append((ref, day, a, m, x))
        stored = list(islice(self.postings, len(want)))
        # written in the order of the postings; compared as a set of lines all the same
        if stored != want and sorted(map(tuple, stored)) != sorted(want):
            self.differs("kerang_postings", entry, stored, want)

    def finish(self) -> None:
        for table, rows in (
            ("kerang_refs", self.refs),
            ("kerang_postings", self.postings),
            ("kerang_harvests", self.harvests),
        ):
            extra = next(rows, None)
            if extra is not None:
                self.fail(
                    msg(
                        "{table} holds rows the log never recorded, from {row}",
                        table=table,
                        row=tuple(extra),
                    )
                )
        if self.stored_reversed != self.reversed:
            diff = sorted(set(self.stored_reversed.items()) ^ set(self.reversed.items()))[:3]
            self.fail(
                msg("reversals in the refs read model differ from the log: {diff}", diff=diff)
            )
        self.compare_sums("kerang_monthly", self.monthly_rows, self.monthly)
        running: dict[tuple[str, str], int] = defaultdict(int)
        for (a, m, _), x in self.monthly.items():
            running[(a, m)] += x
        self.compare_sums("kerang_totals", self.totals_rows, running)

    def compare_sums(self, table: str, rows: Iterable[Row], replay: dict[tuple, int]) -> None:
        """Every stored row equals the replay's figure, and no figure lacks its row
        (a zero total still has its row: the commands write one per movement)."""
        seen = 0
        for *key, amount in rows:
            key = tuple(key)
            seen += 1
            if replay.get(key) != amount:
                self.fail(
                    msg(
                        "{table} of {key}: read model {x}, replay {get}",
                        table=table,
                        key=" ".join(key),
                        x=amount,
                        get=replay.get(key, 0),
                    )
                )
        if seen != len(replay):
            self.fail(
                msg(
                    "{table} has {seen} rows where the replay has {count}",
                    table=table,
                    seen=seen,
                    count=len(replay),
                )
            )
