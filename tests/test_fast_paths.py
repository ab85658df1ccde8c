"""The import's fast paths store exactly what the plain ones stored before: the same
JSON bytes as the standard library's and the same aggregate IDs as ``uuid5``, so
ledgers recorded before them read, chain and compare (a repeated ref) as they did."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from uuid import uuid5

import pytest
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.app import OrjsonTranscoder, register_transcodings
from ledger.domain import NAMESPACE, transaction_id
from ledger.projection import canonical


def transcoders() -> tuple[JSONTranscoder, JSONTranscoder]:
    old, new = JSONTranscoder(), OrjsonTranscoder()
    register_transcodings(old)
    register_transcodings(new)
    return old, new


texts = st.text(max_size=12)  # every code point but lone surrogates, controls included
integers = st.integers(min_value=-(2**70), max_value=2**70)  # past 64 bits too
scalars = st.none() | st.booleans() | integers | texts
values = st.recursive(
    scalars
    | st.dates()
    | st.datetimes(timezones=st.just(dt.UTC))
    | st.decimals(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=8,
)
# drawing nested values is slow on a busy machine: no deadline, no speed health check
RELAXED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@RELAXED
@given(st.dictionaries(texts, values, max_size=6))
def test_events_encode_to_the_same_bytes(state: dict) -> None:
    old, new = transcoders()
    encoded = new.encode(state)
    assert encoded == old.encode(state)
    assert new.decode(encoded) == old.decode(encoded)


@RELAXED
@given(st.dictionaries(texts, scalars | st.lists(texts, max_size=3), max_size=8))
def test_commands_are_stored_as_the_standard_library_wrote_them(command: dict) -> None:
    before = json.dumps(command, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert canonical(command) == before


def test_a_value_without_a_transcoding_is_refused_as_before() -> None:
    _, new = transcoders()
    with pytest.raises(TranscodingNotRegisteredError):
        new.encode({"at": dt.time(12, 0)})
    with pytest.raises(TranscodingNotRegisteredError):
        new.encode({"value": {1, 2}})
    assert new.encode({2020: Decimal("1.5")}) == b'{"2020":{"_type_":"decimal_str","_data_":"1.5"}}'


@RELAXED
@given(st.text(max_size=130))
def test_a_ref_names_the_same_aggregate_as_before(ref: str) -> None:
    assert transaction_id(ref) == uuid5(NAMESPACE, f"ref:{ref}")
