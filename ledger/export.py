"""Export: the stored events as import lines that rebuild an equal ledger.

Each line carries the stored events it stands for (their exact bytes) and the chain
link after them, so ``kerang verify`` checks an export offline and an import of it
restores the events as they are (``ledger.backup``).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger import commands, domain
from ledger.money import format_percent

if TYPE_CHECKING:
    from ledger.app import LedgerApp


def export_lines(app: LedgerApp) -> Iterator[dict[str, Any]]:
    """Import lines that rebuild an equal ledger, in recording order.

    Each line carries ``chain``: the stored events it stands for (their exact
    bytes) and the chain link after them, so ``kerang verify`` can check the
    export offline.
    """
    line: dict[str, Any] | None = None
    for row, event in iter_stored(app):
        this = event_line(event)
        if this is not None:
            if line is not None:
                yield line
            line = {**this, "chain": {"events": [], "link": ""}}
        elif line is not None:
            extend_line(line, event)
        if line is None:  # an event with no line of its own before any line
            line = {"op": "none", "chain": {"events": [], "link": ""}}
        line["chain"]["events"].append(row)
        line["chain"]["link"] = row.pop("link")
    if line is not None:
        yield line


def iter_stored(app: LedgerApp, page: int = 1000) -> Iterator[tuple[dict[str, Any], Any]]:
    """(raw row with its chain link, domain event) for every stored event, in order."""
    after = 0
    while True:
        rows = app.read.stored_page(after, page)
        for number, oid, version, topic, state, chain_link in rows:
            uid = oid if isinstance(oid, UUID) else UUID(oid)
            stored = StoredEvent(uid, version, topic, bytes(state))
            row = encode_row(number, uid.hex, version, topic, bytes(state), chain_link)
            yield row, app.mapper.to_domain_event(stored)
        if len(rows) < page:
            return
        after = rows[-1][0]


def encode_row(
    seq: int, oid: str, version: int, topic: str, state: bytes, chain_link: str | None
) -> dict[str, Any]:
    try:
        text, encoding = state.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:  # an encrypted store: ciphertext
        text, encoding = base64.b64encode(state).decode("ascii"), "base64"
    row = {
        "seq": seq,
        "id": oid,
        "version": version,
        "topic": topic,
        "state": text,
        "link": chain_link or "",
    }
    if encoding != "utf-8":
        row["encoding"] = encoding
    return row


def row_state(row: dict[str, Any]) -> bytes:
    if row.get("encoding") == "base64":
        return base64.b64decode(row["state"])
    return row["state"].encode("utf-8")


def iter_events(app: LedgerApp, page: int = 1000) -> Iterator[Any]:
    for _, event in iter_stored(app, page):
        yield event


def event_lines(events: list[Any]) -> list[dict[str, Any]]:
    """The command lines a run of events says (as the export writes them)."""
    out: list[dict[str, Any]] = []
    for event in events:
        line = event_line(event)
        if line is not None:
            out.append(line)
        elif out:
            extend_line(out[-1], event)
    return out


def extend_line(line: dict[str, Any], event: Any) -> None:
    """Events a command records after its first one add their columns to its line
    (``bagan.add --manager-member M01 --paid-by savings``), by its declaration."""
    if isinstance(event, domain.Cooperative.Event):
        for f in FOLLOWING.get(type(event).__name__, ()):
            line[f.name] = written(f, getattr(event, f.attr or f.name))


# the register commands by the event that states each (``Cooperative.MemberAdded``)
REGISTER_LINES = {spec.event: spec for spec in commands.COMMANDS.values() if spec.event}
# the columns a later event of a register command writes, by that event
FOLLOWING: dict[str, list[commands.Field]] = defaultdict(list)
for _column in (f for spec in REGISTER_LINES.values() for f in spec.importing if f.follows):
    FOLLOWING[_column.follows].append(_column)


def event_line(event: Any) -> dict[str, Any] | None:
    """The import line an event states: a register command's from its declaration, a
    transaction's from its own ``command``; None for an event that follows a line."""
    if isinstance(event, domain.Cooperative.Event):
        spec = REGISTER_LINES.get(type(event).__name__)
        return None if spec is None else register_line(spec, event)
    if type(event).__name__ == "Recorded":
        return event.mutate(None).command()
    return None  # a Reversed event: its correction's line carries it


def register_line(spec: commands.Command, event: Any) -> dict[str, Any]:
    """A register command's line, each column read from the event by its declaration."""
    line: dict[str, Any] = {"op": spec.op}
    for f in spec.importing:
        if not f.written or f.follows:
            continue
        name, _, key = (f.attr or f.name).partition(".")
        value = getattr(event, name, None)
        if key and value is not None:
            value = value.get(key)
        if value not in f.unwritten:
            line[f.name] = written(f, value)
    return line


def written(f: commands.Field, value: Any) -> Any:
    """A value as its column is written: ISO dates, percentages as typed, lists."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if f.reader is commands.raw:  # a percentage, kept in basis points
        return format_percent(value)
    if f.reader is commands.policy:
        return ",".join(f"{k}={format_percent(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return list(value)
    return value
