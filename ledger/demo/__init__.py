"""The Serang demo: a seeded history of Koperasi Sinar Abadi, outside the ledger's core.

``demo_lines(seed)`` (in ``generator``) is pure and needs no database;
``build_ledger(db, seed)`` (in ``build``) records those lines through the public
``ledger`` API only, as any other program would.
"""

from __future__ import annotations

from ledger.demo.build import build_ledger
from ledger.demo.generator import (
    AFTER,
    BEFORE,
    CUTOFF,
    DEFAULT_SEED,
    HARVEST_SAVINGS_TARGET,
    INFAQ_TARGET,
    STATEMENT_MEMBER,
    TARGET_BAGAN,
    demo_lines,
    demo_name,
)

__all__ = [
    "AFTER",
    "BEFORE",
    "CUTOFF",
    "DEFAULT_SEED",
    "HARVEST_SAVINGS_TARGET",
    "INFAQ_TARGET",
    "STATEMENT_MEMBER",
    "TARGET_BAGAN",
    "build_ledger",
    "demo_lines",
    "demo_name",
]
