"""The tamper-evident chain over the stored events.

link(n) = SHA-256( link(n-1) || "\n" seq "\n" originator_id "\n" version "\n" topic "\n" || state )

over the bytes exactly as stored (ciphertext when the store is encrypted), so
an auditor can check it without the key. The head commits to every event in
order; a head written down earlier must reappear in any later, longer log.
"""

from __future__ import annotations

import hashlib

GENESIS = "0" * 64


def link(
    previous: str, seq: int, originator_id: str, version: int, topic: str, state: bytes
) -> str:
    return hashlib.sha256(
        b"%s\n%d\n%s\n%d\n%s\n%s"
        % (previous.encode("ascii"), seq, originator_id.encode(), version, topic.encode(), state)
    ).hexdigest()
