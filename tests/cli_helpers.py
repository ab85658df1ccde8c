"""The one way the tests run the ``kerang`` command.

``kerang(*args)`` runs the installed console script as a user would: a real
process, its own environment, output captured. With ``capsys`` it calls
``cli.main`` in this process instead (much faster where a test runs many
commands); both give the same ``Ran``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

ROOT = Path(__file__).resolve().parent.parent

# a command that forgets --db must fail loudly, not write into the current folder
NO_DEFAULT_DB = "/nonexistent/should-not-be-used.db"


@attrs.frozen
class Ran:
    """What a run of ``kerang`` did; unpacks as ``(code, out, err)``."""

    returncode: int
    stdout: str
    stderr: str

    def __iter__(self) -> Iterator[Any]:
        return iter((self.returncode, self.stdout, self.stderr))


def kerang_command() -> list[str]:
    """The installed ``kerang`` script (or ``cli.py`` when it is not installed)."""
    script = Path(sys.executable).with_name("kerang")
    return [str(script)] if script.exists() else [sys.executable, str(ROOT / "cli.py")]


def kerang_env(env: Mapping[str, str] | None = None, *, columns: int = 100) -> dict[str, str]:
    """A clean environment: fixed width, no default ledger, English, no cipher key."""
    full = {k: v for k, v in os.environ.items() if k not in ("KERANG_LANG", "KERANG_CIPHER_KEY")}
    full.update({"COLUMNS": str(columns), "KERANG_DB": NO_DEFAULT_DB})
    full.update(env or {})
    return full


def kerang(
    *args: str,
    db: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    columns: int = 100,
    key: str | None = None,
    cwd: str | Path = ROOT,
    check: bool = False,
    capsys: Any = None,
) -> Ran:
    """Run ``kerang ARGS [--db DB]`` (``key``: the cipher key); ``check`` asserts exit 0."""
    if key is not None:
        env = {**(env or {}), "KERANG_CIPHER_KEY": key}
    argv = [*args, *(("--db", str(db)) if db is not None else ())]
    if capsys is None:
        done = subprocess.run(
            [*kerang_command(), *argv],
            capture_output=True,
            text=True,
            env=kerang_env(env, columns=columns),
            cwd=cwd,
        )
        ran = Ran(done.returncode, done.stdout, done.stderr)
    else:
        import cli

        code = cli.main(argv)
        out, err = capsys.readouterr()
        ran = Ran(code, out, err)
    if check:
        assert ran.returncode == 0, ran.stderr
    return ran


def kerang_line(db: str, capsys: Any, command: str) -> Ran:
    """Run one command written as a user types it (``"member add M1 --name Ani"``)."""
    import shlex

    return kerang(*shlex.split(command), "--db", db, capsys=capsys)


def ledger_from(db: str, capsys: Any, commands: list[str]) -> str:
    """A ledger built by running ``commands`` in order; each must succeed."""
    for command in commands:
        code, _, err = kerang_line(db, capsys, command)
        assert code == 0, (command, err)
    return db
