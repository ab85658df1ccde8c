"""Import (JSON Lines or CSV) and export (JSON Lines) of the ledger.

Each line is atomic; lines are committed in batches, so a crash leaves whole
lines or nothing. The first invalid line stops the import with its number and
reason; the lines before it stay recorded and a re-run records only what is
missing (refs and register entries are idempotent).
"""

from __future__ import annotations

import base64
import contextlib
import csv
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.persistence import StoredEvent

from ledger import domain, faults
from ledger.app import LedgerApp, is_postgres, open_ledger
from ledger.errors import InvalidInput, Refused
from ledger.i18n import msg
from ledger.money import format_percent
from ledger.services import apply
from ledger.uow import UnitOfWork, run

BATCH_LINES = 1000

Progress = Callable[[int, int], None]


class ImportStopped(Refused):
    """A line of an import file was refused; the lines before it stay recorded."""

    code = "import_line"

    def __init__(self, line: int, error: Refused, recorded: int) -> None:
        super().__init__(
            error.field, msg("line {line}: {message}", line=line, message=error.message)
        )
        self.line = line
        self.cause_code = error.code
        self.recorded = recorded


@attrs.frozen
class ImportResult:
    file: str
    lines: int
    recorded: int
    already_recorded: int
    checked_only: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "lines": self.lines,
            "recorded": self.recorded,
            "already_recorded": self.already_recorded,
            "check": self.checked_only,
        }


# ------------------------------------------------------------------ reading
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _field_name(header: str) -> str:
    return header.strip().lower().replace("-", "_").replace(" ", "_")


def _csv_value(name: str, value: str) -> Any:
    value = value.strip()
    if name == "partners":
        return [p.strip() for p in re.split(r"[;,]", value) if p.strip()]
    if name in ("date", "from") and (m := _DMY.fullmatch(value)):
        day, month, year = (int(x) for x in m.groups())  # a spreadsheet's DD/MM/YYYY
        return f"{year:04d}-{month:02d}-{day:02d}"
    return value


def read_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | Refused]]:
    """(line number, fields) for every non-blank line of a .jsonl or .csv file."""
    if path.suffix.lower() == ".csv":
        yield from _read_csv(path)
    else:
        yield from _read_jsonl(path)


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | Refused]]:
    with path.open(encoding="utf-8-sig") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line, parse_float=Decimal)
            except json.JSONDecodeError as e:
                yield number, InvalidInput("line", msg("is not valid JSON ({msg}).", msg=e.msg))
                return
            if not isinstance(record, dict):
                yield number, InvalidInput("line", msg("must be a JSON object."))
                return
            yield number, record


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, Any] | Refused]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        header_line = f.readline()
        f.seek(0)
        # Indonesian spreadsheets save with ';' when ',' is the decimal separator
        delimiter = max((",", ";", "\t"), key=header_line.count)
        reader = csv.reader(f, delimiter=delimiter)
        try:
            header = [_field_name(h) for h in next(reader)]
        except StopIteration:
            return
        if "op" not in header:
            yield 1, InvalidInput("op", msg("the CSV header has no 'op' column."))
            return
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
                yield number, InvalidInput("line", msg("has more cells than the header."))
                return
            yield (
                number,
                {h: _csv_value(h, v) for h, v in zip(header, row, strict=False) if h and v.strip()},
            )


def count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip())


# ------------------------------------------------------------------ importing
def _run(
    app: LedgerApp, records: list[tuple[int, dict[str, Any]]]
) -> tuple[int, int, tuple[int, Refused] | None]:
    """Apply records in one batch; the batch is retried if a concurrent writer won."""

    def work(batch: UnitOfWork) -> tuple[int, int, tuple[int, Refused] | None]:
        recorded = already = 0
        batch.preload_refs([r["ref"] for _, r in records if isinstance(r.get("ref"), str)])
        for number, record in records:
            fields = dict(record)
            op = fields.pop("op", None)
            fields.pop("chain", None)  # an export's proof, not part of the command
            try:
                outcome = apply(batch, op, fields)
            except Refused as error:
                return recorded, already, (number, error)  # the lines before it still commit
            recorded += outcome.recorded
            already += not outcome.recorded
            faults.reach("line")  # a crash test may kill the import here
        return recorded, already, None

    return run(app, work)


def import_records(
    app: LedgerApp,
    records: Iterator[tuple[int, dict[str, Any] | Refused]],
    *,
    total: int = 0,
    progress: Progress | None = None,
) -> tuple[int, int, int]:
    """(lines, recorded, already recorded); raises ImportStopped at a bad line."""
    lines = recorded = already = 0
    pending: list[tuple[int, dict[str, Any]]] = []

    def flush() -> None:
        nonlocal recorded, already
        r, a, failure = _run(app, pending)
        recorded += r
        already += a
        pending.clear()
        if progress:
            progress(lines, total)
        if failure:
            raise ImportStopped(failure[0], failure[1], recorded)

    for number, record in records:
        lines += 1
        if isinstance(record, Refused):  # unreadable line: keep what came before it
            flush()
            raise ImportStopped(number, record, recorded)
        pending.append((number, record))
        if len(pending) >= BATCH_LINES:
            flush()
    flush()
    return lines, recorded, already


def import_file(
    db: str, path: str, *, check: bool = False, progress: Progress | None = None
) -> ImportResult:
    file = Path(path)
    if not file.exists() or file.is_dir():  # a named pipe is a file too
        raise InvalidInput("file", msg("import file {path} does not exist.", path=path))
    total = count_lines(file) if progress else 0
    if check:
        with scratch_ledger(db) as scratch:
            lines, recorded, already = import_records(
                scratch, read_records(file), total=total, progress=progress
            )
        return ImportResult(path, lines, recorded, already, True)
    app = open_ledger(db, create=True)
    lines, recorded, already = import_records(
        app, read_records(file), total=total, progress=progress
    )
    return ImportResult(path, lines, recorded, already, False)


@contextlib.contextmanager
def scratch_ledger(db: str) -> Iterator[LedgerApp]:
    """A throw-away copy of the ledger: ``--check`` runs the real rules on it and a
    kill leaves nothing (PostgreSQL: one rolled-back transaction; SQLite: a scratch
    file the next run removes)."""
    if is_postgres(db):
        from ledger.pgstore import checking_ledger

        with checking_ledger(db) as app:
            yield app
        return
    from ledger.store import scratch_sqlite

    with scratch_sqlite(db) as scratch:
        app = open_ledger(scratch, create=True)
        try:
            yield app
        finally:
            app.close()


# ------------------------------------------------------------------ exporting
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
        if line is None:  # an event with no line of its own before any line
            line = {"op": "none", "chain": {"events": [], "link": ""}}
        line["chain"]["events"].append(row)
        line["chain"]["link"] = row.pop("link")
    if line is not None:
        yield line


def iter_stored(app: LedgerApp, page: int = 1000) -> Iterator[tuple[dict[str, Any], Any]]:
    """(raw row with its chain link, domain event) for every stored event, in order."""
    seq = app.read.dialect.seq
    after = 0
    while True:
        rows = app.read.rows(
            f"SELECT e.{seq}, e.originator_id, e.originator_version, e.topic, e.state, c.link "
            f"FROM stored_events e LEFT JOIN kerang_chain c ON c.id = e.{seq} WHERE e.{seq} > ? "
            f"ORDER BY e.{seq} LIMIT ?",
            (after, page),
        )
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
