"""kerang's cooperative ledger: the public API.

Commands go through ``record(db, op, **fields)`` (the operations of the
contract, by name); reports are functions of a ``db`` returning attrs objects.
``simulation`` and ``assessment`` read the ledger only through ``read_books``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from ledger import audit as _audit
from ledger import beancount, queries, transfer
from ledger import verify as _verify
from ledger.app import LedgerApp, Outcome, open_ledger, run_batch
from ledger.audit import AuditReport
from ledger.errors import Refused
from ledger.i18n import msg
from ledger.operations import OPERATIONS, apply
from ledger.queries import MemberStatement, Summary, TrialBalance
from ledger.split import DEFAULT_POLICY, Policy, Split, divide_equally, split_net
from ledger.transfer import ImportResult, ImportStopped
from ledger.verify import VerifyReport
from ledger.views import Books


def record(db: str, op: str, **fields: Any) -> Outcome:
    """Record one operation atomically; a concurrent writer's win is retried."""
    app = open_ledger(db, create=op == "init")
    return run_batch(app, lambda batch: apply(batch, op, fields))


def statement(
    db: str,
    member: str,
    as_of: dt.date | None = None,
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    everything: bool = False,
) -> MemberStatement:
    """A member's balances as of a date, with the passbook's lines from ``first`` to ``last``.

    ``last`` is the statement's date (``as_of``; give one or both the same); ``first``
    defaults to a year before it, or the member's joining with ``everything``.
    """
    import attrs

    from ledger import statements

    app = open_ledger(db)
    day = statements.statement_day(as_of, last)
    result = queries.statement(app, member, queries.as_of_date(app, day))
    start = statements.passbook_start(result.joined, result.statement.as_of, first, everything)
    book = statements.passbook(app, member, start, result.statement.as_of)
    return attrs.evolve(result, passbook=book)


def summary(db: str, as_of: dt.date | None = None) -> Summary:
    return queries.summary(open_ledger(db), as_of)


def balance(db: str, as_of: dt.date | None = None) -> TrialBalance:
    return queries.balance(open_ledger(db), as_of)


def read_books(db: str, as_of: dt.date | None = None) -> Books:
    """The replayed books as of a date (default: today or the latest entry)."""
    return queries.books(open_ledger(db), as_of)


def import_file(
    db: str, path: str, *, check: bool = False, progress: transfer.Progress | None = None
) -> ImportResult:
    return transfer.import_file(db, path, check=check, progress=progress)


def export_beancount(db: str) -> Iterator[str]:
    """The books as beancount lines; a missing or unstarted ledger is refused at once."""
    return beancount.export_beancount(open_ledger(db))


def audit_ledger(db: str, as_of: dt.date | None = None, progress: Any = None) -> AuditReport:
    """Rebuild everything from the stored events alone and check it."""
    open_ledger(db)  # refuses a missing ledger with the usual sentence
    return _audit.audit(db, as_of, progress)


def verify_log(path: str, head: str | None = None) -> VerifyReport:
    """Check an exported jsonl log offline."""
    return _verify.verify_export(path, head)


def grant_auditor(db: str, role: str) -> str:
    """Create (or update) a read-only PostgreSQL role for an auditor; returns its --db URL."""
    import re
    from urllib.parse import urlparse

    from ledger.app import is_postgres
    from ledger.errors import InvalidInput

    if not is_postgres(db):
        raise InvalidInput(
            "db",
            msg(
                "grant-auditor needs a postgresql:// ledger; a SQLite file is guarded by its file permissions."
            ),
        )
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise InvalidInput(
            "role", msg("ROLE {role!r} must be lower-case letters, digits and _.", role=role)
        )
    open_ledger(db)  # refuses a missing ledger
    from ledger.pgstore import grant_auditor as grant

    grant(db, role)
    url = urlparse(db)
    return url._replace(netloc=f"{role}@{url.hostname}:{url.port or 5432}").geturl()


def new_cipher_key() -> str:
    """A fresh AES-256 key for KERANG_CIPHER_KEY."""
    from eventsourcing.cryptography import AESCipher

    return AESCipher.create_key(32)


def export_jsonl(db: str) -> Iterator[str]:
    for line in transfer.export_lines(open_ledger(db)):
        yield json.dumps(line, ensure_ascii=False)


__all__ = [
    "DEFAULT_POLICY",
    "OPERATIONS",
    "Books",
    "ImportResult",
    "ImportStopped",
    "LedgerApp",
    "MemberStatement",
    "Outcome",
    "Policy",
    "Refused",
    "Split",
    "Summary",
    "TrialBalance",
    "audit_ledger",
    "grant_auditor",
    "new_cipher_key",
    "balance",
    "verify_log",
    "divide_equally",
    "export_beancount",
    "export_jsonl",
    "import_file",
    "open_ledger",
    "read_books",
    "record",
    "split_net",
    "statement",
    "summary",
]
