"""Fault injection for the crash tests, and nothing else.

``KERANG_KILL_AT=POINT:N`` makes this process kill itself (SIGKILL, no clean-up)
the Nth time it reaches ``POINT``, so a test decides exactly where a write is
cut short instead of guessing with timers. The points:

- ``line``: an import line has been applied to the open batch, not yet committed;
- ``write``: a batch's events and chain links are inserted, its read-model rows not
  yet, inside the database transaction.

Unset (as always outside the tests), ``reach`` is one comparison.
"""

from __future__ import annotations

import os
import signal

_point, _, _count = os.environ.get("KERANG_KILL_AT", "").partition(":")
_left = int(_count) if _count.isdigit() else 0


def reach(point: str) -> None:
    global _left
    if _left and point == _point:
        _left -= 1
        if not _left:
            os.kill(os.getpid(), signal.SIGKILL)
