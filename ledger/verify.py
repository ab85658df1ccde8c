"""Offline verification of an exported ``jsonl`` log: no database needed.

Every link of the chain is recomputed from the exported event bytes; every
line's command must be what its events say; with ``--head`` the log must pass
through a head an auditor wrote down earlier (so a later export that only
appended events still verifies against it).
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
from ledger.chain import GENESIS, link
from ledger.errors import InvalidInput
from ledger.i18n import msg
from ledger.transfer import event_line, row_state


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

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "file": self.file,
            "lines": self.lines,
            "events": self.events,
            "head": self.head,
            "extends_head": self.extends,
            "problems": list(self.problems),
            "notes": list(self.notes),
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


def verify_export(path: str, head: str | None = None) -> VerifyReport:
    file = Path(path)
    if not file.is_file():
        raise InvalidInput("file", msg("export file {path} does not exist.", path=path))
    if head is not None and (
        len(head) != 64 or any(c not in "0123456789abcdef" for c in head.lower())
    ):
        raise InvalidInput(
            "head", msg("--head must be the 64-digit hex digest printed by 'kerang audit'.")
        )
    mapper = _mapper()
    encrypted = False
    problems: list[str] = []
    previous, expected_seq, events, lines = GENESIS, 1, 0, 0
    seen_head = head is None or head.lower() == GENESIS
    with file.open(encoding="utf-8") as f:
        for number, text in enumerate(f, start=1):
            if not text.strip():
                continue
            lines += 1
            try:
                line = json.loads(text)
                chain = line.pop("chain")
                rows = chain["events"]
            except (ValueError, KeyError, TypeError, AttributeError):
                problems.append(f"line {number} is not an exported line with a chain")
                break
            decoded = []
            for row in rows:
                events += 1
                try:
                    state = row_state(row)
                    if row["seq"] != expected_seq:
                        problems.append(
                            f"line {number}: event {expected_seq} is missing (found {row['seq']})"
                        )
                        break
                    previous = link(
                        previous, row["seq"], row["id"], row["version"], row["topic"], state
                    )
                    if row.get("encoding") == "base64" and mapper.cipher is None:
                        encrypted = True  # the chain verifies; the commands need the key
                    else:
                        decoded.append(
                            mapper.to_domain_event(
                                StoredEvent(UUID(row["id"]), row["version"], row["topic"], state)
                            )
                        )
                except Exception as e:  # noqa: BLE001 - any malformed row is a finding
                    problems.append(f"line {number}: an event does not decode ({type(e).__name__})")
                    break
                expected_seq += 1
                seen_head = seen_head or previous == (head or "").lower()
            if problems:
                break
            if chain.get("link") != previous:
                problems.append(
                    f"line {number}: the chain breaks (link {str(chain.get('link'))[:12]}… recomputes to {previous[:12]}…)"
                )
                break
            if not decoded:
                continue
            said = [event_line(e) for e in decoded]
            said = [s for s in said if s is not None]
            if line.get("op") != "none" and said != [line]:
                problems.append(f"line {number}: the command does not match its recorded events")
                break
    if head is not None and not seen_head and not problems:
        problems.append(
            f"the log does not pass through head {head[:12]}…; it is not an extension of that log"
        )
    notes = (
        (
            "the events are encrypted: the chain was checked, the commands were not (set KERANG_CIPHER_KEY)",
        )
        if encrypted
        else ()
    )
    extends = None if head is None else seen_head
    return VerifyReport(
        not problems, path, lines, events, previous, extends, tuple(problems), notes
    )
