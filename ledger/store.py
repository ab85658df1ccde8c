"""SQLite storage: the event store, writing the read models in the same transaction.

The read models are a pure function of the stored events (``ledger.projection``); the
SQL that creates, writes and reads them is in ``ledger.readmodel``. They are written by
the same database transaction that appends the events, so a crash leaves both or
neither. ``kerang audit`` re-derives them from the events alone. Triggers keep every
table append-only except the few documented updates (``readmodel.UPDATABLE``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sqlite3
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from ledger.readmodel import (
    SQLITE,
    SQLITE_APPEND_ONLY_DDL,
    BookRows,
    extend_chain,
    read_model_ddl,
)
from ledger.readmodel import canonical as canonical  # where callers found it before


class LedgerChanged(IntegrityError):
    """Another writer recorded events after this batch read the books."""


class LedgerRecorder(SQLiteApplicationRecorder):
    """SQLite event store that writes the read models in the same transaction."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _OPEN.add(self)
        _PATHS.add(self.datastore.pool.db_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *read_model_ddl(SQLITE),
            *SQLITE_APPEND_ONLY_DDL,
        ]

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # BEGIN IMMEDIATE takes the write lock before the basis is checked, so a
        # check-then-write can never interleave with another writer.
        with self.datastore.get_connection(commit=True) as conn:
            c = conn.cursor()
            c.execute("BEGIN IMMEDIATE")
            try:
                ids = self._insert_events(c, stored_events, **kwargs)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
            return ids

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        *,
        books: BookRows | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        if books is not None and books.basis is not None:
            c.execute(self.select_max_notification_id_statement)
            head = c.fetchone()[0] or 0
            if head != books.basis:
                raise LedgerChanged(f"the ledger moved from event {books.basis} to {head}")
        ids = super()._insert_events(c, stored_events, **kwargs)
        self._extend_chain(c, stored_events, ids or [])
        if books:
            books.write(c)
        return ids

    def _extend_chain(
        self, c: Any, stored_events: Sequence[StoredEvent], ids: Sequence[int]
    ) -> None:
        extend_chain(c, stored_events, ids, SQLITE)


# Every SQLite ledger opened by this process is checkpointed when the process ends, so
# that the main file holds every committed transaction whenever no command runs (a
# copy of the .db alone is then complete; ``kerang backup`` is complete at any time).
_OPEN: weakref.WeakSet[LedgerRecorder] = weakref.WeakSet()
_PATHS: set[str] = set()  # their file: URIs, for ledgers whose objects are gone already


def checkpoint(recorder: Any) -> bool:
    """Copy the WAL into the main file; True when all of it went in.

    PASSIVE never waits: frames a running reader still needs stay in the WAL, and the
    last command to end copies them."""
    if not isinstance(recorder, LedgerRecorder):
        return True
    try:
        with recorder.datastore.get_connection(commit=True) as conn:
            busy, frames, copied = (
                conn.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            )
    except Exception:  # a read-only file or a closed pool: nothing of ours to copy
        return False
    return not busy and frames == copied


def close_ledgers() -> None:
    """Checkpoint and close every SQLite ledger this process opened."""
    for recorder in list(_OPEN):
        checkpoint(recorder)
        with contextlib.suppress(Exception):
            recorder.datastore.close()  # the last connection to close removes the WAL
        _OPEN.discard(recorder)
    for uri in list(_PATHS):
        # the last connection to close copies the WAL in and removes it (a read-only
        # reader such as the audit cannot); mode=rw never creates a file that is gone
        with contextlib.suppress(sqlite3.Error):
            conn = sqlite3.connect(uri.replace("mode=rwc", "mode=rw"), uri=True)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                conn.close()
        _PATHS.discard(uri)


atexit.register(close_ledgers)


# ------------------------------------------------------------------ scratch copies
SCRATCH_PREFIX = "kerang-check-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def clean_stale_scratch(folder: str | None = None) -> list[str]:
    """Remove scratch copies left by a killed ``import --check`` (their process is gone)."""
    folder = folder or tempfile.gettempdir()
    removed = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if not entry.name.startswith(SCRATCH_PREFIX) or not entry.is_dir(follow_symlinks=False):
                continue
            pid = entry.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(entry.path)
    return removed


@contextmanager
def scratch_sqlite(db: str) -> Iterator[str]:
    """A throw-away copy of a SQLite ledger under a name that tells which process owns it
    (``kerang-check-PID-…``): removed at the end, or by the next run if this one is killed."""
    from ledger.files import connect_readonly

    clean_stale_scratch()
    folder = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
    try:
        scratch = os.path.join(folder, "check.db")
        if os.path.exists(db) and os.path.getsize(db) > 0:
            with (
                contextlib.closing(connect_readonly(db)) as source,
                contextlib.closing(sqlite3.connect(scratch)) as target,
            ):
                source.backup(target)
        yield scratch
    finally:
        shutil.rmtree(folder, ignore_errors=True)
