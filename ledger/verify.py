"""Offline verification of an exported ``jsonl`` log: no database needed.

Every line must be an exported line: a command and the stored events it stands for
(``chain.events``, at least one) with the chain link after them. Every link is
recomputed from the exported bytes, the events run 1..n without a gap or repeat, and
each line's events must reproduce its command exactly, under the identity its ref
gives. With ``--head`` the log must pass through a head written down earlier (a signed
head statement's signature is checked with the cooperative's public key), and the
report says how many lines the file adds after it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

from ledger.app import register_transcodings
from ledger.audit.codec import ref_identity
from ledger.chain import GENESIS, link
from ledger.errors import InvalidInput
from ledger.export import event_lines, row_state
from ledger.heads import HeadCheck
from ledger.i18n import msg


@attrs.frozen
class VerifyReport:
    ok: bool
    file: str
    lines: int
    events: int
    head: str
    extends: bool | None  # None when no --head was given
    problems: tuple[str, ...]
    notes: tuple[str, ...] = ()
    lines_after_head: int | None = None  # lines wholly after the given head
    signed: bool | None = None  # the given head's signature holds (None: not signed)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "file": self.file,
            "lines": self.lines,
            "events": self.events,
            "head": self.head,
            "extends_head": self.extends,
            "lines_after_head": self.lines_after_head,
            "head_signature": self.signed,
            "problems": [str(p) for p in self.problems],
            "notes": [str(n) for n in self.notes],
        }


def _mapper() -> Mapper:
    """Decodes exported events (with the cipher when KERANG_CIPHER_KEY is set)."""
    transcoder = JSONTranscoder()
    register_transcodings(transcoder)
    key = os.environ.get("KERANG_CIPHER_KEY")
    if not key:
        return Mapper(transcoder=transcoder)
    from eventsourcing.cryptography import AESCipher
    from eventsourcing.utils import Environment

    return Mapper(transcoder=transcoder, cipher=AESCipher(Environment(env={"CIPHER_KEY": key})))


class Broken(Exception):
    """A line that is not what an export writes (its message says why)."""


@attrs.define
class Reader:
    """The state of the walk along the chain."""

    mapper: Mapper
    head: HeadCheck | None
    previous: str = GENESIS
    events: int = 0
    encrypted: bool = False
    reached_at: int | None = None  # the line at which the given head was passed

    def line(self, number: int, text: str) -> None:
        try:
            line = json.loads(text)
            chain = line.pop("chain")
            rows, stated = chain["events"], chain["link"]
            if type(rows) is not list or type(stated) is not str or type(line) is not dict:
                raise TypeError
        except (ValueError, KeyError, TypeError, AttributeError):
            raise Broken(msg("line {n} is not an exported line with a chain", n=number)) from None
        if not rows:
            raise Broken(
                msg("line {n} carries no events: its command is backed by nothing", n=number)
            )
        decoded = [self.event(number, row) for row in rows]
        if stated != self.previous:
            raise Broken(
                msg(
                    "line {n}: the chain breaks (link {stated} recomputes to {link})",
                    n=number,
                    stated=stated[:12] + "…",
                    link=self.previous[:12] + "…",
                )
            )
        if None not in decoded:
            self.command(number, line, decoded)

    def event(self, number: int, row: Any) -> Any:
        """Link one exported event into the chain; its domain event (None when encrypted)."""
        try:
            state = row_state(row)
            seq, oid, version, topic = row["seq"], row["id"], row["version"], row["topic"]
            if type(seq) is not int or type(version) is not int:
                raise TypeError
        except (KeyError, TypeError, ValueError, AttributeError):
            raise Broken(msg("line {n}: an event is not an exported event", n=number)) from None
        if seq != self.events + 1:
            raise Broken(
                msg(
                    "line {n}: event {expected} is missing (found {seq})",
                    n=number,
                    expected=self.events + 1,
                    seq=seq,
                )
            )
        self.previous = link(self.previous, seq, oid, version, topic, state)
        self.events += 1
        head = self.head
        if (
            head is not None
            and self.reached_at is None
            and self.previous == head.head.head
            and head.events in (None, self.events)
        ):
            self.reached_at = number
        if row.get("encoding") == "base64" and self.mapper.cipher is None:
            self.encrypted = True  # the chain verifies; the commands need the key
            return None
        try:
            return self.mapper.to_domain_event(StoredEvent(UUID(oid), version, topic, state))
        except Exception as e:  # noqa: BLE001 - any malformed event is a finding
            raise Broken(
                msg("line {n}: an event does not decode ({e})", n=number, e=type(e).__name__)
            ) from None

    def command(self, number: int, line: dict[str, Any], decoded: list[Any]) -> None:
        """The events say exactly the line's command, under its ref's identity."""
        said = event_lines(decoded)
        wanted = [] if line.get("op") == "none" else [line]
        if said != wanted:
            raise Broken(msg("line {n}: the command does not match its recorded events", n=number))
        from ledger.domain import Cooperative

        for e in decoded:
            name = type(e).__qualname__
            oid, version = e.originator_id.hex, e.originator_version
            if name.startswith("Cooperative."):
                right = oid == Cooperative.create_id().hex
            elif name.endswith(".Reversed"):
                right = (
                    line.get("op") == "correct"
                    and e.by_ref == line.get("ref")
                    and oid == ref_identity(str(line.get("reverses")))
                    and version == 2
                )
            else:
                right = oid == ref_identity(str(line.get("ref"))) and version == 1
            if not right:
                raise Broken(
                    msg(
                        "line {n}: an event is stored under an identity its command does not give",
                        n=number,
                    )
                )


def verify_export(path: str, head: HeadCheck | None = None) -> VerifyReport:
    file = Path(path)
    if not file.is_file():
        raise InvalidInput("file", msg("export file {path} does not exist.", path=path))
    reader = Reader(_mapper(), head)
    problems: list[str] = []
    lines = 0
    line_numbers: list[int] = []
    try:
        with file.open(encoding="utf-8") as f:
            for number, text in enumerate(f, start=1):
                if not text.strip():
                    continue
                lines += 1
                line_numbers.append(number)
                reader.line(number, text)
    except Broken as e:
        problems.append(e.args[0])
    except UnicodeDecodeError:
        problems.append(msg("the file is not text: it is not a kerang export"))
    if lines == 0:
        problems.append(msg("the file holds no lines: it is not a kerang export"))
    extends = after = signed = None
    if head is not None:
        signed = head.signed
        if head.head.head == GENESIS and head.events in (None, 0):
            reader.reached_at = 0
        extends = reader.reached_at is not None
        if not extends and not problems:
            problems.append(
                msg(
                    "the log does not pass through head {head}; it is not an extension of that log",
                    head=head.head.head[:12] + "…",
                )
            )
        if extends:
            after = sum(1 for n in line_numbers if n > reader.reached_at)
        if signed is False:
            problems.append(
                msg(
                    "the head's signature does not hold with this public key: it is not the cooperative's"
                )
            )
    notes = (
        (
            msg(
                "the events are encrypted: the chain was checked, the commands were not (set KERANG_CIPHER_KEY)"
            ),
        )
        if reader.encrypted
        else ()
    )
    return VerifyReport(
        not problems,
        path,
        lines,
        reader.events,
        reader.previous,
        extends,
        tuple(problems),
        notes,
        after,
        signed,
    )
