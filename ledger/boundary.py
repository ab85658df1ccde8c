"""What the command line says when a command fails: one sentence and an exit code.

``explain`` sorts every exception that reaches ``cli.main``: a refusal or a usage
mistake (exit 2), a file or database that cannot be used (exit 2, the path and the
system's reason), and anything else, which is a bug (exit 3: one sentence saying so,
the traceback written to a log file in the temporary folder; ``KERANG_DEBUG=1`` also
prints it).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import sqlite3
import sys
import tempfile
import traceback
from pathlib import Path

from ledger.errors import Refused
from ledger.i18n import localise, msg, name_fields
from ledger.text import display

EXIT_REFUSED, EXIT_BUG = 2, 3


def explain(error: BaseException, argv: list[str]) -> tuple[str, str, int]:
    """(code, sentence in the chosen language, exit status) for a failed command."""
    if isinstance(error, Refused) or (
        type(error).__name__ == "UsageError" and hasattr(error, "message")
    ):
        return error.code, sentence(error.message), EXIT_REFUSED
    known = next(filter(None, map(_known, _chain(error))), None)
    if known is not None:
        return known[0], display(localise(known[1])), EXIT_REFUSED
    log = _write_log(error, argv)
    if os.environ.get("KERANG_DEBUG") == "1":
        traceback.print_exception(error, file=sys.stderr)
    return (
        "bug",
        localise(
            msg(
                "this is a bug in kerang, not a mistake of yours ({kind}); the details are in "
                "{log}. Please report it with that file.",
                kind=type(error).__name__,
                log=log,
            )
        ),
        EXIT_BUG,
    )


def option(name: str) -> str:
    """A field as the command line knows it: its option."""
    return "--" + name.replace("_", "-")


def sentence(message: str) -> str:
    """A refusal's sentence for the command line: its fields shown as options, in the
    chosen language, safe for a terminal."""
    return display(localise(name_fields(message, option)))


def _chain(error: BaseException) -> list[BaseException]:
    """The error and what caused it (a library wraps the system's error in its own)."""
    found: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and len(found) < 8 and seen not in found:
        found.append(seen)
        seen = seen.__cause__ or seen.__context__
    return found


def _known(error: BaseException) -> tuple[str, str] | None:
    """Failures of the world outside kerang that a user can mend: files and databases."""
    if isinstance(error, OSError) and not _is_database_error(error):
        path = error.filename if error.filename is not None else ""
        reason = error.strerror or str(error)
        return "file", msg("cannot use {path}: {reason}.", path=repr(str(path)), reason=reason)
    if isinstance(error, UnicodeError):
        return "encoding", msg("a file is not text kerang can read ({e}).", e=str(error)[:200])
    if isinstance(error, csv.Error):
        return "csv", msg("the CSV file cannot be read ({e}).", e=str(error)[:200])
    if isinstance(error, sqlite3.Error) or type(error).__module__ == "apsw":
        # APSW: the audit's reader of SQLite files
        return "database", msg("the database cannot be used ({e}).", e=str(error)[:200])
    if _is_database_error(error):
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return "database", msg("the database cannot be used ({e}).", e=first[:200])
    if type(error).__name__ == "TOMLDecodeError":
        return "toml", msg("a TOML file is not valid ({e}).", e=str(error)[:200])
    return None


def _is_database_error(error: BaseException) -> bool:
    """A PostgreSQL connection or permission failure (psycopg), not a bug of ours."""
    module = type(error).__module__ or ""
    if module.startswith("eventsourcing"):  # its wrappers of a driver's connection failures
        return type(error).__name__ in ("OperationalError", "InterfaceError")
    if not module.startswith("psycopg"):
        return False
    return type(error).__name__ in (
        "OperationalError",
        "InterfaceError",
        "ConnectionTimeout",
        "InsufficientPrivilege",
        "InvalidSchemaName",
        "InvalidCatalogName",
        "InvalidPassword",
        "InvalidAuthorizationSpecification",
    )


def _write_log(error: BaseException, argv: list[str]) -> str:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(tempfile.gettempdir()) / f"kerang-bug-{stamp}-{os.getpid()}.log"
    try:
        with path.open("w", encoding="utf-8") as f:
            f.write(f"kerang {' '.join(repr(a) for a in argv)[:2000]}\n\n")
            traceback.print_exception(error, file=f)
    except OSError:
        return "(no log: the temporary folder is not writable)"
    return str(path)


def remove_if_empty(db: str) -> None:
    """Remove a SQLite file this command created but left without a single event."""
    path = Path(db)
    if not path.is_file():
        return
    try:
        with sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True) as con:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
            if "stored_events" in tables:
                (count,) = con.execute("SELECT COUNT(*) FROM stored_events").fetchone()
                if count:
                    return
        con.close()
    except sqlite3.Error:
        if path.stat().st_size:
            return  # not ours to judge: leave it
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
