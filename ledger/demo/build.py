"""Build the demo ledger through the ledger's public API, like any other caller."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import attrs

import ledger
from ledger.demo.generator import DEFAULT_SEED, NAME, demo_lines, demo_name
from ledger.errors import InvalidInput, NotInitialised
from ledger.i18n import msg


def _name_in(db: str) -> str | None:
    """The cooperative's name in ``db``, or None when there is no ledger there yet.

    A database that is not a kerang ledger is refused by the ledger itself and never
    written to.
    """
    try:
        return ledger.summary(db).name
    except NotInitialised:
        return None


def build_ledger(db: str, seed: int = DEFAULT_SEED, progress: Any = None) -> ledger.ImportResult:
    """Import the demo lines into ``db``; an existing ledger must be this demo itself.

    Re-running on the demo ledger records nothing new (import is idempotent).
    Returns the ``ImportResult`` (its ``file`` names the lines, not the temporary file).
    """
    name = _name_in(db)
    if name is not None and name != demo_name(seed):
        hint = f" (it was built with another seed: {name})" if NAME in name else ""
        raise InvalidInput(
            "db",
            msg(
                "--db {db} already exists and is not the demo ledger of seed {seed}{hint}; name a new file or delete it.",
                db=db,
                seed=seed,
                hint=hint,
            ),
        )
    shown = f"serang-demo-seed-{seed}.jsonl"
    with tempfile.TemporaryDirectory(prefix="kerang-demo-") as folder:
        path = os.path.join(folder, shown)
        with open(path, "w", encoding="utf-8") as f:
            for line in demo_lines(seed):
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
        result = ledger.import_file(db, path, progress=progress)
    return attrs.evolve(result, file=shown)
