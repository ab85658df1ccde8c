"""kerang's cooperative ledger: the public API.

Commands go through ``record(db, op, **fields)`` (the operations of the
contract, by name); reports are functions of a ``db`` returning attrs objects.
``simulation`` and ``assessment`` read the ledger only through ``read_books``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

# Every name loads on first use, so that ``ledger.money``, ``ledger.split``,
# ``ledger.errors`` and ``ledger.i18n`` stay leaves for simulation and assessment, and
# ``kerang --help`` (which needs only ``ledger.i18n``) loads nothing else.
if TYPE_CHECKING:
    from ledger import transfer
    from ledger.app import LedgerApp, open_ledger
    from ledger.audit import AuditReport
    from ledger.commands import OPERATIONS
    from ledger.errors import Refused
    from ledger.queries import MemberStatement, Summary, TrialBalance
    from ledger.services import Outcome
    from ledger.split import DEFAULT_POLICY, Policy, Split, divide_equally, split_net
    from ledger.transfer import ImportChecked, ImportResult, ImportStopped
    from ledger.verify import VerifyReport
    from ledger.views import Books

_LAZY = {
    "Refused": "ledger.errors",
    "DEFAULT_POLICY": "ledger.split",
    "Policy": "ledger.split",
    "Split": "ledger.split",
    "divide_equally": "ledger.split",
    "split_net": "ledger.split",
    "Books": "ledger.views",
    "LedgerApp": "ledger.app",
    "Outcome": "ledger.services",
    "open_ledger": "ledger.app",
    "AuditReport": "ledger.audit",
    "OPERATIONS": "ledger.commands",
    "MemberStatement": "ledger.queries",
    "Summary": "ledger.queries",
    "TrialBalance": "ledger.queries",
    "ImportChecked": "ledger.transfer",
    "ImportResult": "ledger.transfer",
    "ImportStopped": "ledger.transfer",
    "VerifyReport": "ledger.verify",
}


def __getattr__(name: str) -> Any:
    """The heavy part of the API (and any submodule), imported when first asked for."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif importlib.util.find_spec(f"{__name__}.{name}") is not None:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def record(db: str, op: str, **fields: Any) -> Outcome:
    """Record one operation atomically; a concurrent writer's win is retried."""
    from ledger.app import open_ledger
    from ledger.services import apply
    from ledger.uow import run

    app = open_ledger(db, create=op == "init")
    return run(app, lambda uow: apply(uow, op, fields))


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

    from ledger import queries, statements
    from ledger.app import open_ledger

    app = open_ledger(db)
    day = statements.statement_day(as_of, last)
    result = queries.statement(app, member, queries.as_of_date(app, day))
    start = statements.passbook_start(result.joined, result.statement.as_of, first, everything)
    book = statements.passbook(app, member, start, result.statement.as_of)
    return attrs.evolve(result, passbook=book)


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


def audit_ledger(
    db: str,
    as_of: dt.date | None = None,
    progress: Any = None,
    head: str | None = None,
    public_key: str | None = None,
) -> AuditReport:
    """Rebuild everything from the stored events alone and check it; with ``head`` (hex
    or a head statement file), also that the books extend it (its signature checked
    with ``public_key``)."""
    from ledger import audit
    from ledger.app import open_ledger
    from ledger.heads import check_head

    earlier = None
    if head is not None:
        found = check_head(head, public_key)
        earlier = (found.events, found.head.head, found.signed)
    open_ledger(db)  # refuses a missing ledger with the usual sentence
    return audit.audit(db, as_of, progress, earlier)


def verify_log(path: str, head: str | None = None, public_key: str | None = None) -> VerifyReport:
    """Check an exported jsonl log offline (against an earlier head, hex or a statement)."""
    from ledger import verify
    from ledger.heads import check_head

    earlier = None if head is None else check_head(head, public_key)
    return verify.verify_export(path, earlier)


def head(db: str, sign: bool = False) -> Any:
    """The books' current head (a ``heads.Head``), signed with KERANG_SIGNING_KEY when asked."""
    from ledger import heads

    current = heads.current_head(db)
    return heads.sign(current, heads.signing_key()) if sign else current


def new_signing_key() -> tuple[str, str]:
    """A fresh Ed25519 key pair (private, public) as hex, for signed head statements."""
    from ledger.heads import new_signing_key as new

    return new()


def grant_auditor(db: str, role: str) -> Any:
    """Create (or update) a read-only PostgreSQL role for an auditor; returns what it
    granted and the auditor's --db URL (``pgstore.Granted``)."""
    import re

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

    return grant(db, role)


def new_cipher_key() -> str:
    """A fresh AES-256 key for KERANG_CIPHER_KEY."""
    from eventsourcing.cryptography import AESCipher

    return AESCipher.create_key(32)


def export_jsonl(db: str) -> Iterator[str]:
    from ledger.app import open_ledger
    from ledger.export import export_lines

    for line in export_lines(open_ledger(db)):
        yield json.dumps(line, ensure_ascii=False)


def write_export(db: str, format: str, out: str) -> int:
    """Export into the file ``out``; returns the number of lines.

    ``out`` may not be a ledger or part of one; the file appears complete or not at all.
    """
    from ledger.files import atomic_output, guard_output

    path = guard_output(out, db=db)
    lines = export_beancount(db) if format == "beancount" else export_jsonl(db)
    count = 0
    with atomic_output(path) as f:
        for line in lines:
            f.write(line + "\n")
            count += 1
    return count


__all__ = [
    "DEFAULT_POLICY",
    "OPERATIONS",
    "Books",
    "ImportChecked",
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
    "head",
    "new_cipher_key",
    "new_signing_key",
    "balance",
    "verify_log",
    "divide_equally",
    "export_beancount",
    "export_jsonl",
    "write_export",
    "import_file",
    "open_ledger",
    "read_books",
    "record",
    "split_net",
    "statement",
    "summary",
]
