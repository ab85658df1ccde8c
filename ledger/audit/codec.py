"""The stored form of an event, as the auditor reads it: its own decoder, not the library's.

Events are stored as compact JSON in which dates, decimals and datetimes are tagged
objects (``{"_type_": "date", "_data_": "2020-01-01"}``). ``decode`` turns the tags of
the top-level fields into values; ``encode`` is the canonical form, and a stored event
must be exactly ``encode(decode(bytes))`` (so no two byte strings mean the same fact).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import orjson

_UNTAG = {
    "date": dt.date.fromisoformat,
    "decimal_str": Decimal,
    "datetime_iso": dt.datetime.fromisoformat,
}


def decode(plain: bytes) -> dict[str, Any]:
    """The event's fields. Only top-level values are untagged: a tag anywhere else is
    left as it is and so fails the schema or the fold (events never nest them)."""
    return untag(orjson.loads(plain))


def untag(data: Any, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Untag the top-level values (only ``fields`` when the event's schema names them;
    a tag elsewhere then stays a tag, and the schema check says so)."""
    if type(data) is not dict:
        raise ValueError("an event is a JSON object")
    if fields is not None:
        for key in fields:
            value = data.get(key)
            if type(value) is dict:
                convert = None if len(value) != 2 else _UNTAG.get(value.get("_type_"))
                if convert is None:
                    raise ValueError(f"unknown encoded value in {key}")
                data[key] = convert(value["_data_"])
        return data
    for key, value in data.items():
        # the library's own timestamp stays as stored: no figure depends on it
        if type(value) is dict and "_type_" in value and key != "timestamp":
            if len(value) != 2 or value["_type_"] not in _UNTAG:
                raise ValueError(f"unknown encoded value in {key}")
            data[key] = _UNTAG[value["_type_"]](value["_data_"])
    return data


def canonical(plain: bytes) -> tuple[Any, bool]:
    """The decoded JSON (still tagged) and whether ``plain`` is exactly its canonical
    encoding: compact, UTF-8, keys in their order, nothing repeated or padded."""
    raw = orjson.loads(plain)
    return raw, orjson.dumps(raw) == plain


def _tag(value: Any) -> dict[str, str]:
    if isinstance(value, dt.datetime):
        return {"_type_": "datetime_iso", "_data_": value.isoformat()}
    if isinstance(value, dt.date):
        return {"_type_": "date", "_data_": value.isoformat()}
    if isinstance(value, Decimal):
        return {"_type_": "decimal_str", "_data_": str(value)}
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode(data: dict[str, Any]) -> bytes:
    """The canonical stored form (compact, UTF-8, keys in their order)."""
    return orjson.dumps(data, default=_tag, option=orjson.OPT_PASSTHROUGH_DATETIME)


# the ledger's published identity scheme: a transaction's aggregate ID derives from its ref
NAMESPACE = uuid5(NAMESPACE_URL, "https://kerang.invalid/ledger")
_NAMESPACE_BYTES = NAMESPACE.bytes


_PREFIX = _NAMESPACE_BYTES + b"ref:"


def ref_identity(ref: str) -> str:
    """The aggregate ID (hex) a transaction with this ref is stored under: UUID v5."""
    digest = bytearray(hashlib.sha1(_PREFIX + ref.encode()).digest()[:16])
    digest[6] = digest[6] & 0x0F | 0x50  # version 5
    digest[8] = digest[8] & 0x3F | 0x80  # the RFC 4122 variant
    return digest.hex()
