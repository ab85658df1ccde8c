"""The ledger application: the event store, its settings for a ``--db`` value, and
the aggregates it loads.

Commands are declared in ``ledger.commands``, handled in ``ledger.services`` and
recorded through a unit of work (``ledger.uow``).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Transcoding,
    UUIDAsHex,
)

from ledger import domain
from ledger.domain import Cooperative, Transaction
from ledger.errors import InvalidInput, NotInitialised
from ledger.i18n import msg
from ledger.location import is_postgres, ledger_env, ledger_exists, shown
from ledger.readmodel import POSTGRES, SQLITE, ReadModel, Seal


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


def open_ledger(db: str, *, create: bool = False) -> LedgerApp:
    """The ledger at ``db``; refuse a missing one unless ``create``."""
    if not create and not ledger_exists(db):
        raise NotInitialised(
            "db",
            msg(
                "no ledger at {db}; start one with 'kerang init --name NAME --db {db}'.",
                db=shown(db),
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
                "db", msg("cannot reach the PostgreSQL server of {db} ({e}).", db=shown(db), e=e)
            ) from None
        raise
    check_cipher(app)
    return app


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


def __getattr__(name: str) -> Any:
    """The unit of work and the command handlers moved out; their old names still work."""
    if name in ("Batch", "Outcome"):
        from ledger import services

        return getattr(services, name)
    if name in ("run_batch", "is_conflict"):
        from ledger import uow

        return getattr(uow, "run" if name == "run_batch" else name)
    if name == "_year":
        from ledger.commands import year

        return year
    raise AttributeError(name)
