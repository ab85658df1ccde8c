"""The ledger application: command methods that check the rules, and queries.

A ``Batch`` is one unit of work: commands run against the current books plus
what the batch itself has recorded so far, and ``commit`` appends all their
events and read-model rows in one database transaction. A single CLI command
is a batch of one; ``import`` commits a batch every few hundred lines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlparse

import attrs
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    IntegrityError,
    JSONTranscoder,
    OperationalError,
    Transcoding,
    UUIDAsHex,
)

from ledger import accounts, domain
from ledger.accounts import GUARDED, Posting
from ledger.domain import Cooperative, Transaction
from ledger.errors import (
    Busy,
    DateError,
    InsufficientFunds,
    InvalidInput,
    NotInitialised,
    ReadOnly,
    RefConflict,
    SavingsLocked,
    UnknownRef,
)
from ledger.files import is_kerang_file, sqlite_uri
from ledger.i18n import msg
from ledger.money import (
    checked_gross,
    format_rupiah,
    parse_date,
    parse_kg,
    parse_rupiah,
    require_text,
)
from ledger.split import DEFAULT_POLICY, Policy, divide_equally, split_net
from ledger.store import POSTGRES, SQLITE, BookRows, ReadModel, Seal, canonical


class DateAsISO(Transcoding):
    type = dt.date
    name = "date"

    def encode(self, obj: dt.date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> dt.date:
        return dt.date.fromisoformat(data)


def register_transcodings(transcoder: JSONTranscoder) -> None:
    """The value types events carry; money is plain int and needs none."""
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)


class LedgerApp(Application):
    """The event-sourced cooperative ledger."""

    name = "kerang"
    # Snapshots are neither chained nor audited: a command that trusted one could record
    # what the events forbid. The cooperative is rebuilt from its own events (a few
    # hundred: members, bagan, policies, closes), which the chain and the audit cover.
    is_snapshotting_enabled = False

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        register_transcodings(transcoder)

    @property
    def read(self) -> ReadModel:
        dialect = (
            POSTGRES if self.env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres" else SQLITE
        )
        return ReadModel(self.recorder.datastore, dialect, Seal(self.mapper.cipher))

    def cooperative(self) -> Cooperative | None:
        try:
            return self.repository.get(Cooperative.create_id())
        except AggregateNotFoundError:
            return None

    def transaction(self, ref: str) -> Transaction | None:
        try:
            return self.repository.get(domain.transaction_id(ref))
        except AggregateNotFoundError:
            return None

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        b = Batch(self)
        yield b
        b.commit()


def is_postgres(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def ledger_env(db: str, *, write: bool = True) -> dict[str, str]:
    """eventsourcing settings for a ``--db`` value: a SQLite path or a PostgreSQL URL."""
    env = {"APPLICATION_RECORDER_TOPIC": "ledger.store:LedgerRecorder"}
    if is_postgres(db):
        from ledger.pgstore import postgres_env

        # readers (an auditor's role) may not create anything
        env = {**postgres_env(db), "CREATE_TABLE": "yes" if write else "no"}
    else:
        env.update(
            {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                # a quoted file: URI, so that '%', '?', '#' or ':memory:' in a name stay a name
                "SQLITE_DBNAME": sqlite_uri(db, mode="rwc"),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        )
    key = os.environ.get("KERANG_CIPHER_KEY")
    if key:
        env.update({"CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher", "CIPHER_KEY": key})
    return env


def open_ledger(db: str, *, create: bool = False) -> LedgerApp:
    """The ledger at ``db``; refuse a missing one unless ``create``."""
    if not create and not ledger_exists(db):
        raise NotInitialised(
            "db",
            msg(
                "no ledger at {db}; start one with 'kerang init --name NAME --db {db}'.",
                db=_shown(db),
            ),
        )
    # DDL only when the ledger is new: concurrent clerks must not race on it
    new = create and not ledger_exists(db)
    try:
        app = LedgerApp(env=ledger_env(db, write=new))
        if is_postgres(db) and not new:
            app.recorder.datastore.register_type_adapters()  # snapshots' row type
    except ValueError as e:  # a malformed cipher key
        raise InvalidInput(
            "KERANG_CIPHER_KEY", msg("KERANG_CIPHER_KEY is not a valid key ({e}).", e=e)
        ) from None
    except Exception as e:
        if is_postgres(db) and type(e).__name__ in (
            "OperationalError",
            "InterfaceError",
            "PoolTimeout",
        ):
            raise NotInitialised(
                "db", msg("cannot reach the PostgreSQL server of {db} ({e}).", db=_shown(db), e=e)
            ) from None
        raise
    check_cipher(app)
    return app


def _shown(db: str) -> str:
    """The --db value without a password."""
    if is_postgres(db):
        url = urlparse(db)
        if url.password:
            return db.replace(f":{url.password}@", ":***@")
    return db


def ledger_exists(db: str) -> bool:
    if not is_postgres(db):
        if not os.path.exists(db) or os.path.getsize(db) == 0:
            return False
        if not _is_kerang_file(db):  # never write into someone else's database
            raise InvalidInput("db", msg("{db} is not a kerang ledger; give another --db.", db=db))
        return True
    from ledger.pgstore import schema_has_ledger

    env = ledger_env(db, write=False)
    return schema_has_ledger(env)


def _is_kerang_file(path: str) -> bool:
    return is_kerang_file(path)


def check_cipher(app: LedgerApp) -> None:
    """One clear sentence when the key is missing or wrong, never a traceback."""
    rows = app.recorder.select_notifications(start=1, limit=1)
    if not rows:
        return
    if bytes(rows[0].state[:1]) == b"{" and not app.mapper.cipher:
        return  # plain JSON: not encrypted (a damaged row is the audit's business)
    try:
        app.mapper.to_domain_event(rows[0])
    except Exception:
        if os.environ.get("KERANG_CIPHER_KEY"):
            raise InvalidInput(
                "KERANG_CIPHER_KEY",
                msg("KERANG_CIPHER_KEY does not decrypt this ledger; is it the right key?"),
            ) from None
        raise InvalidInput(
            "KERANG_CIPHER_KEY", msg("this ledger is encrypted; set KERANG_CIPHER_KEY to its key.")
        ) from None


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


def _ref(value: object) -> str:
    ref = require_text(value, "ref")
    if len(ref) > 120:
        raise InvalidInput("ref", msg("--ref must be at most 120 characters."))
    return ref


def _identifier(value: object, field: str) -> str:
    text = require_text(value, field)
    if any(ch.isspace() or ch in ",;" for ch in text) or len(text) > 40:
        raise InvalidInput(
            field,
            msg(
                "--{field} {text!r} must be a short code without spaces, commas or semicolons.",
                field=field,
                text=text,
            ),
        )
    return text


def _kind(value: object) -> str:
    if value not in domain.SAVINGS_KINDS:
        raise InvalidInput(
            "kind",
            msg(
                "--kind must be one of {names}, not {value!r}.",
                names=", ".join(domain.SAVINGS_KINDS),
                value=value,
            ),
        )
    return str(value)


def _today() -> dt.date:
    return dt.date.today()


class Batch:
    """One unit of work over the ledger (see the module docstring)."""

    def __init__(self, app: LedgerApp) -> None:
        self.app = app
        self.read = app.read
        self.basis = app.read.head()  # before reading anything else
        self.coop = app.cooperative()
        self.txns: dict[str, Transaction] = {}
        self.events: list[Any] = []
        self.rows = BookRows(seal=self.read.seal)
        self._pending: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
        self._pending_refs: dict[str, str] = {}
        self._known_refs: dict[str, str | None] = {}
        self._last_harvest: dt.date | None = None

    # ------------------------------------------------------------ plumbing
    def _collect(self, *aggregates: Any) -> None:
        for agg in aggregates:
            for ev in agg.collect_events():
                self.events.append(ev)
                for entry in self.rows.add(agg, ev):
                    for p in entry.postings:
                        self._pending[(p.account, p.member)].append(
                            (entry.date.isoformat(), p.amount)
                        )
        for agg in aggregates:
            if isinstance(agg, Transaction):
                self.txns[agg.ref] = agg
                self._pending_refs[agg.ref] = canonical(agg.command())

    def commit(self) -> int:
        """Append everything recorded in this batch in one transaction."""
        if not self.events:
            return 0
        count = len(self.events)
        self.rows.basis = self.basis
        self.app.save(*self.events, books=self.rows)
        self.basis = self.app.read.head()
        self.events, self.rows = [], BookRows(seal=self.read.seal)
        self._pending.clear()
        self._pending_refs.clear()
        return count

    def _cooperative(self) -> Cooperative:
        if self.coop is None:
            raise NotInitialised(
                "db", msg("this ledger has not been started; run 'kerang init --name NAME' first.")
            )
        return self.coop

    def preload_refs(self, refs: list[str]) -> None:
        """Look up many refs at once (an import batch) instead of one by one."""
        known = self.read.known_refs(refs)
        self._known_refs.update({r: known.get(r) for r in refs})

    def _seen(self, ref: str, command: dict[str, Any]) -> bool:
        """True if exactly this was recorded under ``ref``; refuse if it differs."""
        stored = self._pending_refs.get(ref)
        if stored is None:
            if ref in self._known_refs:
                stored = self._known_refs[ref]
            else:
                found = self.read.ref(ref)
                stored = found[1] if found else None
        if stored is None:
            return False
        if stored == canonical(command):
            return True
        before = json.loads(stored)
        if before.get("op") != command["op"]:
            raise RefConflict(
                "ref",
                msg(
                    "ref {ref} was already recorded as {get}, not {op}.",
                    ref=ref,
                    get=before.get("op"),
                    op=command["op"],
                ),
            )
        for key in sorted(set(before) | set(command)):
            if before.get(key) != command.get(key):
                raise RefConflict(
                    "ref",
                    msg(
                        "ref {ref} was already recorded with {key} {get!r}, not {get2!r}; use a new ref.",
                        ref=ref,
                        key=key,
                        get=before.get(key),
                        get2=command.get(key),
                    ),
                )
        raise RefConflict(
            "ref", msg("ref {ref} was already recorded with different content.", ref=ref)
        )

    def _transaction(self, ref: str) -> Transaction:
        txn = self.txns.get(ref) or self.app.transaction(ref)
        if txn is None:
            raise UnknownRef(
                "reverses", msg("--reverses {ref!r} names no recorded transaction.", ref=ref)
            )
        self.txns[ref] = txn
        return txn

    def available(self, account: str, member: str | None, day: dt.date) -> int:
        """The lowest natural balance from ``day`` on: what may still be taken."""
        sign = GUARDED[account]
        iso = day.isoformat()
        base = self.read.balance(account, member, day)
        later: dict[str, int] = defaultdict(int)
        for d, a in self.read.later_movements(account, member, day):
            later[d] += a
        for (acc, mem), moves in self._pending.items():
            if acc == account and (member is None or mem == member):
                for d, a in moves:
                    if d <= iso:
                        base += a
                    else:
                        later[d] += a
        lowest = running = sign * base
        for d in sorted(later):
            running += sign * later[d]
            lowest = min(lowest, running)
        return lowest

    def _check_funds(self, postings: list[Posting], day: dt.date) -> None:
        """Refuse if any guarded balance would fall below zero on or after ``day``."""
        taken: dict[tuple[str, str], int] = defaultdict(int)
        for p in postings:
            if p.account in GUARDED:
                taken[(p.account, p.member)] -= GUARDED[p.account] * p.amount
        for (account, member), amount in sorted(taken.items()):
            if amount <= 0:
                continue
            scope = None if account == accounts.INFAQ_FUND else member
            have = self.available(account, scope, day)
            if amount > have:
                raise InsufficientFunds("amount", _shortfall(account, member, amount, have, day))

    # ------------------------------------------------------------ setting up
    def init(
        self, name: object, policy: str | Policy | None = None, date: object = None
    ) -> Outcome:
        name = require_text(name, "name")
        started = parse_date(date) if date is not None else _today()
        pol = (
            policy
            if isinstance(policy, Policy)
            else (Policy.parse(policy) if policy else DEFAULT_POLICY)
        )
        coop = domain.start_cooperative(name, started, pol, self.coop)
        if coop is None:
            return Outcome("init", name, False)
        self.coop = coop
        self._collect(coop)
        return Outcome(
            "init",
            name,
            True,
            msg("started on {started} with policy {policy}", started=started, policy=pol.text()),
        )

    def set_policy(self, effective: object, policy: str | Policy | dict[str, object]) -> Outcome:
        day = parse_date(effective, "from")
        if isinstance(policy, str):
            policy = Policy.parse(policy)
        elif isinstance(policy, dict):
            policy = Policy.from_percentages(policy)
        coop = self._cooperative()
        last = max(filter(None, (self.read.last_harvest_date(), self._last_harvest)), default=None)
        if not coop.set_policy(day, policy, last):
            return Outcome("policy.set", day.isoformat(), False)
        self._collect(coop)
        return Outcome("policy.set", day.isoformat(), True, policy.text())

    def add_member(self, member_id: object, name: object, date: object = None) -> Outcome:
        mid = _identifier(member_id, "id")
        name = require_text(name, "name")
        day = parse_date(date) if date is not None else _today()
        coop = self._cooperative()
        if not coop.add_member(mid, name, day):
            return Outcome("member.add", mid, False)
        self._collect(coop)
        return Outcome("member.add", mid, True, name)

    def leave_member(self, member_id: object, date: object) -> Outcome:
        mid = _identifier(member_id, "id")
        day = parse_date(date)
        coop = self._cooperative()
        if coop.member(mid, "id")["left"] != day:  # not a repeat: the period lock first
            coop.check_date(day)
        last = max(
            filter(
                None,
                [self.read.last_member_date(mid)]
                + [
                    dt.date.fromisoformat(d)
                    for (_, m), moves in self._pending.items()
                    if m == mid
                    for d, _ in moves
                ],
            ),
            default=None,
        )
        if last is not None and day < last and coop.member(mid, "id")["left"] is None:
            raise DateError(
                "date",
                msg(
                    "--date {day} is before member {mid}'s last recorded transaction ({last}).",
                    day=day,
                    mid=mid,
                    last=last,
                ),
            )
        pokok = -self._total(accounts.SAVINGS["pokok"], mid)
        wajib = -self._total(accounts.SAVINGS["wajib"], mid)
        if not coop.leave(mid, day, pokok, wajib, self._total(accounts.LOANS, mid)):
            return Outcome("member.leave", mid, False)
        self._collect(coop)
        return Outcome(
            "member.leave",
            mid,
            True,
            msg(
                "settled pokok {pokok}, wajib {wajib}",
                pokok=format_rupiah(pokok),
                wajib=format_rupiah(wajib),
            ),
        )

    def _total(self, account: str, member: str) -> int:
        """The balance after everything recorded, whatever its date."""
        pending = sum(a for _, a in self._pending.get((account, member), []))
        return self.read.balance(account, member, dt.date.max) + pending

    def add_bagan(
        self,
        bagan_id: object,
        partners: object,
        manager: object,
        date: object = None,
        cost: object = None,
    ) -> Outcome:
        bid = _identifier(bagan_id, "id")
        if isinstance(partners, str):
            partners = [p for p in (x.strip() for x in partners.replace(";", ",").split(",")) if p]
        if not isinstance(partners, list | tuple):
            raise InvalidInput(
                "partners", msg("--partners must list member IDs separated by commas.")
            )
        partner_ids = [_identifier(p, "partners") for p in partners]
        manager = require_text(manager, "manager")
        day = parse_date(date) if date is not None else _today()
        amount = parse_rupiah(cost, "cost") if cost not in (None, "") else 0
        coop = self._cooperative()
        if not coop.add_bagan(bid, partner_ids, manager, day, amount):
            return Outcome("bagan.add", bid, False)
        self._collect(coop)
        return Outcome(
            "bagan.add",
            bid,
            True,
            msg(
                "partners {names}; manager {manager}",
                names=", ".join(sorted(partner_ids)),
                manager=manager,
            ),
        )

    # ------------------------------------------------------------ transactions
    def harvest(
        self,
        ref: object,
        date: object,
        bagan: object,
        kg: object = None,
        price: object = None,
        revenue: object = None,
        costs: object = None,
        buyer: object = None,
    ) -> Outcome:
        ref = _ref(ref)
        day = parse_date(date)
        bagan_id = require_text(bagan, "bagan")
        if revenue not in (None, ""):
            if kg not in (None, "") or price not in (None, ""):
                raise InvalidInput(
                    "revenue", msg("give either --kg and --price or --revenue, not both.")
                )
            gross_in, kg_in, price_in = (
                parse_rupiah(revenue, "revenue", allow_zero=False),
                None,
                None,
            )
            gross = gross_in
        else:
            if kg in (None, "") or price in (None, ""):
                missing = "kg" if kg in (None, "") else "price"
                raise InvalidInput(
                    missing,
                    msg("--{missing} is required (or give --revenue instead).", missing=missing),
                )
            kg_in, price_in, gross_in = (
                parse_kg(kg),
                parse_rupiah(price, "price", allow_zero=False),
                None,
            )
            gross = checked_gross(kg_in, price_in)
        cost = parse_rupiah(costs, "costs") if costs not in (None, "") else 0
        buyer_name = require_text(buyer, "buyer") if buyer not in (None, "") else None
        command = domain.Harvest.line(
            ref,
            day,
            bagan=bagan_id,
            kg=kg_in,
            price=price_in,
            revenue=gross_in,
            costs=cost,
            buyer=buyer_name,
        )
        if self._seen(ref, command):
            return Outcome("harvest", ref, False)
        if cost > gross:
            raise InvalidInput(
                "costs",
                msg(
                    "--costs {cost} are more than the gross proceeds ({gross}).",
                    cost=cost,
                    gross=gross,
                ),
            )
        coop = self._cooperative()
        coop.check_date(day)
        info = coop.a_bagan(bagan_id)
        if day < info["added"]:
            raise InvalidInput(
                "date",
                msg(
                    "--date {day} is before bagan {bagan_id} was added ({added}).",
                    day=day,
                    bagan_id=bagan_id,
                    added=info["added"],
                ),
            )
        net = gross - cost
        policy = coop.policy_on(day)
        split = split_net(net, policy)
        txn = domain.Harvest(
            ref=ref,
            date=day,
            bagan=bagan_id,
            kg=kg_in,
            price=price_in,
            revenue=gross_in,
            costs=cost,
            buyer=buyer_name,
            gross=gross,
            net=net,
            policy=policy.as_dict(),
            shares=split.as_dict(),
            manager=info["manager"],
            income=divide_equally(split.members, info["partners"]),
            savings=divide_equally(split.savings, info["partners"]),
        )
        self._collect(txn)
        self._last_harvest = max(day, self._last_harvest or day)
        parts = ", ".join(f"{k} {format_rupiah(v)}" for k, v in split.as_dict().items())
        return Outcome(
            "harvest", ref, True, msg("net {net}: {parts}", net=format_rupiah(net), parts=parts)
        )

    def savings(
        self,
        direction: str,
        ref: object,
        date: object,
        member: object,
        kind: object,
        amount: object,
    ) -> Outcome:
        ref, day, mid, k = _ref(ref), parse_date(date), require_text(member, "member"), _kind(kind)
        value = parse_rupiah(amount, "amount", allow_zero=False)
        op = f"savings.{direction}"
        kinds = {"deposit": domain.SavingsDeposit, "withdraw": domain.SavingsWithdrawal}
        line = {"member": mid, "savings_kind": k, "amount": value}
        if direction in kinds and self._seen(ref, kinds[direction].line(ref, day, **line)):
            return Outcome(op, ref, False)
        coop = self._cooperative()
        coop.check_date(day)
        if direction == "deposit":
            coop.active_member(mid, day)
            txn: Transaction = domain.SavingsDeposit(
                ref=ref, date=day, member=mid, savings_kind=k, amount=value
            )
        elif direction == "withdraw":
            m = coop.member(mid)
            if k in ("pokok", "wajib") and (m["left"] is None or day < m["left"]):
                raise SavingsLocked(
                    "kind",
                    msg(
                        "{k} savings are not withdrawn while member {mid} is active; they are settled by 'kerang member leave'.",
                        k=k,
                        mid=mid,
                    ),
                )
            txn = domain.SavingsWithdrawal(
                ref=ref, date=day, member=mid, savings_kind=k, amount=value
            )
        else:
            raise InvalidInput(
                "direction",
                msg("savings {direction!r} must be deposit or withdraw.", direction=direction),
            )
        self._check_funds(accounts.transaction_postings(txn), day)
        self._collect(txn)
        return Outcome(
            op, ref, True, msg("{k} {value} for {mid}", k=k, value=format_rupiah(value), mid=mid)
        )

    def infaq_receive(
        self, ref: object, date: object, amount: object, member: object = None
    ) -> Outcome:
        ref, day = _ref(ref), parse_date(date)
        value = parse_rupiah(amount, "amount", allow_zero=False)
        mid = require_text(member, "member") if member not in (None, "") else None
        command = domain.InfaqReceipt.line(ref, day, amount=value, member=mid)
        if self._seen(ref, command):
            return Outcome("infaq.receive", ref, False)
        coop = self._cooperative()
        coop.check_date(day)
        if mid:
            coop.member(mid)
        self._collect(domain.InfaqReceipt(ref=ref, date=day, amount=value, member=mid))
        return Outcome("infaq.receive", ref, True, format_rupiah(value))

    def infaq_disburse(self, ref: object, date: object, amount: object, purpose: object) -> Outcome:
        ref, day = _ref(ref), parse_date(date)
        value = parse_rupiah(amount, "amount", allow_zero=False)
        why = require_text(purpose, "purpose")
        command = domain.InfaqDisbursement.line(ref, day, amount=value, purpose=why)
        if self._seen(ref, command):
            return Outcome("infaq.disburse", ref, False)
        self._cooperative().check_date(day)
        txn = domain.InfaqDisbursement(ref=ref, date=day, amount=value, purpose=why)
        self._check_funds(accounts.transaction_postings(txn), day)
        self._collect(txn)
        return Outcome("infaq.disburse", ref, True, format_rupiah(value))

    def loan(
        self, direction: str, ref: object, date: object, member: object, amount: object
    ) -> Outcome:
        ref, day, mid = _ref(ref), parse_date(date), require_text(member, "member")
        value = parse_rupiah(amount, "amount", allow_zero=False)
        op = f"loan.{direction}"
        kinds = {"disburse": domain.LoanDisbursement, "repay": domain.LoanRepayment}
        if direction in kinds and self._seen(
            ref, kinds[direction].line(ref, day, member=mid, amount=value)
        ):
            return Outcome(op, ref, False)
        coop = self._cooperative()
        coop.check_date(day)
        if direction == "disburse":
            coop.active_member(mid, day)
            txn: Transaction = domain.LoanDisbursement(ref=ref, date=day, member=mid, amount=value)
        elif direction == "repay":
            coop.member(mid)
            txn = domain.LoanRepayment(ref=ref, date=day, member=mid, amount=value)
        else:
            raise InvalidInput(
                "direction",
                msg("loan {direction!r} must be disburse or repay.", direction=direction),
            )
        self._check_funds(accounts.transaction_postings(txn), day)
        self._collect(txn)
        return Outcome(op, ref, True, msg("{value} for {mid}", value=format_rupiah(value), mid=mid))

    def repair(self, ref: object, date: object, bagan: object, amount: object) -> Outcome:
        ref, day, bagan_id = _ref(ref), parse_date(date), require_text(bagan, "bagan")
        value = parse_rupiah(amount, "amount", allow_zero=False)
        command = domain.Repair.line(ref, day, bagan=bagan_id, amount=value)
        if self._seen(ref, command):
            return Outcome("repair", ref, False)
        coop = self._cooperative()
        coop.check_date(day)
        info = coop.a_bagan(bagan_id)
        charges = divide_equally(value, info["partners"])
        txn = domain.Repair(ref=ref, date=day, bagan=bagan_id, amount=value, charges=charges)
        self._check_funds(accounts.transaction_postings(txn), day)
        self._collect(txn)
        return Outcome(
            "repair",
            ref,
            True,
            msg("{value} charged to {names}", value=format_rupiah(value), names=", ".join(charges)),
        )

    def correct(self, ref: object, date: object, reverses: object, reason: object) -> Outcome:
        ref, day = _ref(ref), parse_date(date)
        target = require_text(reverses, "reverses")
        why = require_text(reason, "reason")
        command = domain.Correction.line(ref, day, reverses=target, reason=why)
        if self._seen(ref, command):
            return Outcome("correct", ref, False)
        if target == ref:
            raise InvalidInput("reverses", msg("--reverses must name another transaction's ref."))
        self._cooperative().check_date(day)
        original = self._transaction(target)
        original.check_reversible(day)
        negated = [
            Posting(p.account, p.member, -p.amount) for p in accounts.transaction_postings(original)
        ]
        self._check_funds(negated, day)
        correction = domain.Correction(ref=ref, date=day, reverses=target, reason=why)
        original.reverse(by_ref=ref, day=day, reason=why)
        self._collect(correction, original)
        return Outcome("correct", ref, True, msg("reverses {target}", target=target))

    def story(
        self, member: object, date: object, title: object, text: object, ref: object = None
    ) -> Outcome:
        day, mid = parse_date(date), require_text(member, "member")
        title, body = require_text(title, "title"), require_text(text, "text")
        if ref in (None, ""):
            digest = hashlib.sha256(f"{mid}\n{day}\n{title}\n{body}".encode()).hexdigest()[:12]
            ref = f"story-{digest}"
        ref = _ref(ref)
        command = domain.Story.line(ref, day, member=mid, title=title, text=body)
        if self._seen(ref, command):
            return Outcome("story.add", ref, False)
        coop = self._cooperative()
        coop.check_date(day)
        coop.member(mid)
        self._collect(domain.Story(ref=ref, date=day, member=mid, title=title, text=body))
        return Outcome("story.add", ref, True, title)

    # ------------------------------------------------------------ the cooperative's own
    def cooperative_movement(
        self, direction: str, ref: object, date: object, amount: object, purpose: object
    ) -> Outcome:
        """The cooperative's other income or operating expense (cash, part of its SHU)."""
        ref, day = _ref(ref), parse_date(date)
        value = parse_rupiah(amount, "amount", allow_zero=False)
        why = require_text(purpose, "purpose")
        op = f"cooperative.{direction}"
        kinds = {"income": domain.CooperativeIncome, "expense": domain.CooperativeExpense}
        if direction in kinds and self._seen(
            ref, kinds[direction].line(ref, day, amount=value, purpose=why)
        ):
            return Outcome(op, ref, False)
        self._cooperative().check_date(day)
        if direction == "income":
            txn: Transaction = domain.CooperativeIncome(
                ref=ref, date=day, amount=value, purpose=why
            )
        elif direction == "expense":
            txn = domain.CooperativeExpense(ref=ref, date=day, amount=value, purpose=why)
        else:
            raise InvalidInput(
                "direction",
                msg("cooperative {direction!r} must be income or expense.", direction=direction),
            )
        self._collect(txn)
        return Outcome(op, ref, True, msg("{value} ({why})", value=format_rupiah(value), why=why))

    # ------------------------------------------------------------ year-end close
    def _month_sums(
        self, first: str | None, last: str, accounts_: tuple[str, ...], prefixes: tuple[str, ...]
    ) -> dict[tuple[str, str], int]:
        """``ReadModel.month_sums`` plus what this batch has recorded so far."""
        sums: dict[tuple[str, str], int] = defaultdict(
            int, self.read.month_sums(first, last, accounts_, prefixes)
        )
        for (account, member), moves in self._pending.items():
            if account in accounts_ or account.startswith(prefixes):
                for d, a in moves:
                    if d[:7] <= last and (first is None or d[:7] >= first):
                        sums[(account, member)] += a
        return dict(sums)

    def close_year(
        self,
        year: object,
        date: object = None,
        bylaws: dict[str, int] | None = None,
        round_: object = None,
    ) -> Outcome:
        """Close a financial year: compute its SHU from the books, appropriate it by
        the bylaws (``ledger.shu``), record it on the register and lock the year."""
        from ledger import shu

        y = _year(year)
        day = parse_date(date) if date not in (None, "") else _today()
        points = bylaws if bylaws is not None else shu.resolve_bylaws(None, {})
        number = _round(round_)
        coop = self._cooperative()
        if not coop.check_close(y, day, number, {"bylaws": points}):
            return Outcome("close", str(y), False)
        if number is None:
            number = len(coop.closes(y)) + 1
        record = self.shu_figures(y, day, points, number)
        coop.close_year(**record)
        self._collect(coop)
        if record["shu"] <= 0:
            what = f"a loss of {format_rupiah(-record['shu'])}" if record["shu"] else "no SHU"
            return Outcome(
                "close",
                str(y),
                True,
                msg("{what}; nothing appropriated; {y} is locked", what=what, y=y),
            )
        f = record["funds"]
        members = sum(record["jasa_usaha"].values()) + sum(record["jasa_modal"].values())
        return Outcome(
            "close",
            str(y),
            True,
            msg(
                "SHU {shu}: reserve {reserve}, members {members}, education {education}, social {social}; {y} is locked",
                shu=format_rupiah(record["shu"]),
                reserve=format_rupiah(record["reserve"]),
                members=format_rupiah(members),
                education=format_rupiah(f["education"]),
                social=format_rupiah(f["social"]),
                y=y,
            ),
        )

    def shu_figures(
        self, y: int, day: dt.date, points: dict[str, int], number: int
    ) -> dict[str, Any]:
        """The close of year ``y`` as the books stand (the fields of ``YearClosed``):
        the year's Income and Expenses balances, the members' bases and the division."""
        from ledger import shu

        months = (f"{y:04d}-01", f"{y:04d}-12")
        nominal = self._month_sums(*months, (), accounts.NOMINAL)
        closing: dict[str, int] = defaultdict(int)
        for (account, _), amount in nominal.items():
            closing[account] += amount
        # jasa usaha base: each member's harvest income of the year (the partner
        # share, a debit); a net reversal below zero counts as no base
        usaha = {
            m: a for (account, m), a in nominal.items() if account == accounts.PARTNER_SHARE and m
        }
        held = self._month_sums(
            None, months[1], (accounts.SAVINGS["pokok"], accounts.SAVINGS["wajib"]), ()
        )
        modal: dict[str, int] = defaultdict(int)
        for (_, m), a in held.items():
            if m:
                modal[m] -= a  # savings are credits
        return shu.close_record(y, day, number, points, closing, usaha, modal)

    def reopen_year(
        self, year: object, reason: object, date: object = None, round_: object = None
    ) -> Outcome:
        """Reopen a closed year: its close is undone and dated entries in it are accepted again."""
        y = _year(year)
        why = require_text(reason, "reason")
        day = parse_date(date) if date not in (None, "") else _today()
        number = _round(round_)
        coop = self._cooperative()
        if not coop.check_reopen(y, day, number, why):
            return Outcome("reopen", str(y), False)
        coop.reopen_year(y, day, len(coop.closes(y)), why)
        self._collect(coop)
        return Outcome(
            "reopen", str(y), True, msg("the close of {y} is undone: {why}", y=y, why=why)
        )


def _year(value: object) -> int:
    text = str(value).strip() if not isinstance(value, bool) else ""
    if not re.fullmatch(r"\d{4}", text):
        raise InvalidInput(
            "year", msg("YEAR must be a year such as 2020, not {value!r}.", value=value)
        )
    return int(text)


def _round(value: object) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1:
        raise InvalidInput(
            "round", msg("round must be a whole number from 1, not {value!r}.", value=value)
        )
    return int(text)


def _shortfall(account: str, member: str, amount: int, have: int, day: dt.date) -> str:
    need, avail = format_rupiah(amount), format_rupiah(max(have, 0))
    if account == accounts.INFAQ_FUND:
        return msg(
            "--amount {need} is more than the infaq fund holds from {day} on ({avail}).",
            need=need,
            day=day,
            avail=avail,
        )
    if account == accounts.LOANS:
        return msg(
            "--amount {need} is more than member {member}'s outstanding loan from {day} on ({avail}).",
            need=need,
            member=member,
            day=day,
            avail=avail,
        )
    return msg(
        "--amount {need} would take member {member}'s {kind} savings below zero "
        "(available from {day} on: {avail}).",
        need=need,
        member=member,
        kind=account.rsplit(":", 1)[-1].lower(),
        day=day,
        avail=avail,
    )


T = TypeVar("T")
RETRIES = 25


def run_batch(app: LedgerApp, work: Callable[[Batch], T]) -> T:
    """Run ``work`` on a fresh batch and commit it; if another writer got there
    first, start again from the new books (refusals are decided afresh)."""
    for attempt in range(RETRIES):
        batch = Batch(app)
        result = work(batch)
        try:
            batch.commit()
        except Exception as error:
            if "permission denied" in str(error).lower():
                raise ReadOnly(
                    "db",
                    msg("this role may only read the ledger (the database refused the write)."),
                ) from None
            if not is_conflict(error):
                raise
            time.sleep(random.uniform(0, 0.005 * 2 ** min(attempt, 7)))  # jittered back-off
            continue
        return result
    raise Busy(
        "db",
        msg(
            "other clerks kept the ledger busy and nothing was written; repeat the same command (same --ref)."
        ),
    )


def is_conflict(error: BaseException) -> bool:
    """A concurrent writer got there first: the whole batch may be retried."""
    if isinstance(error, IntegrityError):
        return True
    text = str(error).lower()
    return isinstance(error, OperationalError) and ("locked" in text or "busy" in text)


__all__ = ["Batch", "LedgerApp", "Outcome", "open_ledger", "Decimal"]
