"""The auditor's own statement of the ledger, and the fold that applies it to events.

Everything here is a specification written apart from the commands' code: the chart of
accounts, each event's schema, what each event does to the books (its date, ref and
postings), the command text a transaction stores under its ref, and the harvest rows
it adds. ``Fold`` turns stored rows into ``Entry`` objects, one per event, in order.

A new event type is added here, in four places marked "NEW EVENTS": its schema
(``SCHEMAS``), its kind and command fields if it is a transaction with a ref
(``KINDS``, ``LINE_FIELDS``), and its meaning in ``Fold`` (a ``_fold_*`` method
listed in ``Fold.rules``) or, for a transaction, in ``transaction_postings``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson

from ledger.audit.codec import canonical, untag
from ledger.i18n import msg

# ------------------------------------------------------------------ the chart
# Account names are the ledger's published chart (a specification, not logic).
CASH, INFAQ_CASH, LOANS, BAGAN = (
    "Assets:Cash:Operating",
    "Assets:Cash:Infaq",
    "Assets:Receivable:Loans",
    "Assets:Fixed:Bagan",
)
SAVINGS = {
    k: f"Liabilities:Savings:{k.capitalize()}" for k in ("pokok", "wajib", "sukarela", "harvest")
}
INFAQ_FUND, GRANTS, SALES = (
    "Liabilities:Funds:Infaq",
    "Equity:Grants:Programme",
    "Income:Harvest:Sales",
)
COSTS, MANAGER, PARTNER, SAVINGS_SHARE = (
    "Expenses:Harvest:Costs",
    "Expenses:Harvest:ManagerShare",
    "Expenses:Harvest:PartnerShare",
    "Expenses:Harvest:SavingsShare",
)
# balances that may never fall below zero, with their natural sign
GUARDED = {**{a: -1 for a in SAVINGS.values()}, LOANS: +1, INFAQ_FUND: -1}
OTHER_INCOME, OPERATING = "Income:Cooperative:Other", "Expenses:Cooperative:Operating"
PEELING_WAGES, OUTSIDE_CAPITAL, MEMBERS_BAGAN = (
    "Expenses:Peeling:Wages",
    "Equity:Capital:Outside",
    "Equity:Bagan:Members",
)
RESERVE, SHU_MEMBERS, EDUCATION_FUND, SOCIAL_FUND = (
    "Equity:Reserve",
    "Liabilities:SHU:Members",
    "Liabilities:Funds:Education",
    "Liabilities:Funds:Social",
)
SHU_PARTS = ("reserve", "jasa_usaha", "jasa_modal", "education", "social")
SHARES = ("manager", "members", "savings", "cooperative")

Posting = tuple[str, str, int]  # account, member ('' for none), amount (debit +)

# ------------------------------------------------------------------ NEW EVENTS (1): schemas
# Fields each event must carry, by topic (after the "ledger.domain:" prefix).
DATE, TEXT, INT, MAP, OPT_TEXT = dt.date, str, int, dict, (str, type(None))
SCHEMAS: dict[str, dict[str, Any]] = {
    "Cooperative.Started": {"name": TEXT, "started": DATE, "policy": MAP},
    "Cooperative.PolicySet": {"effective": DATE, "policy": MAP},
    "Cooperative.MemberAdded": {"member_id": TEXT, "name": TEXT, "joined": DATE},
    "Cooperative.MemberLeft": {"member_id": TEXT, "left": DATE, "pokok": INT, "wajib": INT},
    "Cooperative.BaganAdded": {
        "bagan_id": TEXT,
        "partners": list,
        "manager": TEXT,
        "added": DATE,
        "cost": INT,
    },
    "Cooperative.ManagerLinked": {"bagan_id": TEXT, "member": TEXT, "day": DATE},
    "Cooperative.BaganFinanced": {
        "bagan_id": TEXT,
        "day": DATE,
        "paid_by": TEXT,
        "cost": INT,
        "charges": MAP,
    },
    "Cooperative.BaganRetired": {"bagan_id": TEXT, "day": DATE, "reason": TEXT, "note": OPT_TEXT},
    "Cooperative.BaganRebuilt": {
        "bagan_id": TEXT,
        "day": DATE,
        "cost": INT,
        "paid_by": TEXT,
        "charges": MAP,
    },
    "Cooperative.YearClosed": {
        "year": INT,
        "day": DATE,
        "round": INT,
        "bylaws": MAP,
        "closing": MAP,
        "shu": INT,
        "funds": MAP,
        "usaha_base": MAP,
        "modal_base": MAP,
        "jasa_usaha": MAP,
        "jasa_modal": MAP,
        "reserve": INT,
    },
    "Cooperative.YearReopened": {"year": INT, "day": DATE, "round": INT, "reason": TEXT},
    # register corrections
    "Cooperative.MemberRenamed": {"member_id": TEXT, "name": TEXT, "day": DATE},
    "Cooperative.PartnersChanged": {"bagan_id": TEXT, "partners": list, "effective": DATE},
    "Harvest.Recorded": {
        "ref": TEXT,
        "date": DATE,
        "bagan": TEXT,
        "kg": (Decimal, type(None)),
        "price": (int, type(None)),
        "revenue": (int, type(None)),
        "costs": INT,
        "buyer": OPT_TEXT,
        "gross": INT,
        "net": INT,
        "policy": MAP,
        "shares": MAP,
        "manager": TEXT,
        "income": MAP,
        "savings": MAP,
    },
    "SavingsDeposit.Recorded": {
        "ref": TEXT,
        "date": DATE,
        "member": TEXT,
        "savings_kind": TEXT,
        "amount": INT,
    },
    "SavingsWithdrawal.Recorded": {
        "ref": TEXT,
        "date": DATE,
        "member": TEXT,
        "savings_kind": TEXT,
        "amount": INT,
    },
    "InfaqReceipt.Recorded": {"ref": TEXT, "date": DATE, "amount": INT, "member": OPT_TEXT},
    "InfaqDisbursement.Recorded": {"ref": TEXT, "date": DATE, "amount": INT, "purpose": TEXT},
    "LoanDisbursement.Recorded": {"ref": TEXT, "date": DATE, "member": TEXT, "amount": INT},
    "LoanRepayment.Recorded": {"ref": TEXT, "date": DATE, "member": TEXT, "amount": INT},
    "Repair.Recorded": {"ref": TEXT, "date": DATE, "bagan": TEXT, "amount": INT, "charges": MAP},
    "Correction.Recorded": {"ref": TEXT, "date": DATE, "reverses": TEXT, "reason": TEXT},
    "Story.Recorded": {"ref": TEXT, "date": DATE, "member": TEXT, "title": TEXT, "text": TEXT},
    "CooperativeIncome.Recorded": {"ref": TEXT, "date": DATE, "amount": INT, "purpose": TEXT},
    "CooperativeExpense.Recorded": {"ref": TEXT, "date": DATE, "amount": INT, "purpose": TEXT},
    "PeelingPay.Recorded": {
        "ref": TEXT,
        "date": DATE,
        "member": TEXT,
        "amount": INT,
        "days": (int, type(None)),
    },
    "ShuSettlement.Recorded": {
        "ref": TEXT,
        "date": DATE,
        "year": INT,
        "member": OPT_TEXT,
        "all_members": (bool, type(None)),
        "to": TEXT,
        "amounts": MAP,
    },
    "Cooperative.ShuSettled": {"ref": TEXT, "year": INT, "day": DATE, "amounts": MAP},
    "Transaction.Reversed": {"by_ref": TEXT, "day": DATE, "reason": TEXT},
}
# fields added after events were first recorded: older events lack them (read as None)
LATER_FIELDS = frozenset({"notes"})
for _topic in (
    "Harvest.Recorded",
    "SavingsDeposit.Recorded",
    "SavingsWithdrawal.Recorded",
    "InfaqReceipt.Recorded",
    "InfaqDisbursement.Recorded",
    "LoanDisbursement.Recorded",
    "LoanRepayment.Recorded",
    "Repair.Recorded",
    "Correction.Recorded",
    "CooperativeIncome.Recorded",
    "CooperativeExpense.Recorded",
    "PeelingPay.Recorded",
    "ShuSettlement.Recorded",
):
    SCHEMAS[_topic]["notes"] = OPT_TEXT
# the fields stored as tagged values (dates, decimals), untagged when decoding
TAGGED: dict[str, tuple[str, ...]] = {
    topic: tuple(
        f
        for f, k in fields.items()
        if k is DATE or (isinstance(k, tuple) and (DATE in k or Decimal in k))
    )
    for topic, fields in SCHEMAS.items()
}
EXACT_TYPES: dict[str, tuple[tuple[str, frozenset[type]], ...]] = {
    topic: tuple((f, frozenset(k if isinstance(k, tuple) else (k,))) for f, k in fields.items())
    for topic, fields in SCHEMAS.items()
}

# ------------------------------------------------------------------ NEW EVENTS (2): transactions
# A transaction's kind (the import line's op) and the fields of the command stored under its
# ref, in line order: (event field, line name). None values are left out of the line.
KINDS = {
    "Harvest.Recorded": "harvest",
    "SavingsDeposit.Recorded": "savings.deposit",
    "SavingsWithdrawal.Recorded": "savings.withdraw",
    "InfaqReceipt.Recorded": "infaq.receive",
    "InfaqDisbursement.Recorded": "infaq.disburse",
    "LoanDisbursement.Recorded": "loan.disburse",
    "LoanRepayment.Recorded": "loan.repay",
    "Repair.Recorded": "repair",
    "Correction.Recorded": "correct",
    "Story.Recorded": "story.add",
    "CooperativeIncome.Recorded": "cooperative.income",
    "CooperativeExpense.Recorded": "cooperative.expense",
    "PeelingPay.Recorded": "peeling.pay",
    "ShuSettlement.Recorded": "shu.settle",
}
_SAVINGS_LINE = (("member", "member"), ("savings_kind", "kind"), ("amount", "amount"))
LINE_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "Harvest.Recorded": tuple(
        (f, f) for f in ("bagan", "kg", "price", "revenue", "costs", "buyer")
    ),
    "SavingsDeposit.Recorded": _SAVINGS_LINE,
    "SavingsWithdrawal.Recorded": _SAVINGS_LINE,
    "InfaqReceipt.Recorded": (("amount", "amount"), ("member", "member")),
    "InfaqDisbursement.Recorded": (("amount", "amount"), ("purpose", "purpose")),
    "LoanDisbursement.Recorded": (("member", "member"), ("amount", "amount")),
    "LoanRepayment.Recorded": (("member", "member"), ("amount", "amount")),
    "Repair.Recorded": (("bagan", "bagan"), ("amount", "amount")),
    "Correction.Recorded": (("reverses", "reverses"), ("reason", "reason")),
    "Story.Recorded": (("member", "member"), ("title", "title"), ("text", "text")),
    "CooperativeIncome.Recorded": (("amount", "amount"), ("purpose", "purpose")),
    "CooperativeExpense.Recorded": (("amount", "amount"), ("purpose", "purpose")),
    "PeelingPay.Recorded": (("member", "member"), ("amount", "amount"), ("days", "days")),
    "ShuSettlement.Recorded": (
        ("year", "year"),
        ("member", "member"),
        ("all_members", "all"),
        ("to", "to"),
    ),
}


def command_text(topic: str, d: dict[str, Any], day: str | None = None) -> str:
    """The command a transaction stores under its ref: canonical JSON, keys sorted
    (``day``: its date in ISO form, when the caller has it already)."""
    line: dict[str, Any] = {
        "op": KINDS[topic],
        "ref": d["ref"],
        "date": day if day is not None else d["date"].isoformat(),
    }
    for field, name in LINE_FIELDS[topic]:
        value = d[field]
        if value is not None:
            line[name] = value
    for field in LATER_FIELDS:  # older events lack them
        value = d.get(field)
        if value is not None:
            line[field] = value
    # a kg (the one decimal an event holds) is written as its text
    return orjson.dumps(line, default=str, option=orjson.OPT_SORT_KEYS).decode("utf-8")


def financing(d: dict[str, Any], new: bool) -> list[Posting]:
    """Who paid for a bagan: a new one moves its cost off the programme's grant to
    the payer; a rebuild adds to the bagan; savings pay as a repair does and the
    bagan is then the partners' stake."""
    cost, paid_by = d["cost"], d["paid_by"]
    first: Posting = (GRANTS if new else BAGAN, "", cost)
    if paid_by == "savings":
        out = [first, (MEMBERS_BAGAN, "", -cost)]
        out += [(SAVINGS["harvest"], m, a) for m, a in d["charges"].items()]
        return [*out, (CASH, "", -cost)]
    if paid_by == "cooperative":
        return [first, (CASH, "", -cost)]
    if paid_by == "capital":
        return [first, (OUTSIDE_CAPITAL, "", -cost)]
    if paid_by == "grant":
        return [] if new else [first, (GRANTS, "", -cost)]
    raise ValueError(f"paid by {paid_by!r}")


def transaction_postings(topic: str, d: dict[str, Any]) -> list[Posting]:
    """What each recorded transaction does to the books (NEW EVENTS: add its rule here)."""
    if topic == "PeelingPay.Recorded":
        return [(PEELING_WAGES, d["member"], d["amount"]), (CASH, "", -d["amount"])]
    if topic == "ShuSettlement.Recorded":
        paid: list[Posting] = [(SHU_MEMBERS, m, a) for m, a in d["amounts"].items()]
        if d["to"] == "sukarela":
            return paid + [(SAVINGS["sukarela"], m, -a) for m, a in d["amounts"].items()]
        if d["to"] == "cash":
            return [*paid, (CASH, "", -sum(d["amounts"].values()))]
        raise ValueError(f"settled to {d['to']!r}")
    if topic == "Harvest.Recorded":
        s = d["shares"]
        out: list[Posting] = [
            (CASH, "", d["gross"] - d["costs"] - s["manager"] - s["members"]),
            (SALES, "", -d["gross"]),
            (COSTS, "", d["costs"]),
            (MANAGER, "", s["manager"]),
            (SAVINGS_SHARE, "", s["savings"]),
        ]
        out += [(PARTNER, m, a) for m, a in d["income"].items()]
        out += [(SAVINGS["harvest"], m, -a) for m, a in d["savings"].items()]
        return out
    amount = d.get("amount", 0)
    if topic == "SavingsDeposit.Recorded":
        return [(CASH, "", amount), (SAVINGS[d["savings_kind"]], d["member"], -amount)]
    if topic == "SavingsWithdrawal.Recorded":
        return [(CASH, "", -amount), (SAVINGS[d["savings_kind"]], d["member"], amount)]
    if topic == "InfaqReceipt.Recorded":
        return [(INFAQ_CASH, "", amount), (INFAQ_FUND, d["member"] or "", -amount)]
    if topic == "InfaqDisbursement.Recorded":
        return [(INFAQ_CASH, "", -amount), (INFAQ_FUND, "", amount)]
    if topic == "LoanDisbursement.Recorded":
        return [(LOANS, d["member"], amount), (CASH, "", -amount)]
    if topic == "LoanRepayment.Recorded":
        return [(LOANS, d["member"], -amount), (CASH, "", amount)]
    if topic == "CooperativeIncome.Recorded":
        return [(CASH, "", amount), (OTHER_INCOME, "", -amount)]
    if topic == "CooperativeExpense.Recorded":
        return [(OPERATING, "", amount), (CASH, "", -amount)]
    if topic == "Repair.Recorded":
        return [*((SAVINGS["harvest"], m, a) for m, a in d["charges"].items()), (CASH, "", -amount)]
    return []  # corrections and stories move no money themselves


def close_postings(d: dict[str, Any]) -> list[Posting]:
    """A year's close: the Income and Expenses balances it closes, and the SHU to the
    reserve, members and funds (a loss to Equity:SHU:YEAR)."""
    out: list[Posting] = [(a, "", -x) for a, x in d["closing"].items()]
    if d["shu"] <= 0:
        out.append((f"Equity:SHU:{d['year']}", "", -d["shu"]))
    else:
        out.append((RESERVE, "", -d["reserve"]))
        for m in sorted(set(d["jasa_usaha"]) | set(d["jasa_modal"])):
            out.append((SHU_MEMBERS, m, -d["jasa_usaha"].get(m, 0) - d["jasa_modal"].get(m, 0)))
        out.append((EDUCATION_FUND, "", -d["funds"]["education"]))
        out.append((SOCIAL_FUND, "", -d["funds"]["social"]))
    return [p for p in out if p[2]]


def harvest_row(d: dict[str, Any], day: str, sign: int) -> tuple:
    """The harvest read model's row: (ref, date, bagan, sign, gross, costs, net, shares...)
    (``day`` in ISO form)."""
    s = d["shares"]
    return (
        d["ref"],
        day,
        d["bagan"],
        sign,
        sign * d["gross"],
        sign * d["costs"],
        sign * d["net"],
        sign * s["manager"],
        sign * s["members"],
        sign * s["savings"],
        sign * s["cooperative"],
    )


# ------------------------------------------------------------------ entries
_SHORT = {f"ledger.domain:{t}": t for t in SCHEMAS}  # the topics a ledger stores


def short_topic(stored_topic: str) -> str:
    """The topic without its module prefix (looked up for the known ones: once per event)."""
    short = _SHORT.get(stored_topic)
    return short if short is not None else stored_topic.rpartition(":")[2]


class Entry:
    """One stored event as the auditor replays it."""

    __slots__ = (
        "seq",
        "originator_id",
        "version",
        "stored_topic",
        "state",
        "data",
        "plain",
        "canonical",
        "topic",
        "ref",
        "date",
        "postings",
        "problem",
        "original",
        "sound",
    )

    def __init__(
        self,
        seq: int,
        originator_id: str,
        version: int,
        stored_topic: str,
        state: bytes,  # as stored (ciphertext when encrypted): what the chain covers
        data: dict[str, Any] | None,  # None when it does not decode
        plain: bytes = b"",  # the decrypted state
        canonical: bool = True,  # the stored bytes are the canonical encoding of the data
        problem: str = "",  # why the auditor could not make sense of it
        topic: str | None = None,  # stored_topic without its prefix, when known already
    ) -> None:
        self.seq, self.originator_id, self.version = seq, originator_id, version
        self.stored_topic, self.state, self.data, self.plain = stored_topic, state, data, plain
        self.canonical, self.problem = canonical, problem
        self.topic = topic if topic is not None else short_topic(stored_topic)
        self.ref = ""
        self.date: dt.date | None = None
        self.postings: list[Posting] = []
        self.original: tuple[str, dict[str, Any]] | None = None  # a reversal's original
        self.sound = False  # decoded and replayed without a problem

    @property
    def where(self) -> str:
        if self.ref:
            return msg("event {seq} (ref {ref})", seq=self.seq, ref=self.ref)
        return msg("event {seq}", seq=self.seq)


Original = Callable[[str], "tuple[str, dict[str, Any]] | None"]


class Fold:
    """Stored rows -> Entries. Keeps only the register of closes (to reopen one) and
    asks ``original(originator_id)`` for a reversed transaction's first event, so memory
    stays flat however long the log."""

    def __init__(self, original: Original) -> None:
        self.original = original
        self.closes: dict[int, list[dict[str, Any]]] = {}
        # NEW EVENTS (3): what each event means; transactions with a ref share one rule
        self.rules: dict[str, Callable[[Entry, dict[str, Any]], None]] = {
            "Cooperative.Started": self._fold_started,
            "Cooperative.PolicySet": self._fold_policy,
            "Cooperative.MemberAdded": self._fold_member_added,
            "Cooperative.MemberLeft": self._fold_member_left,
            "Cooperative.BaganAdded": self._fold_bagan_added,
            "Cooperative.MemberRenamed": self._fold_member_renamed,
            "Cooperative.PartnersChanged": self._fold_partners_changed,
            "Cooperative.ManagerLinked": self._fold_manager_linked,
            "Cooperative.BaganFinanced": self._fold_bagan_financed,
            "Cooperative.BaganRetired": self._fold_bagan_retired,
            "Cooperative.BaganRebuilt": self._fold_bagan_rebuilt,
            "Cooperative.YearClosed": self._fold_year_closed,
            "Cooperative.YearReopened": self._fold_year_reopened,
            "Cooperative.ShuSettled": self._fold_shu_settled,
            "Transaction.Reversed": self._fold_reversed,
            **dict.fromkeys(KINDS, self._fold_transaction),
        }

    def __call__(
        self, seq: int, oid: str, version: int, topic: str, state: bytes, plain: bytes | None
    ) -> Entry:
        """``plain`` is None when the state could not be decrypted."""
        if plain is None:
            return Entry(seq, oid, version, topic, state, None, problem="does not decrypt")
        short = short_topic(topic)
        try:
            raw, exact = canonical(plain)
            data = untag(raw, TAGGED.get(short))
        except Exception as e:  # noqa: BLE001 - undecodable bytes are a finding
            return Entry(
                seq, oid, version, topic, state, None, plain, problem=f"does not decode ({e})"
            )
        entry = Entry(seq, oid, version, topic, state, data, plain, exact, "", short)
        rule = self.rules.get(entry.topic)
        if rule is None:
            entry.problem = f"has an unknown topic {entry.topic!r}"
            return entry
        try:
            rule(entry, data)
        except (KeyError, TypeError, AttributeError, ValueError) as e:
            entry.problem = f"cannot be replayed ({type(e).__name__}: {e})"
            return entry
        for account, _, amount in entry.postings:
            if type(amount) is not int:  # no check may add up what is not whole rupiah
                entry.problem = f"posts {amount!r} to {account}, which is not whole rupiah"
                entry.postings = []
                return entry
        entry.sound = True
        return entry

    def _fold_transaction(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date, entry.ref = d["date"], d["ref"]
        entry.postings = transaction_postings(entry.topic, d)

    def _fold_started(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date = d["started"]

    def _fold_policy(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date = d["effective"]

    def _fold_member_added(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date = d["joined"]

    def _fold_member_left(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date, entry.ref = d["left"], f"leave:{d['member_id']}"
        for kind in ("pokok", "wajib"):
            if d[kind]:
                entry.postings += [(SAVINGS[kind], d["member_id"], d[kind]), (CASH, "", -d[kind])]

    def _fold_bagan_added(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date, entry.ref = d["added"], f"bagan:{d['bagan_id']}"
        if d["cost"]:
            entry.postings = [(BAGAN, "", d["cost"]), (GRANTS, "", -d["cost"])]

    def _fold_shu_settled(self, entry: Entry, d: dict[str, Any]) -> None:
        # the register's note of a settlement; its postings are its transaction's
        entry.date, entry.ref = d["day"], f"shu:{d['year']}:{d['ref']}"

    def _fold_member_renamed(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date = d["day"]  # a register fact: no postings

    def _fold_partners_changed(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date = d["effective"]  # a register fact: no postings

    def _fold_manager_linked(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date, entry.ref = d["day"], f"bagan:{d['bagan_id']}"

    def _fold_bagan_financed(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date, entry.ref = d["day"], f"bagan:{d['bagan_id']}:{d['day'].isoformat()}"
        entry.postings = financing(d, new=True)

    def _fold_bagan_retired(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date, entry.ref = d["day"], f"retire:{d['bagan_id']}"

    def _fold_bagan_rebuilt(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date, entry.ref = d["day"], f"rebuild:{d['bagan_id']}:{d['day'].isoformat()}"
        entry.postings = financing(d, new=False)

    def _fold_year_closed(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date, entry.ref = dt.date(d["year"], 12, 31), f"close:{d['year']}"
        self.closes.setdefault(d["year"], []).append(d)
        entry.postings = close_postings(d)

    def _fold_year_reopened(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date, entry.ref = dt.date(d["year"], 12, 31), f"reopen:{d['year']}"
        closes = self.closes.get(d["year"], [])
        if not 0 < d["round"] <= len(closes):
            entry.problem = f"reopens close {d['round']} of {d['year']}, never recorded"
            return
        entry.postings = [(a, m, -x) for a, m, x in close_postings(closes[d["round"] - 1])]

    def _fold_reversed(self, entry: Entry, d: dict[str, Any]) -> None:
        entry.date = d["day"]
        found = self.original(entry.originator_id)
        if found is None or found[0] not in KINDS:
            entry.problem = "reverses a transaction that was never recorded"
            return
        entry.original = found
        topic, original = found
        entry.ref = original["ref"]
        entry.postings = [(a, m, -x) for a, m, x in transaction_postings(topic, original)]
