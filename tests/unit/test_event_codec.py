"""The event codec reads every byte eventsourcing's JSONTranscoder wrote, to the same values of
the same types, and writes bytes JSONTranscoder reads back the same."""

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)

from wharf.application.codec import EventCodec

FIXTURES = sorted((Path(__file__).parent.parent / "fixtures").glob("events-*.json"))

STATE = {
    "timestamp": datetime(2026, 12, 6, 23, 59, 59, 123456, tzinfo=UTC),
    "expires_at": datetime(2026, 6, 1, 12, tzinfo=timezone(timedelta(hours=-5))),
    "actor_id": UUID("022efcba-f4df-4192-b233-be281cea83ba"),
    "acting_credential_id": None,
    "ended_session_ids": (uuid4(), uuid4()),
    "owners": ["alice", "bob"],
    "primary": True,
    "size": 4_999_999,
    "sign_count": 2**63 + 5,
    "huge": 10**30,
    "price": Decimal("12.50"),
    "ip": "192.0.2.1",
    "user_agent": "fixture/1.0 \u00e9\u4e2d\U0001f600 \u2028 \"quoted\" \\ \x00",
    "details": {"nested": {"when": datetime(2026, 1, 1, tzinfo=UTC), "ids": [uuid4()]},
                "empty": {}, "none": []},
    "look_alike": {"_type_": "plain", "data": 1},
}


def reference() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return transcoder


def same(left, right) -> bool:
    """Equal, and of the same type all the way down (1 == 1.0 == True, but not here)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same, left, right))
    if isinstance(left, float):
        return repr(left) == repr(right)  # NaN too
    if isinstance(left, datetime):
        return left == right and left.utcoffset() == right.utcoffset()
    return left == right


def test_every_type_the_events_hold_comes_back_as_the_json_transcoder_gives_it():
    ours = EventCodec().decode(EventCodec().encode(STATE))
    theirs = reference().decode(reference().encode(STATE))

    assert same(ours, theirs)
    assert type(ours["actor_id"]) is UUID and ours["timestamp"].tzinfo is not None
    assert ours["ended_session_ids"] == list(STATE["ended_session_ids"])  # a tuple reads as a list


def test_bytes_written_before_read_the_same():
    old = reference().encode(STATE)

    assert same(EventCodec().decode(old), reference().decode(old))


def test_bytes_written_now_read_the_same_by_the_json_transcoder():
    """An older release (a rollback, a rolling upgrade) still reads what this one writes."""
    new = EventCodec().encode(STATE)

    assert same(reference().decode(new), EventCodec().decode(new))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda path: path.name)
def test_every_recorded_event_reads_as_the_json_transcoder_read_it(fixture):
    for record in json.loads(fixture.read_text()):
        stored = json.dumps(record["state"]).encode()
        ours = EventCodec().decode(stored)
        assert same(ours, reference().decode(stored)), record["topic"]
        assert same(EventCodec().decode(EventCodec().encode(ours)), ours), record["topic"]


@pytest.mark.parametrize("text", [b'{"a":1e400}', b'{"a":NaN}', b'{"a":18446744073709551616}',
                                  b'{"a":0.1}', b'{"a":"\\ud800"}', b'[1,{"b":2.5}]'])
def test_what_orjson_reads_otherwise_is_read_by_the_json_module(text):
    assert same(EventCodec().decode(text), reference().decode(text))


@pytest.mark.parametrize("state", [{1: "int key", None: "none key"}, {"a": 2**70},
                                   {"a": 0.1}, {"a": float("nan")}, {"a": (1, [2, (3,)])}])
def test_what_orjson_writes_otherwise_is_written_by_the_json_module(state):
    ours = EventCodec().decode(EventCodec().encode(state))

    assert same(ours, reference().decode(reference().encode(state)))


def test_a_lone_surrogate_is_refused_as_before():
    with pytest.raises(ValueError):
        EventCodec().encode({"username": "\ud800"})


def test_an_unknown_tag_or_type_is_refused_as_before():
    with pytest.raises(TranscodingNotRegisteredError):
        EventCodec().decode(b'{"a":{"_type_":"set","_data_":[1]}}')
    with pytest.raises(TranscodingNotRegisteredError):
        EventCodec().encode({"a": {1, 2}})


@pytest.mark.parametrize("data", ["022efcbaf4df4192b233be281cea83ba",
                                  "022EFCBAF4DF4192B233BE281CEA83BA",
                                  "022efcba-f4df-4192-b233-be281cea83ba",
                                  "{022efcba-f4df-4192-b233-be281cea83ba}",
                                  "urn:uuid:022efcba-f4df-4192-b233-be281cea83ba",
                                  "0x2efcbaf4df4192b233be281cea83ba",
                                  "022efcbaf4df4192b233be281cea83bg", "022efcba", ""])
def test_a_uuid_reads_as_uuid_would_read_it(data):
    stored = json.dumps({"a": {"_type_": "uuid_hex", "_data_": data}}).encode()
    try:
        expected = reference().decode(stored)
    except ValueError:
        with pytest.raises(ValueError):
            EventCodec().decode(stored)
    else:
        ours = EventCodec().decode(stored)
        assert same(ours, expected) and ours["a"].is_safe == expected["a"].is_safe
