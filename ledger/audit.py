"""The auditor: rebuild everything from the stored event rows alone and check it.

The audit reads the ``stored_events`` rows itself (raw SQL, its own JSON
decoding) and folds them with its own code — not through the aggregates or
the read models that the commands use. It streams the rows once, in order;
each check is a small independent object that observes the replayed entries
and returns its findings (beancount's validation list, made streaming so that
memory stays flat however long the ledger). Checks that need the whole table
at once are asked of the database (GROUP BY), not of Python memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs

from ledger.chain import GENESIS, link
from ledger.i18n import msg

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
GUARDED = {**{a: -1 for a in SAVINGS.values()}, LOANS: +1, INFAQ_FUND: -1}
OTHER_INCOME, OPERATING = "Income:Cooperative:Other", "Expenses:Cooperative:Operating"
RESERVE, SHU_MEMBERS, EDUCATION_FUND, SOCIAL_FUND = (
    "Equity:Reserve",
    "Liabilities:SHU:Members",
    "Liabilities:Funds:Education",
    "Liabilities:Funds:Social",
)
SHU_PARTS = ("reserve", "jasa_usaha", "jasa_modal", "education", "social")
SHARES = ("manager", "members", "savings", "cooperative")
MAX_SHOWN = 10

Posting = tuple[str, str, int]  # account, member ('' for none), amount (debit +)


# the ledger's published identity scheme: a transaction's aggregate ID derives from its ref
NAMESPACE = uuid5(NAMESPACE_URL, "https://kerang.invalid/ledger")
_NAMESPACE_BYTES = NAMESPACE.bytes


# ------------------------------------------------------------------ decoding
def _decode_hook(d: dict[str, Any]) -> Any:
    if len(d) == 2 and "_type_" in d and "_data_" in d:
        kind, data = d["_type_"], d["_data_"]
        if kind == "date":
            return dt.date.fromisoformat(data)
        if kind == "decimal_str":
            return Decimal(data)
        if kind == "datetime_iso":
            return dt.datetime.fromisoformat(data)
        if kind == "uuid_hex":
            return UUID(data)
        raise ValueError(f"unknown encoded type {kind!r}")
    return d


_DECODER = json.JSONDecoder(object_hook=_decode_hook)


def decode(state: bytes) -> dict[str, Any]:
    return _DECODER.decode(state.decode("utf-8"))


def _encode_obj(o: Any) -> dict[str, str]:
    if isinstance(o, dt.datetime):
        return {"_type_": "datetime_iso", "_data_": o.isoformat()}
    if isinstance(o, dt.date):
        return {"_type_": "date", "_data_": o.isoformat()}
    if isinstance(o, Decimal):
        return {"_type_": "decimal_str", "_data_": str(o)}
    if isinstance(o, UUID):
        return {"_type_": "uuid_hex", "_data_": o.hex}
    raise TypeError(f"cannot encode {type(o).__name__}")


_ENCODER = json.JSONEncoder(default=_encode_obj, separators=(",", ":"), ensure_ascii=False)


def encode(data: dict[str, Any]) -> bytes:
    """The canonical stored form: the stored bytes must be exactly this."""
    return _ENCODER.encode(data).encode("utf-8")


def ref_identity(ref: str) -> str:
    """The aggregate ID (hex) a transaction with this ref is stored under: UUID v5."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"ref:{ref}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    return digest.hex()


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
    "Transaction.Reversed": {"by_ref": TEXT, "day": DATE, "reason": TEXT},
}
SCHEMAS.update(
    {
        "CooperativeIncome.Recorded": {"ref": TEXT, "date": DATE, "amount": INT, "purpose": TEXT},
        "CooperativeExpense.Recorded": {"ref": TEXT, "date": DATE, "amount": INT, "purpose": TEXT},
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
    }
)
EXACT_TYPES: dict[str, tuple[tuple[str, frozenset[type]], ...]] = {
    topic: tuple((f, frozenset(k if isinstance(k, tuple) else (k,))) for f, k in fields.items())
    for topic, fields in SCHEMAS.items()
}
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
}


# ------------------------------------------------------------------ entries
@attrs.define
class Entry:
    """One stored event as the auditor replays it."""

    seq: int
    originator_id: str
    version: int
    stored_topic: str
    state: bytes
    data: dict[str, Any] | None  # None when it does not decode
    ref: str = ""
    date: dt.date | None = None
    postings: list[Posting] = attrs.Factory(list)
    problem: str = ""  # why the auditor could not make sense of it
    plain: bytes = b""  # the decrypted state (the stored bytes when not encrypted)
    topic: str = attrs.field(init=False)  # without the module prefix

    def __attrs_post_init__(self) -> None:
        self.topic = self.stored_topic.rpartition(":")[2]

    @property
    def where(self) -> str:
        if self.ref:
            return msg("event {seq} (ref {ref})", seq=self.seq, ref=self.ref)
        return msg("event {seq}", seq=self.seq)


@attrs.frozen
class CheckResult:
    name: str
    ok: bool
    detail: str
    findings: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@attrs.frozen
class AuditReport:
    ok: bool
    events: int
    head: str
    as_of: dt.date | None
    checks: tuple[CheckResult, ...]

    def as_json(self) -> dict[str, Any]:
        out = {
            "ok": self.ok,
            "events": self.events,
            "head": self.head,
            "checks": [c.as_json() for c in self.checks],
        }
        if self.as_of:
            out["as_of"] = self.as_of.isoformat()
        return out


class Check:
    """Observes every replayed entry; reports its findings at the end."""

    name = "check"
    description = ""

    def __init__(self) -> None:
        self.findings: list[str] = []
        self.seen = 0

    def fail(self, message: str) -> None:
        self.findings.append(message)

    def observe(self, entry: Entry, auditor: Auditor) -> None:  # noqa: B027 - optional hook
        pass

    def finish(self, auditor: Auditor) -> None:  # noqa: B027 - optional hook
        pass

    def result(self) -> CheckResult:
        shown = self.findings[:MAX_SHOWN]
        more = len(self.findings) - len(shown)
        detail = (
            self.description
            if not self.findings
            else "; ".join(shown) + (f"; and {more} more" if more else "")
        )
        return CheckResult(self.name, not self.findings, detail, tuple(self.findings))


# ------------------------------------------------------------------ the fold
class Register:
    """The auditor's own view of members, bagan and policies."""

    def __init__(self) -> None:
        self.policies: list[tuple[dt.date, dict[str, int]]] = []
        self.bagan: dict[str, list[str]] = {}
        self.members: dict[str, dict[str, Any]] = {}
        self.closes: dict[int, list[dict[str, Any]]] = {}  # each year's closes, oldest first

    def policy_on(self, day: dt.date) -> dict[str, int] | None:
        current = None
        for effective, points in sorted(self.policies, key=lambda p: p[0]):
            if effective <= day:
                current = points
        return current


def close_postings(d: dict[str, Any]) -> list[Posting]:
    """The auditor's statement of a year's close: the Income and Expenses balances
    it closes, and the SHU to the reserve, members and funds (a loss to Equity:SHU:YEAR)."""
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


def transaction_postings(topic: str, d: dict[str, Any]) -> list[Posting]:
    """The auditor's own statement of what each recorded fact does to the books."""
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


class Source:
    """Read-only access to a ledger's stored rows, one consistent snapshot.

    SQLite: a read-only connection in one read transaction. PostgreSQL: a
    REPEATABLE READ, READ ONLY transaction with server-side cursors, so that
    streaming a million events keeps memory flat.
    """

    def __init__(self, db: str) -> None:
        from ledger.app import is_postgres, ledger_env

        self.postgres = is_postgres(db)
        env = ledger_env(db, write=False)
        self.cipher = None
        if env.get("CIPHER_KEY"):
            from eventsourcing.cryptography import AESCipher
            from eventsourcing.utils import Environment

            self.cipher = AESCipher(Environment(env=env))
        self.seq = "notification_id" if self.postgres else "rowid"
        if self.postgres:
            from psycopg.rows import tuple_row

            from ledger.pgstore import connect

            self.conn = connect(env, row_factory=tuple_row)
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            self.conn.execute(f'SET LOCAL search_path TO "{env["POSTGRES_SCHEMA"]}"')
        else:
            from ledger.files import connect_readonly

            self.conn = connect_readonly(db, isolation_level=None)
            self.conn.execute("BEGIN")
        self.cursors = 0

    def sql(self, text: str) -> str:
        text = text.replace("{seq}", self.seq)
        return text.replace("?", "%s") if self.postgres else text

    def execute(self, text: str, params: tuple = ()) -> Any:
        return self.conn.execute(self.sql(text), params)

    def stream(self, text: str, params: tuple = ()) -> Iterator[tuple]:
        """Rows one by one, fetched in large batches (take them with ``next``)."""
        if not self.postgres:
            return iter(self.conn.execute(self.sql(text), params))
        self.cursors += 1
        cursor = self.conn.cursor(name=f"kerang_audit_{self.cursors}")
        cursor.itersize = 10000  # one round trip per 10,000 rows, not per row
        cursor.execute(self.sql(text), params)
        return iter(cursor)

    def identity(self, oid: Any) -> Any:
        """An originator ID as a query parameter."""
        return UUID(oid) if self.postgres else oid

    def plaintext(self, state: bytes) -> bytes:
        return self.cipher.decrypt(state) if self.cipher else state

    def close(self) -> None:
        self.conn.rollback() if self.postgres else self.conn.execute("ROLLBACK")
        self.conn.close()


class Auditor:
    """Streams the stored events of a SQLite ledger and runs the checks."""

    def __init__(
        self,
        db: str,
        as_of: dt.date | None = None,
        progress: Callable[[int, int], None] | None = None,
    ):
        self.db = db
        self.as_of = as_of
        self.progress = progress
        self.conn = Source(db)
        self.register = Register()
        self.pending_corrections: dict[str, Entry] = {}
        self.head = GENESIS
        self.events = 0

    # an original's postings are re-read when it is reversed: nothing is kept per event
    def original(self, originator_id: str) -> tuple[str, dict[str, Any]] | None:
        row = self.conn.execute(
            "SELECT topic, state FROM stored_events WHERE originator_id=? AND originator_version=1",
            (self.conn.identity(originator_id),),
        ).fetchone()
        if row is None:
            return None
        return row[0].split(":", 1)[-1], decode(self.conn.plaintext(bytes(row[1])))

    def in_scope(self, entry: Entry) -> bool:
        return self.as_of is None or entry.date is None or entry.date <= self.as_of

    def entries(self) -> Iterator[Entry]:
        total = self.conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
        cursor = self.conn.stream(
            "SELECT {seq}, originator_id, originator_version, topic, state FROM stored_events ORDER BY {seq}"
        )
        for n, (seq, oid, version, topic, state) in enumerate(cursor, start=1):
            if self.progress and n % 5000 == 0:
                self.progress(n, total)
            yield self.replay(seq, oid, version, topic, state)
        if self.progress:
            self.progress(total, total)

    def replay(self, seq: int, oid: Any, version: int, topic: str, state: Any) -> Entry:
        state = state.encode() if isinstance(state, str) else bytes(state)
        oid = oid.hex if isinstance(oid, UUID) else oid
        try:
            plain = self.conn.plaintext(state)
            data = decode(plain)
        except Exception as e:  # noqa: BLE001 - undecodable or undecryptable bytes are a finding
            return Entry(
                seq,
                oid,
                version,
                topic,
                state,
                None,
                problem=f"does not decode ({type(e).__name__})",
            )
        entry = Entry(seq, oid, version, topic, state, data, plain=plain)
        try:
            self._fold(entry, data)
        except (KeyError, TypeError, AttributeError) as e:
            entry.problem = f"cannot be replayed ({type(e).__name__}: {e})"
        return entry

    def _fold(self, entry: Entry, d: dict[str, Any]) -> None:
        t, reg = entry.topic, self.register
        if t == "Cooperative.Started":
            entry.date = d["started"]
            reg.policies.append((d["started"], d["policy"]))
        elif t == "Cooperative.PolicySet":
            entry.date = d["effective"]
            reg.policies.append((d["effective"], d["policy"]))
        elif t == "Cooperative.MemberAdded":
            entry.date = d["joined"]
            reg.members[d["member_id"]] = {"joined": d["joined"], "left": None}
        elif t == "Cooperative.MemberLeft":
            entry.date, entry.ref = d["left"], f"leave:{d['member_id']}"
            reg.members[d["member_id"]]["left"] = d["left"]
            for kind in ("pokok", "wajib"):
                if d[kind]:
                    entry.postings += [
                        (SAVINGS[kind], d["member_id"], d[kind]),
                        (CASH, "", -d[kind]),
                    ]
        elif t == "Cooperative.BaganAdded":
            entry.date, entry.ref = d["added"], f"bagan:{d['bagan_id']}"
            reg.bagan[d["bagan_id"]] = list(d["partners"])
            if d["cost"]:
                entry.postings = [(BAGAN, "", d["cost"]), (GRANTS, "", -d["cost"])]
        elif t == "Transaction.Reversed":
            entry.date = d["day"]
            found = self.original(entry.originator_id)
            if found is None:
                entry.problem = "reverses a transaction that was never recorded"
                return
            original_topic, original = found
            entry.ref = original.get("ref", "")
            entry.postings = [
                (a, m, -x) for a, m, x in transaction_postings(original_topic, original)
            ]
        elif t in KINDS:
            entry.date, entry.ref = d["date"], d["ref"]
            entry.postings = transaction_postings(t, d)
        elif t == "Cooperative.YearClosed":
            entry.date, entry.ref = dt.date(d["year"], 12, 31), f"close:{d['year']}"
            reg.closes.setdefault(d["year"], []).append(d)
            entry.postings = close_postings(d)
        elif t == "Cooperative.YearReopened":
            entry.date, entry.ref = dt.date(d["year"], 12, 31), f"reopen:{d['year']}"
            closes = reg.closes.get(d["year"], [])
            if not 0 < d["round"] <= len(closes):
                entry.problem = f"reopens close {d['round']} of {d['year']}, never recorded"
                return
            entry.postings = [(a, m, -x) for a, m, x in close_postings(closes[d["round"] - 1])]
        else:
            entry.problem = f"has an unknown topic {entry.topic!r}"

    def run(self, checks: list[Check]) -> AuditReport:
        for entry in self.entries():
            self.events += 1
            for check in checks:
                check.observe(entry, self)
        for check in checks:
            check.finish(self)
        self.conn.close()
        results = tuple(c.result() for c in checks)
        return AuditReport(all(r.ok for r in results), self.events, self.head, self.as_of, results)


# ------------------------------------------------------------------ checks
class ChainCheck(Check):
    name = "chain"
    description = msg("every link of the hash chain holds; the head commits to every event")

    def __init__(self, conn: Source) -> None:
        super().__init__()
        self.links = conn.stream("SELECT id, link FROM kerang_chain ORDER BY id")
        self.previous = GENESIS
        self.broken = False

    def observe(self, entry: Entry, auditor: Auditor) -> None:
        expected = link(
            self.previous,
            entry.seq,
            entry.originator_id,
            entry.version,
            entry.stored_topic,
            entry.state,
        )
        stored = next(self.links, None)
        if self.broken:
            self.previous = expected
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
        elif stored[1] != expected:
            self.fail(
                msg(
                    "the chain breaks at {where}: its stored bytes or the link were changed",
                    where=entry.where,
                )
            )
            self.broken = True
        self.previous = expected
        auditor.head = expected

    def finish(self, auditor: Auditor) -> None:
        extra = next(self.links, None)
        if extra is not None and not self.broken:
            self.fail(
                msg(
                    "event {extra} is missing: the chain has a link for it but the log does not",
                    extra=extra[0],
                )
            )


class SchemaCheck(Check):
    name = "schema"
    description = msg("every record decodes, fits its schema and re-encodes to its stored bytes")

    def observe(self, entry: Entry, auditor: Auditor) -> None:
        if entry.data is None or entry.problem:
            self.fail(msg("{where} {problem}", where=entry.where, problem=entry.problem))
            return
        schema = EXACT_TYPES.get(entry.topic)
        if schema is None:
            self.fail(
                msg("{where} has an unknown topic {topic!r}", where=entry.where, topic=entry.topic)
            )
            return
        data = entry.data
        for field, allowed in schema:
            if field not in data:
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
        if encode(entry.data) != entry.plain:
            self.fail(msg("{where} does not re-encode to its stored bytes", where=entry.where))


class SequenceCheck(Check):
    name = "sequence"
    description = msg("per aggregate, versions run 1..n in recording order; refs are unique")

    def observe(self, entry: Entry, auditor: Auditor) -> None:
        if entry.data is None or not entry.ref or entry.topic not in KINDS:
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

    def finish(self, auditor: Auditor) -> None:
        rows = auditor.conn.execute(
            "SELECT originator_id, originator_version, rn FROM ("
            " SELECT originator_id, originator_version,"
            " ROW_NUMBER() OVER (PARTITION BY originator_id ORDER BY {seq}) AS rn FROM stored_events) AS v"
            " WHERE originator_version != rn LIMIT 20"
        ).fetchall()
        for oid, version, rn in rows:
            self.fail(
                msg(
                    "aggregate {oid} has version {version} where {rn} was expected (a gap or duplicate)",
                    oid=oid,
                    version=version,
                    rn=rn,
                )
            )


class HarvestCheck(Check):
    name = "harvest-split"
    description = msg(
        "every harvest's shares add up to its net by the policy in force and the remainder rule"
    )

    def observe(self, entry: Entry, auditor: Auditor) -> None:
        if (
            entry.topic != "Harvest.Recorded"
            or entry.data is None
            or entry.problem
            or not auditor.in_scope(entry)
        ):
            return
        d, w = entry.data, entry.where
        if d["kg"] is not None:
            gross = int((d["kg"] * d["price"]).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        else:
            gross = d["revenue"]
        if gross != d["gross"]:
            self.fail(
                msg(
                    "{w}: gross {gross} is not kg x price or the revenue ({gross2})",
                    w=w,
                    gross=d["gross"],
                    gross2=gross,
                )
            )
        if d["net"] != d["gross"] - d["costs"] or d["costs"] > d["gross"] or d["costs"] < 0:
            self.fail(
                msg(
                    "{w}: net {net} is not gross {gross} less costs {costs}",
                    w=w,
                    net=d["net"],
                    gross=d["gross"],
                    costs=d["costs"],
                )
            )
        policy = auditor.register.policy_on(d["date"])
        if policy != d["policy"]:
            self.fail(
                msg(
                    "{w}: split by {policy} but {policy2} was in force on {date}",
                    w=w,
                    policy=d["policy"],
                    policy2=policy,
                    date=d["date"],
                )
            )
            return
        shares = [d["shares"][k] for k in SHARES]
        if sum(shares) != d["net"]:
            self.fail(
                msg(
                    "{w}: shares add up to {sum}, not the net {net}",
                    w=w,
                    sum=sum(shares),
                    net=d["net"],
                )
            )
            return
        # integers only: floor and remainder of net x points / 10000
        floors, remainders = zip(
            *(divmod(d["net"] * policy[k], 10_000) for k in SHARES), strict=True
        )
        extra = [sh - f for sh, f in zip(shares, floors, strict=True)]
        if any(
            e not in (0, 1) or (e == 1 and r == 0) for e, r in zip(extra, remainders, strict=True)
        ):
            self.fail(msg("{w}: a share is a rupiah or more from its pro-rata value", w=w))
        for i in range(4):
            for j in range(4):
                if extra[i] and not extra[j] and (remainders[i], -i) < (remainders[j], -j):
                    self.fail(
                        msg(
                            "{w}: the leftover rupiah went to {SHARES} before {SHARES2}",
                            w=w,
                            SHARES=SHARES[i],
                            SHARES2=SHARES[j],
                        )
                    )
        partners = auditor.register.bagan.get(d["bagan"])
        if partners is None:
            self.fail(msg("{w}: bagan {bagan} was never registered", w=w, bagan=d["bagan"]))
            return
        for name, share in (
            ("income", d["shares"]["members"]),
            ("savings", d["shares"]["savings"]),
        ):
            ordered = sorted(partners)
            base, left = divmod(share, len(ordered))
            expected = {p: base + (1 if i < left else 0) for i, p in enumerate(ordered)}
            if d[name] != expected:
                self.fail(
                    msg(
                        "{w}: the {name} share is not divided equally among {names}",
                        w=w,
                        name=name,
                        names=", ".join(ordered),
                    )
                )


class DoubleEntryCheck(Check):
    name = "double-entry"
    description = msg(
        "every entry's postings balance; the trial balance is 0; sub-ledgers add up to control accounts"
    )

    def __init__(self) -> None:
        super().__init__()
        self.totals: dict[str, int] = defaultdict(int)
        self.control: dict[str, int] = defaultdict(int)
        self.members: dict[str, int] = defaultdict(int)

    def observe(self, entry: Entry, auditor: Auditor) -> None:
        if not entry.postings or not auditor.in_scope(entry):
            return
        total = sum(x for _, _, x in entry.postings)
        if total != 0:
            self.fail(
                msg("{where}: postings add up to {total}, not 0", where=entry.where, total=total)
            )
        for a, m, x in entry.postings:
            self.totals[a] += x
            if m:
                self.members[a] += x
        d = entry.data or {}
        # control totals from the facts' own totals, apart from the per-member lines
        if entry.topic == "Harvest.Recorded":
            self.control[PARTNER] += d["shares"]["members"]
            self.control[SAVINGS["harvest"]] -= d["shares"]["savings"]
        elif entry.topic == "Repair.Recorded":
            self.control[SAVINGS["harvest"]] += d["amount"]
        elif entry.topic == "Transaction.Reversed":
            self.control_reversal(entry, auditor)
        else:
            for a, m, x in entry.postings:
                if m:
                    self.control[a] += x

    def control_reversal(self, entry: Entry, auditor: Auditor) -> None:
        found = auditor.original(entry.originator_id)
        if found and found[0] == "Harvest.Recorded":
            self.control[PARTNER] -= found[1]["shares"]["members"]
            self.control[SAVINGS["harvest"]] += found[1]["shares"]["savings"]
        elif found and found[0] == "Repair.Recorded":
            self.control[SAVINGS["harvest"]] -= found[1]["amount"]
        else:
            for a, m, x in entry.postings:
                if m:
                    self.control[a] += x

    def finish(self, auditor: Auditor) -> None:
        trial = sum(self.totals.values())
        if trial != 0:
            self.fail(msg("the trial balance is {trial}, not 0", trial=trial))
        for account in sorted(set(self.control) | set(self.members)):
            if self.control[account] != self.members[account]:
                self.fail(
                    msg(
                        "member sub-ledgers of {account} add up to {members}, but the control account says {control}",
                        account=account,
                        members=self.members[account],
                        control=self.control[account],
                    )
                )


class NonNegativeCheck(Check):
    name = "no-negative-balance"
    description = msg("no savings, loan or infaq balance is below zero on any date")

    def __init__(self) -> None:
        super().__init__()
        # compact per-balance movement logs: 12 bytes a movement (day ordinal, amount)
        self.days: dict[tuple[str, str], array] = {}
        self.amounts: dict[tuple[str, str], array] = {}
        self.refs: dict[tuple[str, str], int] = {}

    def observe(self, entry: Entry, auditor: Auditor) -> None:
        if not entry.postings or entry.date is None or not auditor.in_scope(entry):
            return
        for a, m, x in entry.postings:
            if a in GUARDED:
                key = (a, "" if a == INFAQ_FUND else m)
                if key not in self.days:
                    self.days[key], self.amounts[key] = array("i"), array("q")
                self.days[key].append(entry.date.toordinal())
                self.amounts[key].append(GUARDED[a] * x)

    def finish(self, auditor: Auditor) -> None:
        for (account, member), days in sorted(self.days.items()):
            amounts = self.amounts[(account, member)]
            by_day: dict[int, int] = defaultdict(int)
            for day, amount in zip(days, amounts, strict=True):
                by_day[day] += amount
            running = 0
            for day in sorted(by_day):
                running += by_day[day]
                if running < 0:
                    day = dt.date.fromordinal(day)
                    if member:
                        self.fail(
                            msg(
                                "member {member}'s {account} is {running} on {day}",
                                member=member,
                                account=account,
                                running=running,
                                day=day,
                            )
                        )
                    else:
                        self.fail(
                            msg(
                                "the {account} is {running} on {day}",
                                account=account,
                                running=running,
                                day=day,
                            )
                        )
                    break


class InfaqCheck(Check):
    name = "infaq-apart"
    description = msg("infaq is received and spent only through the infaq fund")

    def observe(self, entry: Entry, auditor: Auditor) -> None:
        touches = {a for a, _, _ in entry.postings if a in (INFAQ_CASH, INFAQ_FUND)}
        infaq = entry.topic.startswith("Infaq") or (
            entry.topic == "Transaction.Reversed"
            and touches
            and all(a in (INFAQ_CASH, INFAQ_FUND) for a, _, _ in entry.postings)
        )
        if touches and not infaq:
            self.fail(
                msg(
                    "{where} moves infaq money in a {topic} entry",
                    where=entry.where,
                    topic=entry.topic,
                )
            )
        if infaq and any(a not in (INFAQ_CASH, INFAQ_FUND) for a, _, _ in entry.postings):
            self.fail(msg("{where} mixes infaq with commercial accounts", where=entry.where))

    def finish(self, auditor: Auditor) -> None:
        rows = auditor.conn.execute(
            "SELECT p.ref FROM kerang_postings p LEFT JOIN kerang_refs r ON r.ref = p.ref "
            "WHERE p.account IN (?, ?) AND COALESCE(r.kind, '') NOT IN ('infaq.receive', 'infaq.disburse') LIMIT 5",
            (INFAQ_CASH, INFAQ_FUND),
        ).fetchall()
        for (ref,) in rows:
            self.fail(
                msg(
                    "the read model posts infaq money under ref {ref}, which is not an infaq transaction",
                    ref=ref,
                )
            )


class ReversalCheck(Check):
    name = "reversals"
    description = msg("every reversal exactly negates its original, once, as its correction says")

    def observe(self, entry: Entry, auditor: Auditor) -> None:
        if entry.data is None or entry.problem:
            return
        if entry.topic == "Correction.Recorded":
            auditor.pending_corrections[entry.ref] = entry
        elif entry.topic == "Transaction.Reversed":
            d = entry.data
            if entry.version != 2:
                self.fail(
                    msg(
                        "{where} is reversed a second time (version {version})",
                        where=entry.where,
                        version=entry.version,
                    )
                )
            correction = auditor.pending_corrections.pop(d["by_ref"], None)
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

    def finish(self, auditor: Auditor) -> None:
        for _, correction in sorted(auditor.pending_corrections.items()):
            self.fail(
                msg(
                    "{where} reverses {reverses} but nothing was reversed",
                    where=correction.where,
                    reverses=correction.data["reverses"],
                )
            )


class ReadModelCheck(Check):
    name = "read-models"
    description = msg("the read models the commands use equal this replay")

    def __init__(self, conn: Source) -> None:
        super().__init__()
        self.refs = conn.stream("SELECT ref, kind, date FROM kerang_refs ORDER BY id")
        self.monthly: dict[tuple[str, str, str], int] = defaultdict(int)
        self.reversed: dict[str, tuple[str, str]] = {}

    def observe(self, entry: Entry, auditor: Auditor) -> None:
        if entry.data is None or entry.problem:
            return
        day = entry.date.isoformat() if entry.date else ""
        month = day[:7]
        for a, m, x in entry.postings:
            self.monthly[(a, m, month)] += x
        if entry.topic in KINDS:
            row = next(self.refs, None)
            want = (entry.ref, KINDS[entry.topic], day)
            if row != want and len(self.findings) < MAX_SHOWN:
                self.fail(
                    msg(
                        "{where}: the refs read model has {row} where the log has {want}",
                        where=entry.where,
                        row=row,
                        want=want,
                    )
                )
        if entry.topic == "Transaction.Reversed":
            self.reversed[entry.ref] = (entry.data["by_ref"], entry.data["day"].isoformat())

    def finish(self, auditor: Auditor) -> None:
        if next(self.refs, None) is not None:
            self.fail(msg("the refs read model holds refs the log never recorded"))
        # streamed against the replay's month totals: no second copy in memory
        for label, query in (
            ("month totals", "SELECT account, member, month, amount FROM kerang_monthly"),
            (
                "postings",
                "SELECT account, member, substr(date, 1, 7), SUM(amount) FROM kerang_postings GROUP BY 1, 2, 3",
            ),
        ):
            seen: set[tuple[str, str, str]] = set()
            for a, m, mo, x in auditor.conn.stream(query):
                key = (a, m, mo)
                seen.add(key)
                if self.monthly.get(key, 0) != x:
                    self.fail(
                        msg(
                            "{label} of {a} {m} {mo}: read model {x}, replay {get}",
                            label=label,
                            a=a,
                            m=m,
                            mo=mo,
                            x=x,
                            get=self.monthly.get(key, 0),
                        )
                    )
            for key, x in self.monthly.items():
                if x and key not in seen:
                    self.fail(
                        msg(
                            "{label} of {key} {key2} {key3}: read model 0, replay {x}",
                            label=label,
                            key=key[0],
                            key2=key[1],
                            key3=key[2],
                            x=x,
                        )
                    )
        running: dict[tuple[str, str], int] = defaultdict(int)
        for (a, m, _), x in self.monthly.items():
            running[(a, m)] += x
        for a, m, x in auditor.conn.execute("SELECT account, member, amount FROM kerang_totals"):
            if running.get((a, m), 0) != x:
                self.fail(
                    msg(
                        "running total of {a} {m}: read model {x}, replay {get}",
                        a=a,
                        m=m,
                        x=x,
                        get=running.get((a, m), 0),
                    )
                )
        stored_reversed = dict(
            (r, (b, o))
            for r, b, o in auditor.conn.execute(
                "SELECT ref, reversed_by, reversed_on FROM kerang_refs WHERE reversed_by IS NOT NULL"
            )
        )
        if stored_reversed != self.reversed:
            diff = sorted(set(stored_reversed.items()) ^ set(self.reversed.items()))[:3]
            self.fail(
                msg("reversals in the refs read model differ from the log: {diff}", diff=diff)
            )


class PeriodCheck(Check):
    name = "closed-periods"
    description = msg(
        "nothing dated in a closed year was recorded after its close unless a reopen came between"
    )

    def __init__(self) -> None:
        super().__init__()
        self.closed: dict[int, dt.date] = {}

    def observe(self, entry: Entry, auditor: Auditor) -> None:
        if entry.data is None or entry.problem:
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
        elif entry.date is not None and entry.date.year in self.closed:
            self.fail(
                msg(
                    "{where} is dated {date}, in {year}, which was closed on {closed} and not reopened",
                    where=entry.where,
                    date=entry.date,
                    year=entry.date.year,
                    closed=self.closed[entry.date.year],
                )
            )


def remainder_rule_broken(amount: int, weights: list[int], parts: list[int]) -> str:
    """Why ``parts`` is not ``amount`` divided by ``weights`` by largest remainder
    (ties to the earlier part); '' when it is. Integers only."""
    if sum(parts) != amount:
        return f"the parts add up to {sum(parts)}, not {amount}"
    total = sum(weights)
    if total <= 0:
        return "there is nothing to divide in proportion to"
    floors, rems = zip(*(divmod(amount * w, total) for w in weights), strict=True)
    extra = [p - f for p, f in zip(parts, floors, strict=True)]
    if any(e not in (0, 1) or (e == 1 and r == 0) for e, r in zip(extra, rems, strict=True)):
        return "a part is a rupiah or more from its pro-rata value"
    for i, ei in enumerate(extra):
        for j, ej in enumerate(extra):
            if ei and not ej and (rems[j] > rems[i] or (rems[j] == rems[i] and j < i)):
                return "a leftover rupiah went to a part with a smaller remainder or a later tie"
    return ""


class ShuCheck(Check):
    name = "shu"
    description = msg(
        "each close's SHU is the year's income less expenses as replayed; "
        "its parts add up to it by the bylaws and the remainder rule"
    )

    def __init__(self) -> None:
        super().__init__()
        self.nominal: dict[tuple[int, str], int] = defaultdict(int)  # (year, account)
        self.usaha: dict[tuple[int, str], int] = defaultdict(int)  # (year, member): harvest income
        self.modal: dict[tuple[int, str], int] = defaultdict(int)  # (year, member): pokok + wajib

    def observe(self, entry: Entry, auditor: Auditor) -> None:
        if entry.data is None or entry.problem or entry.date is None:
            return
        if entry.topic == "Cooperative.YearClosed":
            self.check_close(entry)
        year = entry.date.year
        for a, m, x in entry.postings:
            if a.startswith(("Income:", "Expenses:")):
                self.nominal[(year, a)] += x
            if a == PARTNER and m:
                self.usaha[(year, m)] += x
            if a in (SAVINGS["pokok"], SAVINGS["wajib"]) and m:
                self.modal[(year, m)] -= x

    def check_close(self, entry: Entry) -> None:
        d, w, year = entry.data, entry.where, entry.data["year"]
        replayed = {a: x for (y, a), x in sorted(self.nominal.items()) if y == year and x}
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
        usaha = {m: x for (y, m), x in sorted(self.usaha.items()) if y == year and x > 0}
        modal: dict[str, int] = defaultdict(int)
        for (y, m), x in self.modal.items():
            if y <= year:
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


def default_checks(conn: Source) -> list[Check]:
    return [
        ChainCheck(conn),
        SchemaCheck(),
        SequenceCheck(),
        HarvestCheck(),
        DoubleEntryCheck(),
        NonNegativeCheck(),
        InfaqCheck(),
        ReversalCheck(),
        PeriodCheck(),
        ShuCheck(),
        ReadModelCheck(conn),
    ]


def audit(
    db: str, as_of: dt.date | None = None, progress: Callable[[int, int], None] | None = None
) -> AuditReport:
    auditor = Auditor(db, as_of, progress)
    return auditor.run(default_checks(auditor.conn))
