"""Files kerang writes or probes: outputs that never touch a ledger, paths that stay paths.

Every output (export, beancount, backup, report pack) goes through ``atomic_output``:
it is written to a temporary file beside the target and renamed into place only when
complete, so a crash leaves the old file or the new one, never half of one. Before
that, ``guard_output`` refuses a target that is a ledger or part of one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.request import pathname2url

from ledger.errors import InvalidInput
from ledger.i18n import msg

# SQLite keeps a ledger's newest transactions in these companions of the file
COMPANIONS = ("-wal", "-shm", "-journal")


def sqlite_uri(path: str | os.PathLike[str], mode: str = "ro") -> str:
    """A ``file:`` URI for ``path`` with every special character quoted.

    ``%``, ``?``, ``#``, spaces and non-ASCII letters are part of a file name, never
    URI syntax: ``r%61.db`` opens ``r%61.db``, not ``ra.db``.
    """
    return f"file:{pathname2url(os.path.abspath(path))}?mode={mode}"


def connect_readonly(path: str | os.PathLike[str], **options: Any) -> sqlite3.Connection:
    """A read-only connection to the SQLite file at ``path`` (never creates it)."""
    return sqlite3.connect(sqlite_uri(path), uri=True, **options)


def is_kerang_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is an existing SQLite file holding a kerang ledger."""
    try:
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            return False
        with open(path, "rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                return False
        # immutable=1 reads without creating -wal/-shm beside someone else's file; a
        # non-empty WAL may hold the newest schema, so then read through it
        wal = f"{path}-wal"
        in_use = os.path.exists(wal) and os.path.getsize(wal) > 0
        uri = sqlite_uri(path) + ("" if in_use else "&immutable=1")
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as c:
            names = {n for (n,) in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except (OSError, sqlite3.Error):
        return False
    return {"stored_events", "kerang_refs"} <= names


def _same(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links
    except OSError:
        return False


def guard_output(out: str, *, db: str | None = None, field: str = "out") -> Path:
    """Refuse an output path that would touch a ledger; return it as a ``Path``.

    Refused: the ledger ``db`` itself or its ``-wal``/``-shm``/``-journal`` (through any
    link), any other existing kerang ledger or its companions, a directory, a missing
    folder.
    """
    if not out or "\x00" in out:
        raise InvalidInput(field, msg("--{field} needs a file name.", field=field))
    path = Path(out)
    ledgers = []
    if db is not None and not db.startswith(("postgresql://", "postgres://")):
        ledgers.append(db)
    base = out
    for suffix in COMPANIONS:
        if out.endswith(suffix):
            base = out[: -len(suffix)]
    for ledger in ledgers:
        for companion in ("", *COMPANIONS):
            if _same(out, ledger + companion):
                raise InvalidInput(
                    field,
                    msg(
                        "--{field} {out} is the ledger {db} itself; write to another file.",
                        field=field,
                        out=out,
                        db=ledger,
                    ),
                )
    if is_kerang_file(out) or (base != out and is_kerang_file(base)):
        raise InvalidInput(
            field,
            msg(
                "--{field} {out} is (part of) a kerang ledger; write to another file.",
                field=field,
                out=out,
            ),
        )
    if path.is_dir():
        raise InvalidInput(
            field, msg("--{field} {out} is a folder; give a file name.", field=field, out=out)
        )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InvalidInput(
            field,
            msg(
                "--{field} {out}: the folder {parent} does not exist.",
                field=field,
                out=out,
                parent=parent,
            ),
        )
    return path


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777  # keep the mode of the file being replaced
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_output(
    path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO[Any]]:
    """Write ``path`` through a temporary file beside it, renamed into place when complete.

    The target is untouched until the block ends without an error; on an error (or a
    kill) only the temporary file exists, and it is removed (or, after a kill, left
    under a name starting with ``.`` and ending ``.kerang-tmp``).
    """
    with atomic_path(path) as temporary:
        binary = "b" in mode
        with open(temporary, mode, encoding=None if binary else encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[str]:
    """A temporary file name beside ``path``; renamed onto ``path`` when the block succeeds.

    For writers that need a name rather than a stream (SQLite's backup)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".kerang-tmp")
    os.close(fd)
    try:
        yield temporary
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
    except BaseException:
        _remove(temporary)
        raise
    _remove(temporary)  # companions a reader of the temporary file left behind
    _sync_folder(folder)


def _remove(temporary: str) -> None:
    for leftover in (temporary, *(temporary + c for c in COMPANIONS)):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(leftover)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the platform allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
