"""kerang's cooperative ledger: the public API.

Commands go through ``record(db, op, **fields)`` (the operations of the
contract, by name); reports are functions of a ``db`` returning attrs objects.
``simulation`` and ``assessment`` read the ledger only through ``read_books``.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names are loaded on first use (``kerang --help`` needs none)
    from ledger import transfer
    from ledger.app import LedgerApp, open_ledger
    from ledger.audit import AuditReport
    from ledger.commands import COMMANDS as OPERATIONS
    from ledger.errors import Refused
    from ledger.queries import MemberStatement, Summary, TrialBalance
    from ledger.services import Outcome
    from ledger.split import DEFAULT_POLICY, Policy, Split, divide_equally, split_net
    from ledger.transfer import ImportResult, ImportStopped
    from ledger.verify import VerifyReport
    from ledger.views import Books

# name -> (module, attribute): what ``ledger.NAME`` loads when first asked for
_LAZY = {
    "OPERATIONS": ("ledger.commands", "COMMANDS"),
    "DEFAULT_POLICY": ("ledger.split", "DEFAULT_POLICY"),
    "Policy": ("ledger.split", "Policy"),
    "Split": ("ledger.split", "Split"),
    "divide_equally": ("ledger.split", "divide_equally"),
    "split_net": ("ledger.split", "split_net"),
    "Refused": ("ledger.errors", "Refused"),
    "Books": ("ledger.views", "Books"),
    "LedgerApp": ("ledger.app", "LedgerApp"),
    "open_ledger": ("ledger.app", "open_ledger"),
    "Outcome": ("ledger.services", "Outcome"),
    "AuditReport": ("ledger.audit", "AuditReport"),
    "MemberStatement": ("ledger.queries", "MemberStatement"),
    "Summary": ("ledger.queries", "Summary"),
    "TrialBalance": ("ledger.queries", "TrialBalance"),
    "ImportResult": ("ledger.transfer", "ImportResult"),
    "ImportStopped": ("ledger.transfer", "ImportStopped"),
    "VerifyReport": ("ledger.verify", "VerifyReport"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ledger' has no attribute {name!r}")


def record(db: str, op: str, **fields: Any) -> Outcome:
    """Record one operation atomically; a concurrent writer's win is retried."""
    from ledger.app import open_ledger
    from ledger.services import apply
    from ledger.uow import run

    app = open_ledger(db, create=op == "init")
    return run(app, lambda uow: apply(uow, op, fields))


def statement(db: str, member: str, as_of: dt.date | None = None) -> MemberStatement:
    from ledger import queries
    from ledger.app import open_ledger

    return queries.statement(open_ledger(db), member, as_of)


def summary(db: str, as_of: dt.date | None = None) -> Summary:
    from ledger import queries
    from ledger.app import open_ledger

    return queries.summary(open_ledger(db), as_of)


def balance(db: str, as_of: dt.date | None = None) -> TrialBalance:
    from ledger import queries
    from ledger.app import open_ledger

    return queries.balance(open_ledger(db), as_of)


def read_books(db: str, as_of: dt.date | None = None) -> Books:
    """The replayed books as of a date (default: today or the latest entry)."""
    from ledger import queries
    from ledger.app import open_ledger

    return queries.books(open_ledger(db), as_of)


def import_file(
    db: str, path: str, *, check: bool = False, progress: transfer.Progress | None = None
) -> ImportResult:
    from ledger import transfer

    return transfer.import_file(db, path, check=check, progress=progress)


def export_beancount(db: str) -> Iterator[str]:
    """The books as beancount lines; a missing or unstarted ledger is refused at once."""
    from ledger import beancount
    from ledger.app import open_ledger

    return beancount.export_beancount(open_ledger(db))


def audit_ledger(db: str, as_of: dt.date | None = None, progress: Any = None) -> AuditReport:
    """Rebuild everything from the stored events alone and check it."""
    from ledger import audit as _audit
    from ledger.app import open_ledger

    open_ledger(db)  # refuses a missing ledger with the usual sentence
    return _audit.audit(db, as_of, progress)


def verify_log(path: str, head: str | None = None) -> VerifyReport:
    """Check an exported jsonl log offline."""
    from ledger import verify as _verify

    return _verify.verify_export(path, head)


def grant_auditor(db: str, role: str) -> str:
    """Create (or update) a read-only PostgreSQL role for an auditor; returns its --db URL."""
    import re
    from urllib.parse import urlparse

    from ledger.app import is_postgres, open_ledger
    from ledger.errors import InvalidInput
    from ledger.i18n import msg

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
    import json

    from ledger import transfer
    from ledger.app import open_ledger

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
