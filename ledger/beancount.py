"""The double-entry books as a beancount file (``kerang export --format beancount``).

One beancount transaction per recorded fact: the postings that one event added
to ``kerang_postings`` under one (ref, date) — a transaction, its reversal (on
the correction's date), or a register entry (``bagan:B01``, ``leave:M01``).
Member sub-ledgers become sub-accounts (``Liabilities:Savings:Wajib:M01``), and
every member savings and loan account that moved in a month has its balance
asserted at the month's end, so ``bean-check`` recomputes the member balances.

The rows are read in one snapshot and streamed in (date, id) order; only the
running balances of the asserted accounts are kept, so memory does not grow
with the ledger.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from ledger import accounts
from ledger.accounts import Posting
from ledger.app import LedgerApp
from ledger.domain import Cooperative
from ledger.queries import cooperative

CURRENCY = "IDR"
# Member balances asserted at month ends: savings (and loans) are what members are owed / owe.
ASSERTED = frozenset({*accounts.SAVINGS.values(), accounts.LOANS})

_VALID_COMPONENT = re.compile(r"[A-Z0-9][A-Za-z0-9-]*")


@attrs.frozen
class Fact:
    """One recorded event's entry, ready to be written as a beancount transaction."""

    date: str
    narration: str
    meta: dict[str, str]
    postings: tuple[Posting, ...]
    payee: str | None = None


def export_beancount(app: LedgerApp) -> Iterator[str]:
    """The lines of the beancount file (without newlines).

    The ledger is checked here, before the first line is asked for, so a
    refusal comes before an ``--out`` file is created.
    """
    return _lines(app, cooperative(app))


def _lines(app: LedgerApp, coop: Cooperative) -> Iterator[str]:
    # One read transaction: the accounts opened and the postings streamed are one snapshot.
    with app.read.ledger_stream() as books:
        first = books.first
        opened = min(coop.started, dt.date.fromisoformat(first)) if first else coop.started
        names = member_components(m for _, m in books.ledgers if m)

        yield from _header(coop, opened)
        yield from _opens(opened, books.ledgers, names)
        yield from _transactions(_facts(books.rows), names)


def _header(coop: Cooperative, opened: dt.date) -> Iterator[str]:
    yield f"; {' '.join(coop.name.split())}: the double-entry books exported by kerang."
    yield "; Whole rupiah; debits positive, credits negative (liabilities and income are negative)."
    yield f"option {_quote('title')} {_quote(coop.name)}"
    yield f"option {_quote('operating_currency')} {_quote(CURRENCY)}"
    yield ""
    yield f"{opened} commodity {CURRENCY}"
    yield ""


def _opens(opened: dt.date, ledgers: list[tuple[str, str]], names: dict[str, str]) -> Iterator[str]:
    for account, member in ledgers:
        yield f"{opened} open {account_name(account, member, names)} {CURRENCY}"
        if member:  # the member's own ID, since the account component may be sanitized
            yield f"  member: {_quote(member)}"
    if ledgers:
        yield ""


# ------------------------------------------------------------------ accounts
def account_name(account: str, member: str, names: dict[str, str]) -> str:
    """The beancount account of a (control account, member) sub-ledger."""
    return f"{account}:{names[member]}" if member else account


def member_components(members: Iterable[str]) -> dict[str, str]:
    """A valid, unique beancount account component for every member ID.

    A valid ID keeps its spelling. Any other is upper-cased, its other
    characters become '-', and it gets an 'M-' prefix if it does not start with
    a letter or digit. IDs whose spelling would then coincide all get a suffix
    from a hash of their own ID, so which one comes first never matters.
    """
    ids = sorted(set(members))
    valid = {m for m in ids if _VALID_COMPONENT.fullmatch(m)}
    wanted = {m: m if m in valid else _sanitized(m) for m in ids}
    claimed = defaultdict(list)
    for m in ids:
        claimed[wanted[m]].append(m)
    names: dict[str, str] = {}
    for m in ids:
        clash = m not in valid and len(claimed[wanted[m]]) > 1
        names[m] = f"{wanted[m]}-{_digest(m)}" if clash else wanted[m]
    return _made_unique(names)


def _sanitized(member: str) -> str:
    text = re.sub(r"[^A-Z0-9-]", "-", member.upper())
    return text if re.match(r"[A-Z0-9]", text) else f"M-{text}"


def _digest(member: str) -> str:
    return hashlib.sha256(member.encode()).hexdigest()[:8].upper()


def _made_unique(names: dict[str, str]) -> dict[str, str]:
    """A last resort (a real ID spelled like a hashed one): number the later duplicates."""
    taken: set[str] = set()
    for member in sorted(names, key=lambda m: (names[m] != m, m)):
        name, n = names[member], 2
        while name in taken:
            name, n = f"{names[member]}-{n}", n + 1
        names[member] = name
        taken.add(name)
    return names


# ------------------------------------------------------------------ facts
def _facts(rows: Iterator[Any]) -> Iterator[Fact]:
    """Group the (date, id)-ordered posting rows into the entries of recorded events."""
    reversed_today: set[str] = set()  # refs recorded and reversed today, original already out
    today = ""
    for (ref, day), group in itertools.groupby(rows, key=lambda r: (r[0], r[1])):
        if day != today:
            reversed_today.clear()
            today = day
        group = list(group)  # one event's postings: a handful of rows
        postings = tuple(Posting(r[2], r[3], int(r[4])) for r in group)
        ref_date, kind, command, reversed_by, reversed_on, correction = group[0][5:]
        if kind is None:
            yield _register_fact(ref, day, postings)
            continue
        reason = json.loads(correction)["reason"] if correction else ""
        reversal = (reversed_by, reversed_on, reason)
        if day != ref_date or ref in reversed_today:  # the correction's entry
            yield _reversal_fact(ref, day, kind, postings, reversal)
        elif day == reversed_on and _recorded_then_reversed(postings):
            half = len(postings) // 2  # recorded and reversed one after the other: two entries
            yield _transaction_fact(ref, day, kind, json.loads(command), postings[:half], reversal)
            yield _reversal_fact(ref, day, kind, postings[half:], reversal)
        else:
            if day == reversed_on:
                reversed_today.add(ref)
            yield _transaction_fact(ref, day, kind, json.loads(command), postings, reversal)


def _recorded_then_reversed(postings: tuple[Posting, ...]) -> bool:
    """True if the postings are an entry followed by its exact negation.

    One entry never has two postings on the same (account, member), so it
    cannot pass for a pair on its own.
    """
    half, rest = divmod(len(postings), 2)
    return (
        bool(half)
        and not rest
        and all(
            (a.account, a.member, -a.amount) == (b.account, b.member, b.amount)
            for a, b in zip(postings[:half], postings[half:], strict=True)
        )
    )


def _transaction_fact(
    ref: str,
    day: str,
    kind: str,
    command: dict[str, Any],
    postings: tuple[Posting, ...],
    reversal: tuple[str | None, str | None, str],
) -> Fact:
    meta = {"ref": ref, "kind": kind}
    by, on, _ = reversal
    if by:  # the original stays in the books; its reversal is a later transaction
        meta |= {"reversed_by": by, "reversed_on": on or ""}
    return Fact(day, _narration(ref, kind, command), meta, postings, command.get("buyer"))


def _reversal_fact(
    ref: str,
    day: str,
    kind: str,
    postings: tuple[Posting, ...],
    reversal: tuple[str | None, str | None, str],
) -> Fact:
    by, _, reason = reversal
    narration = f"reversal of {kind} {ref} by {by}" + (f": {reason}" if reason else "")
    meta = {"ref": ref, "kind": kind, "reversed_by": by or "", "reason": reason}
    return Fact(day, narration, meta, postings)


def _register_fact(label: str, day: str, postings: tuple[Posting, ...]) -> Fact:
    """The register's own entries: a bagan's cost (a grant) and a leaving member's payout."""
    what, _, key = label.partition(":")
    if what == "bagan":
        narration = f"bagan {key} added, its cost funded by a programme grant"
    elif what == "leave":
        narration = f"member {key} left: pokok and wajib savings paid out"
    else:
        narration = label
    return Fact(day, narration, {"ref": label, "kind": f"register.{what}"}, postings)


def _narration(ref: str, kind: str, c: dict[str, Any]) -> str:
    member = c.get("member")
    if kind == "harvest":
        return f"harvest {ref} bagan {c['bagan']}"
    if kind in ("savings.deposit", "savings.withdraw"):
        verb = "deposit" if kind == "savings.deposit" else "withdrawal"
        return f"{c['kind']} savings {verb} {ref} member {member}"
    if kind == "infaq.receive":
        return f"infaq received {ref}" + (f" from member {member}" if member else "")
    if kind == "infaq.disburse":
        return f"infaq disbursed {ref}: {c['purpose']}"
    if kind == "loan.disburse":
        return f"loan disbursed {ref} to member {member}"
    if kind == "loan.repay":
        return f"loan repayment {ref} by member {member}"
    if kind == "repair":
        return f"repair {ref} bagan {c['bagan']}, charged to its partners' harvest savings"
    return f"{kind} {ref}"


# ------------------------------------------------------------------ writing
def _transactions(facts: Iterable[Fact], names: dict[str, str]) -> Iterator[str]:
    """The transactions, with month-end balance assertions of the member accounts."""
    balances: dict[tuple[str, str], int] = defaultdict(int)
    moved: set[tuple[str, str]] = set()
    month = ""
    for fact in facts:
        if fact.date[:7] != month:
            yield from _assertions(month, moved, balances, names)
            month = fact.date[:7]
        yield from _transaction(fact, names)
        for p in fact.postings:
            if p.account in ASSERTED and p.member:
                balances[(p.account, p.member)] += p.amount
                moved.add((p.account, p.member))
    yield from _assertions(month, moved, balances, names)


def _assertions(
    month: str,
    moved: set[tuple[str, str]],
    balances: dict[tuple[str, str], int],
    names: dict[str, str],
) -> Iterator[str]:
    """Month-end balances, dated the next month's first day: beancount asserts at a day's start."""
    if not moved:
        return
    day = _next_month(month)
    for account, member in sorted(moved):
        amount = balances[(account, member)]
        yield f"{day} balance {account_name(account, member, names)} {amount} {CURRENCY}"
    yield ""
    moved.clear()


def _next_month(month: str) -> dt.date:
    year, number = (int(x) for x in month.split("-"))
    return dt.date(year + number // 12, number % 12 + 1, 1)


def _transaction(fact: Fact, names: dict[str, str]) -> Iterator[str]:
    payee = f"{_quote(fact.payee)} " if fact.payee else ""
    yield f"{fact.date} * {payee}{_quote(fact.narration)}"
    for key, value in fact.meta.items():
        yield f"  {key}: {_quote(value)}"
    for p in fact.postings:
        yield f"  {account_name(p.account, p.member, names):<48} {p.amount:>14} {CURRENCY}"
    yield ""


def _quote(text: str) -> str:
    """A beancount string: backslashes and double quotes escaped, nothing else changed."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
