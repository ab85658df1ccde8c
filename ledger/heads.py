"""Heads a forger cannot make: signed statements of the chain's head.

Anyone who can write to the database can recompute every link of the chain, so a head
only protects what came before it when it is kept somewhere the forger cannot change.
A *signed head statement* is such a place: the cooperative signs (Ed25519, its private
key in ``KERANG_SIGNING_KEY``) "on DATE the books of NAME held EVENTS events ending in
HEAD" and hands it to the programme officer, who keeps it with the public key. Any later
book or export must pass through that head (``kerang audit --head``, ``kerang verify
--head``); a chain rewritten before it fails, and a forged statement fails its signature.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import attrs

from ledger.chain import GENESIS
from ledger.errors import InvalidInput
from ledger.i18n import msg

KIND = "kerang head"
HEX64 = re.compile(r"[0-9a-fA-F]{64}")


@attrs.frozen
class Head:
    """A head of the chain: after ``events`` events the last link is ``head``."""

    head: str
    events: int | None = None  # None when only the digest was written down
    cooperative: str | None = None
    date: str | None = None
    signature: str | None = None  # base64 Ed25519 over ``signed_bytes()``

    def fields(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "cooperative": self.cooperative,
            "events": self.events,
            "head": self.head,
            "date": self.date,
        }

    def signed_bytes(self) -> bytes:
        """What the signature covers: the statement's fields as canonical JSON."""
        return json.dumps(
            self.fields(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")

    def as_json(self) -> dict[str, Any]:
        out = self.fields()
        if self.signature is not None:
            out["signature"] = self.signature
        return out

    def statement(self) -> str:
        """The document to hand over (one JSON object; readable as it is)."""
        return json.dumps(self.as_json(), ensure_ascii=False, indent=2) + "\n"


# ------------------------------------------------------------------ keys
def new_signing_key() -> tuple[str, str]:
    """(private key, public key), both as 64 hex digits."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    return _raw_private(key).hex(), _raw_public(key.public_key()).hex()


def _raw_private(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization as s

    return key.private_bytes(s.Encoding.Raw, s.PrivateFormat.Raw, s.NoEncryption())


def _raw_public(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization as s

    return key.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)


def _key_bytes(text: str, field: str) -> bytes:
    """32 key bytes from hex (64 digits) or base64; a file holding either is read."""
    text = text.strip()
    if not HEX64.fullmatch(text) and len(text) < 200 and os.path.isfile(text):
        text = Path(text).read_text(encoding="utf-8").strip()
        text = text.rpartition("=")[2] if "=" in text[:30] else text  # NAME=value lines
    if HEX64.fullmatch(text):
        return bytes.fromhex(text)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise InvalidInput(
            field,
            msg(
                "{field} must be a 32-byte Ed25519 key as 64 hex digits or base64 (or a file holding one).",
                field=field,
            ),
        )
    return raw


def signing_key(text: str | None = None) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    text = text if text is not None else os.environ.get("KERANG_SIGNING_KEY", "")
    if not text:
        raise InvalidInput(
            "KERANG_SIGNING_KEY",
            msg(
                "set KERANG_SIGNING_KEY to the cooperative's signing key (kerang keygen --signing)."
            ),
        )
    return Ed25519PrivateKey.from_private_bytes(_key_bytes(text, "KERANG_SIGNING_KEY"))


def public_key(text: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(_key_bytes(text, "public-key"))


# ------------------------------------------------------------------ statements
def sign(head: Head, key: Any) -> Head:
    signature = key.sign(head.signed_bytes())
    return attrs.evolve(head, signature=base64.b64encode(signature).decode("ascii"))


def signature_holds(head: Head, key: Any) -> bool:
    from cryptography.exceptions import InvalidSignature

    if head.signature is None:
        return False
    try:
        key.verify(base64.b64decode(head.signature, validate=True), head.signed_bytes())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def read_head(text: str) -> Head:
    """A head given on the command line: 64 hex digits, or a file holding a head statement
    (or just the digits)."""
    text = text.strip()
    if HEX64.fullmatch(text):
        return Head(text.lower())
    path = Path(text)
    if not path.is_file():
        raise InvalidInput(
            "head",
            msg(
                "--head must be the 64-digit hex digest printed by 'kerang audit' or a head statement file from 'kerang head'."
            ),
        )
    body = path.read_text(encoding="utf-8").strip()
    if HEX64.fullmatch(body):
        return Head(body.lower())
    try:
        doc = json.loads(body)
        if doc.get("kind") != KIND:
            raise ValueError
        head = Head(
            head=doc["head"],
            events=doc["events"],
            cooperative=doc.get("cooperative"),
            date=doc.get("date"),
            signature=doc.get("signature"),
        )
        if not (HEX64.fullmatch(head.head) and type(head.events) is int and head.events >= 0):
            raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InvalidInput(
            "head", msg("{path} is not a head statement made by 'kerang head'.", path=text)
        ) from None
    return head


@attrs.frozen
class HeadCheck:
    """What an earlier head says and whether its signature holds (None: not signed)."""

    head: Head
    signed: bool | None

    @property
    def events(self) -> int | None:
        return self.head.events


def check_head(text: str, key_text: str | None) -> HeadCheck:
    """Read ``--head`` and check its signature with ``--public-key``. A signed statement
    without a public key is refused: its signature would prove nothing."""
    head = read_head(text)
    if key_text is None:
        if head.signature is not None:
            raise InvalidInput(
                "public-key",
                msg("the head is signed; give the cooperative's --public-key to check it."),
            )
        return HeadCheck(head, None)
    return HeadCheck(head, signature_holds(head, public_key(key_text)))


def current_head(db: str) -> Head:
    """The books' head as stored: the event count and the last link (check it with
    ``kerang audit``, which recomputes every link)."""
    from ledger.app import open_ledger

    app = open_ledger(db)
    try:
        count, last, link = app.read.stored_head()
        if last and link is None:
            raise InvalidInput(
                "db",
                msg("the last event has no chain link; run 'kerang audit' to see why."),
            )
        coop = app.cooperative()
        name = coop.name if coop is not None else None
    finally:
        app.close()
    today = dt.datetime.now(dt.UTC).date().isoformat()
    return Head(head=link or GENESIS, events=count, cooperative=name, date=today)
