"""The auditor: rebuild everything from the stored events alone and check it.

In the manner of beancount's ``ops/validation.py``: a list of small check functions
over the entries, each returning its findings. Made streaming, so that memory stays
flat however long the ledger:

- ``codec``  — the stored JSON form: the auditor's own decoder (orjson), the canonical
  re-encoding, the ref identity scheme.
- ``rules``  — the auditor's own statement of the ledger: the chart, each event's
  schema, and the fold (``Fold``) that turns a stored row into an ``Entry``: its date,
  ref, postings, and for a transaction the command text and harvest row it stores.
- ``source`` — a read-only snapshot of a SQLite or PostgreSQL ledger, streaming the
  stored events and the read-model rows as plain tuples.
- ``checks`` — the checks. Each takes plain entries (and, for the read models and the
  chain, their rows as plain iterables) and returns findings; none touches a database,
  so each is unit-tested with a few hand-written entries (tests/test_audit_checks.py).

Where a new event type goes: its schema, kind, command fields and fold rule in
``rules`` (the places marked "NEW EVENTS"); a rule of its own as a check in ``checks``,
listed in ``default_checks`` below; if it writes a new read-model table, that table's
rows handed to ``ReadModelCheck`` (tests/test_tampering.py fails until it is).
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

import attrs

from ledger.audit.checks import (
    MAX_SHOWN,
    ChainCheck,
    Check,
    DoubleEntryCheck,
    EarlierHeadCheck,
    HarvestCheck,
    InfaqCheck,
    NonNegativeCheck,
    PartnerChargeCheck,
    PeriodCheck,
    ReadModelCheck,
    ReversalCheck,
    SchemaCheck,
    SequenceCheck,
    SettlementCheck,
    ShuCheck,
    remainder_rule_broken,
)
from ledger.audit.codec import NAMESPACE, decode, encode, ref_identity
from ledger.audit.rules import Entry, Fold
from ledger.audit.source import Source
from ledger.i18n import msg

__all__ = [
    "MAX_SHOWN",
    "NAMESPACE",
    "AuditReport",
    "CheckResult",
    "Entry",
    "Fold",
    "audit",
    "decode",
    "default_checks",
    "encode",
    "ref_identity",
    "remainder_rule_broken",
    "validate",
]


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


def result(check: Check) -> CheckResult:
    findings = check.findings()
    if not findings:
        return CheckResult(check.name, True, check.description, ())
    shown = findings[:MAX_SHOWN]
    more = len(findings) - len(shown) + check.more
    detail = "; ".join(str(f) for f in shown)
    if more:
        detail += str(msg("; and {more} more", more=more))
    return CheckResult(check.name, False, detail, tuple(findings))


BATCH = 1000  # entries folded before the checks see them


def validate(entries: Iterable[Entry], checks: list[Check]) -> int:
    """Feed every entry to the checks that observe its topic, in recording order;
    finish them. The number of entries seen.

    The entries go in batches, each check seeing a whole batch before the next
    check does: the checks are independent, so this finds the same, and a check's
    code and state stay in the processor's caches for a thousand entries (a quarter
    of the checks' time, against one entry through every check in turn)."""
    count = 0
    entries = iter(entries)
    while batch := list(islice(entries, BATCH)):
        count += len(batch)
        for check in checks:
            observe, topics = check.observe, check.topics
            if topics is None:
                for entry in batch:
                    observe(entry)
            else:
                for entry in batch:
                    if entry.topic in topics:
                        observe(entry)
    for check in checks:
        check.finish()
    return count


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: the fold makes no reference cycles (each
    entry is freed as soon as the checks have seen it), so every collection it would
    trigger only walks the live objects again (a sixth of the audit's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def default_checks(
    source: Source,
    as_of: dt.date | None = None,
    head: tuple[int | None, str, bool | None] | None = None,
) -> list[Check]:
    checks: list[Check] = [
        ChainCheck(source.links()),
        SchemaCheck(),
        SequenceCheck(source.version_breaks()),
        HarvestCheck(as_of),
        PartnerChargeCheck(as_of),
        DoubleEntryCheck(as_of),
        NonNegativeCheck(as_of),
        InfaqCheck(),
        ReversalCheck(),
        PeriodCheck(),
        ShuCheck(),
        SettlementCheck(),
        ReadModelCheck(
            refs=source.refs(),
            postings=source.postings(),
            harvests=source.harvests(),
            monthly=source.monthly(),
            totals=source.totals(),
            unseal=source.unseal,
        ),
    ]
    if head is not None:
        checks.append(EarlierHeadCheck(*head))
    return checks


def audit(
    db: str,
    as_of: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    head: tuple[int | None, str, bool | None] | None = None,
) -> AuditReport:
    """Replay the ledger at ``db`` and run every check; with ``head`` (event count or
    None, link, whether its signature held or None), also check that the books pass
    through that earlier head."""
    source = Source(db)
    try:
        checks = default_checks(source, as_of, head)
        with collector_paused():
            events = validate(source.entries(Fold(source.original), progress), checks)
    finally:
        source.close()
    results = tuple(result(c) for c in checks)
    chain = checks[0]
    assert isinstance(chain, ChainCheck)
    return AuditReport(all(r.ok for r in results), events, chain.head, as_of, results)
