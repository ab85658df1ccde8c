"""Export: the stored events as import lines that rebuild an equal ledger.

Each line carries the stored events it stands for (their exact bytes) and the chain
link after them, so ``kerang verify`` checks an export offline and an import of it
restores the events as they are (``ledger.backup``).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger import domain
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
    """Events a command records after its first one add their fields to its line
    (``bagan.add --manager-member M01 --paid-by savings``)."""
    C = domain.Cooperative
    if isinstance(event, C.ManagerLinked):
        line["manager_member"] = event.member
    elif isinstance(event, C.BaganFinanced):
        line["paid_by"] = event.paid_by


def event_line(event: Any) -> dict[str, Any] | None:
    C = domain.Cooperative
    if isinstance(event, C.Started):
        policy = ",".join(f"{k}={format_percent(v)}" for k, v in event.policy.items())
        return {
            "op": "init",
            "name": event.name,
            "date": event.started.isoformat(),
            "policy": policy,
        }
    if isinstance(event, C.PolicySet):
        return {
            "op": "policy.set",
            "from": event.effective.isoformat(),
            **{k: format_percent(v) for k, v in event.policy.items()},
        }
    if isinstance(event, C.MemberAdded):
        return {
            "op": "member.add",
            "id": event.member_id,
            "name": event.name,
            "date": event.joined.isoformat(),
        }
    if isinstance(event, C.MemberLeft):
        return {"op": "member.leave", "id": event.member_id, "date": event.left.isoformat()}
    if isinstance(event, C.MemberRenamed):
        return {
            "op": "member.update",
            "id": event.member_id,
            "name": event.name,
            "date": event.day.isoformat(),
        }
    if isinstance(event, C.PartnersChanged):
        return {
            "op": "bagan.partners",
            "id": event.bagan_id,
            "partners": list(event.partners),
            "from": event.effective.isoformat(),
        }
    if isinstance(event, C.BaganAdded):
        line = {
            "op": "bagan.add",
            "id": event.bagan_id,
            "partners": list(event.partners),
            "manager": event.manager,
            "date": event.added.isoformat(),
        }
        if event.cost:
            line["cost"] = event.cost
        return line
    if isinstance(event, C.BaganRetired):
        line = {
            "op": "bagan.retire",
            "id": event.bagan_id,
            "date": event.day.isoformat(),
            "reason": event.reason,
        }
        if event.note is not None:
            line["note"] = event.note
        return line
    if isinstance(event, C.BaganRebuilt):
        return {
            "op": "bagan.rebuild",
            "id": event.bagan_id,
            "date": event.day.isoformat(),
            "cost": event.cost,
            "paid_by": event.paid_by,
        }
    if isinstance(event, C.YearClosed):
        return {
            "op": "close",
            "year": event.year,
            "date": event.day.isoformat(),
            **{k: format_percent(v) for k, v in event.bylaws.items()},
            "round": event.round,
        }
    if isinstance(event, C.YearReopened):
        return {
            "op": "reopen",
            "year": event.year,
            "date": event.day.isoformat(),
            "reason": event.reason,
            "round": event.round,
        }
    if type(event).__name__ == "Recorded":
        return event.mutate(None).command()
    return None  # a Reversed event: its correction's line carries it
