"""Import (JSON Lines or CSV) into the ledger; the export is in ``export.py``.

Each line is atomic; lines are committed in batches, so a crash leaves whole
lines or nothing. The first invalid line stops the import with its number and
reason; the lines before it stay recorded and a re-run records only what is
missing (refs and register entries are idempotent).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from ledger import faults
from ledger.app import LedgerApp, is_postgres, open_ledger
from ledger.errors import InvalidInput, Refused
from ledger.i18n import Message, localise, msg, name_fields
from ledger.services import apply
from ledger.uow import UnitOfWork, run

BATCH_LINES = 1000

Progress = Callable[[int, int], None]


def column(name: str) -> Message:
    """A field as an import file knows it: its column."""
    return msg("column {name!r}", name=name)


def on_line(error: Refused) -> Message:
    """A refusal's sentence for an import line: its fields shown as columns."""
    return name_fields(error.message, column)


class ImportStopped(Refused):
    """A line of an import file was refused; the lines before it stay recorded."""

    code = "import_line"

    def __init__(self, line: int, error: Refused, recorded: int) -> None:
        super().__init__(
            error.field, msg("line {line}: {message}", line=line, message=on_line(error))
        )
        self.line = line
        self.cause_code = error.code
        self.recorded = recorded


CHECK_SHOWN = 100  # ``--check`` names this many bad lines, then counts the rest


class ImportChecked(Refused):
    """``import --check`` found bad lines: each with its number and reason."""

    code = "import_check"

    def __init__(self, file: str, errors: list[tuple[int, Refused]], lines: int) -> None:
        shown = errors[:CHECK_SHOWN]
        values: dict[str, Any] = {
            "summary": msg(
                "{file}: {bad} of {lines} lines would be refused (nothing was written):",
                file=file,
                bad=len(errors),
                lines=lines,
            )
        }
        for i, (n, e) in enumerate(shown):
            values[f"l{i}"] = msg("line {line}: {message}", line=n, message=on_line(e))
        if len(errors) > len(shown):
            values["more"] = msg(
                "… and {count} more refused lines.", count=len(errors) - len(shown)
            )
        # one line of text per refused line, each in the chosen language
        super().__init__(errors[0][1].field, Message("\n".join(f"{{{k}}}" for k in values), values))
        self.errors = errors
        self.lines = lines

    def as_json(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "refused": len(self.errors),
            "errors": [
                {"line": n, "code": e.code, "field": e.field, "message": localise(on_line(e))}
                for n, e in self.errors[:CHECK_SHOWN]
            ],
        }


@attrs.frozen
class ImportResult:
    file: str
    lines: int
    recorded: int
    already_recorded: int
    checked_only: bool
    encoding: str = "utf-8"

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "lines": self.lines,
            "recorded": self.recorded,
            "already_recorded": self.already_recorded,
            "check": self.checked_only,
            "encoding": self.encoding,
        }


# ------------------------------------------------------------------ reading
Record = tuple[int, "dict[str, Any] | Refused"]

# A CSV header may name a field in Indonesian, or as a spreadsheet often writes it.
COLUMN_ALIASES: dict[str, str] = {
    "operasi": "op",
    "transaksi": "op",
    "jenis_transaksi": "op",
    "no_ref": "ref",
    "referensi": "ref",
    "nomor": "ref",
    "no_bukti": "ref",
    "bukti": "ref",
    "kuitansi": "ref",
    "nota": "ref",
    "tanggal": "date",
    "tgl": "date",
    "jumlah": "amount",
    "nominal": "amount",
    "anggota": "member",
    "id_anggota": "member",
    "jenis": "kind",
    "jenis_simpanan": "kind",
    "nama": "name",
    "berat": "kg",
    "berat_kg": "kg",
    "harga": "price",
    "harga_per_kg": "price",
    "pendapatan": "revenue",
    "hasil_penjualan": "revenue",
    "biaya": "costs",
    "pembeli": "buyer",
    "mitra": "partners",
    "pengelola": "manager",
    "modal": "cost",
    "keperluan": "purpose",
    "tujuan": "purpose",
    "alasan": "reason",
    "membatalkan": "reverses",
    "koreksi_atas": "reverses",
    "mulai": "from",
    "berlaku_mulai": "from",
    "judul": "title",
    "cerita": "text",
    "tahun": "year",
    "keterangan": "notes",
    "catatan": "notes",
}
CELL_EDGES = " \t\r\n\u00a0"  # what a spreadsheet leaves around a value
LINE_LIMIT = 100_000  # characters in one line of an import file
_INT_DIGITS = 40  # longer JSON integers are not amounts anyone meant


def import_fields() -> list[str]:
    """Every field an import line may carry (the operations' options, ``op``, ``notes``)."""
    from ledger.commands import COMMANDS

    names = {"op", "notes"}
    for spec in COMMANDS.values():
        names.update(spec.columns)
    return sorted(names)


def _field_name(header: str) -> str:
    name = header.strip().lower().replace("-", "_").replace(" ", "_").replace(".", "_")
    return COLUMN_ALIASES.get(name, name)


def _did_you_mean(name: str, valid: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, [*valid, *COLUMN_ALIASES], n=1, cutoff=0.6)
    if not close:
        return ""
    return str(msg(" Did you mean {name!r}?", name=COLUMN_ALIASES.get(close[0], close[0])))


def _csv_value(name: str, value: str) -> Any:
    value = value.strip(CELL_EDGES)
    if name == "partners":
        return [p.strip() for p in re.split(r"[;,]", value) if p.strip()]
    return value


@attrs.frozen
class Decoded:
    text: str
    encoding: str


def decode(path: Path) -> Decoded:
    """The file's text: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252 when
    the bytes are what Excel on Windows writes; anything else is refused naming the line."""
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        candidates = [("utf-32", "UTF-32")]
    elif data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "utf-8")]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", "utf-16")]
    else:
        candidates = [("utf-8", "utf-8"), ("cp1252", "cp1252")]
    first_error: UnicodeDecodeError | None = None
    for codec, name in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as e:
            first_error = first_error or e
            continue
        if "\x00" in text:
            line = text.count("\n", 0, text.index("\x00")) + 1
            raise ImportStopped(
                line,
                InvalidInput(
                    "file",
                    msg(
                        "the file holds NUL characters; save it as UTF-8 (or UTF-16 with BOM) text."
                    ),
                ),
                0,
            )
        return Decoded(text, name)
    assert first_error is not None
    line = data.count(b"\n", 0, first_error.start) + 1
    raise ImportStopped(
        line,
        InvalidInput(
            "file",
            msg(
                "byte {byte} is not text in UTF-8, UTF-16 or Windows-1252; save the file as UTF-8.",
                byte=f"0x{data[first_error.start]:02X}",
            ),
        ),
        0,
    )


def read_records(path: Path, decoded: Decoded | None = None) -> Iterator[Record]:
    """(line number, fields or the line's refusal) for every non-blank line of a
    .jsonl or .csv file. A refused line is followed by the next ones (``--check``
    wants them all) unless the file cannot be read on (a bad CSV header)."""
    decoded = decoded or decode(path)
    if path.suffix.lower() == ".csv":
        yield from _read_csv(decoded.text)
    else:
        yield from _read_jsonl(decoded.text)


class _BadJson(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > _INT_DIGITS:
        raise _BadJson(msg("a number of {digits} digits is too long.", digits=len(text)))
    return int(text)


def _json_constant(name: str) -> Any:
    raise _BadJson(msg("{name} is not a number kerang records.", name=name))


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in pairs:
        if key in record:
            raise _BadJson(msg("the key {key!r} appears twice.", key=key))
        record[key] = value
    return record


def _too_long_line(length: int) -> InvalidInput:
    return InvalidInput(
        "line",
        msg(
            "is {length} characters long; a line has at most {limit}.",
            length=length,
            limit=LINE_LIMIT,
        ),
    )


# one decoder for every line: numbers with a fraction stay exact, long or non-finite
# numbers and repeated keys are refused
_DECODER = json.JSONDecoder(
    parse_float=Decimal,
    parse_int=_json_int,
    parse_constant=_json_constant,
    object_pairs_hook=_json_object,
)


def _read_jsonl(text: str) -> Iterator[Record]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if len(line) > LINE_LIMIT:
            yield number, _too_long_line(len(line))
            continue
        try:
            record = _DECODER.decode(line)
        except json.JSONDecodeError as e:
            yield number, InvalidInput("line", msg("is not valid JSON ({msg}).", msg=e.msg))
            continue
        except _BadJson as e:
            yield number, InvalidInput("line", msg("is refused: {reason}", reason=e.message))
            continue
        except RecursionError:
            yield number, InvalidInput("line", msg("is nested too deeply to be a line."))
            continue
        if not isinstance(record, dict):
            yield number, InvalidInput("line", msg("must be a JSON object."))
            continue
        yield number, record


def _read_csv(text: str) -> Iterator[Record]:
    header_line = text.split("\n", 1)[0]
    # Indonesian spreadsheets save with ';' when ',' is the decimal separator
    delimiter = max((",", ";", "\t"), key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        cells = next(reader)
    except StopIteration:
        return
    except csv.Error as e:
        yield 1, InvalidInput("line", msg("is not a CSV line kerang can read ({e}).", e=str(e)))
        return
    header = [_field_name(h) for h in cells]
    valid = import_fields()
    for given, name in zip(cells, header, strict=True):
        if name and name not in valid:
            yield (
                1,
                InvalidInput(
                    name[:40],
                    msg(
                        "the column {column!r} is not an import field; the fields are {names}."
                        "{hint}",
                        column=given.strip()[:40],
                        names=", ".join(valid),
                        hint=_did_you_mean(name, valid),
                    ),
                ),
            )
            return
    named = [h for h in header if h]
    if dupes := sorted({h for h in named if named.count(h) > 1}):
        given = [c.strip() for c, h in zip(cells, header, strict=True) if h == dupes[0]]
        yield (
            1,
            InvalidInput(
                dupes[0],
                msg(
                    "the columns {columns} both give {field}; keep one.",
                    columns=" and ".join(repr(g) for g in given),
                    field=dupes[0],
                ),
            ),
        )
        return
    if "op" not in header:
        yield 1, InvalidInput("op", msg("the CSV header has no 'op' column."))
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield (
                reader.line_num,
                InvalidInput("line", msg("is not a CSV line kerang can read ({e}).", e=str(e))),
            )
            return
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if sum(map(len, row)) > LINE_LIMIT:
            yield number, _too_long_line(sum(map(len, row)))
            continue
        if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
            yield number, InvalidInput("line", msg("has more cells than the header."))
            continue
        if any(c.strip() and not h for h, c in zip(header, row, strict=False)):
            yield number, InvalidInput("line", msg("has a value in a column without a name."))
            continue
        yield (
            number,
            {h: _csv_value(h, v) for h, v in zip(header, row, strict=False) if h and v.strip()},
        )


# ------------------------------------------------------------------ importing
def _check_fields(record: dict[str, Any]) -> None:
    """Refuse a field the line's op does not take, suggesting the one meant."""
    from ledger.commands import COMMANDS

    spec = COMMANDS.get(record.get("op")) if isinstance(record.get("op"), str) else None
    if spec is None:
        return  # apply() names the unknown op
    if spec.column_set.issuperset(record.keys() - {"op", "chain"}):
        return
    valid = sorted(spec.columns)
    for name in record:
        if name not in valid and name not in ("op", "chain"):
            raise InvalidInput(
                str(name)[:40],
                msg(
                    "field {unknown!r} is not used by {op}; it takes {names}.{hint}",
                    unknown=str(name)[:40],
                    op=record["op"],
                    names=", ".join(valid),
                    hint=_did_you_mean(str(name), valid),
                ),
            )


def _run(
    app: LedgerApp, records: list[tuple[int, dict[str, Any]]]
) -> tuple[int, int, tuple[int, Refused] | None]:
    """Apply records in one batch; the batch is retried if a concurrent writer won."""

    def work(batch: UnitOfWork) -> tuple[int, int, tuple[int, Refused] | None]:
        recorded = already = 0
        batch.preload_refs([r["ref"] for _, r in records if isinstance(r.get("ref"), str)])
        for number, record in records:
            fields = dict(record)
            fields.pop("chain", None)  # an export's proof, not part of the command
            try:
                _check_fields(record)
                op = fields.pop("op", None)
                outcome = apply(batch, op, fields)
            except Refused as error:
                return recorded, already, (number, error)  # the lines before it still commit
            recorded += outcome.recorded
            already += not outcome.recorded
            faults.reach("line")  # a crash test may kill the import here
        return recorded, already, None

    return run(app, work)


@attrs.frozen
class Tally:
    lines: int
    recorded: int
    already: int
    refused: list[tuple[int, Refused]]


def import_records(
    app: LedgerApp,
    records: Iterator[Record],
    *,
    total: int = 0,
    progress: Progress | None = None,
    keep_going: bool = False,
) -> Tally:
    """Record the lines; raises ImportStopped at the first bad line, or with
    ``keep_going`` (``--check``) goes on past it and returns every refusal."""
    lines = recorded = already = 0
    refused: list[tuple[int, Refused]] = []
    pending: list[tuple[int, dict[str, Any]]] = []

    def stop(number: int, error: Refused) -> None:
        if not keep_going:
            raise ImportStopped(number, error, recorded)
        refused.append((number, error))

    def flush() -> None:
        nonlocal recorded, already
        while pending:
            r, a, failure = _run(app, pending)
            recorded += r
            already += a
            if failure is None:
                pending.clear()
                break
            done = next(i for i, (n, _) in enumerate(pending) if n == failure[0])
            del pending[: done + 1]  # the bad line is skipped; check the rest
            if not keep_going:
                pending.clear()
            stop(*failure)
        if progress:
            progress(lines, total)

    for number, record in records:
        lines += 1
        if isinstance(record, Refused):  # unreadable line: keep what came before it
            flush()
            stop(number, record)
            continue
        pending.append((number, record))
        if len(pending) >= BATCH_LINES:
            flush()
    flush()
    return Tally(lines, recorded, already, refused)


def _count(decoded: Decoded) -> int:
    return sum(1 for line in decoded.text.split("\n") if line.strip())


def import_file(
    db: str, path: str, *, check: bool = False, progress: Progress | None = None
) -> ImportResult:
    file = Path(path)
    if not file.exists() or file.is_dir():  # a named pipe is a file too
        raise InvalidInput("file", msg("import file {path} does not exist.", path=path))
    if check:
        with scratch_ledger(db) as scratch:  # first: a kill while reading leaves it to clean
            decoded = decode(file)
            total = _count(decoded) if progress else 0
            tally = import_records(
                scratch,
                read_records(file, decoded),
                total=total,
                progress=progress,
                keep_going=True,
            )
        if tally.refused:
            raise ImportChecked(path, tally.refused, tally.lines)
        return ImportResult(
            path, tally.lines, tally.recorded, tally.already, True, decoded.encoding
        )
    decoded = decode(file)  # before the ledger: an unreadable file creates nothing
    total = _count(decoded) if progress else 0

    from ledger.backup import restore

    restored = restore(db, path)  # an export: its stored events as they are, chain and all
    if restored is not None:
        lines, written = restored
        return ImportResult(path, lines, written, lines - written, False, decoded.encoding)
    app = open_ledger(db, create=True)
    tally = import_records(app, read_records(file, decoded), total=total, progress=progress)
    return ImportResult(path, tally.lines, tally.recorded, tally.already, False, decoded.encoding)


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
