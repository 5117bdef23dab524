"""How an event's state is stored as bytes: JSON, with UUIDs, datetimes and Decimals tagged as
eventsourcing's JSONTranscoder tags them ({"_type_": "uuid_hex", "_data_": "..."}).

The bytes are the ones JSONTranscoder writes and reads, so every event already stored reads
back as it did and an older release can still read what this one writes; orjson only does the
parsing and printing, which is where JSONTranscoder spends its time. Whatever orjson would not
read or write exactly as the json module does (an int beyond 64 bits, which orjson reads as a
float; NaN; a lone surrogate) goes through JSONTranscoder itself.
NOTE: the tags and their formats are forever: stored events hold them.
"""

import math
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Transcoder,
    UUIDAsHex,
)

TAGS = {"uuid_hex": UUID, "datetime_iso": datetime.fromisoformat, "decimal_str": Decimal}
_SCALARS = (str, int, bool, type(None))


class _Unusual(Exception):
    """A value orjson would not treat exactly as the json module does."""


class EventCodec(Transcoder):
    def __init__(self):
        self._json = JSONTranscoder()  # the reference, for what orjson would treat otherwise
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
            self._json.register(transcoding)

    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(_tagged(obj))
        except (_Unusual, orjson.JSONEncodeError):
            return self._json.encode(obj)  # raises ValueError on a lone surrogate, as before

    def decode(self, data: bytes) -> Any:
        try:
            return _untagged(orjson.loads(data))
        except (_Unusual, orjson.JSONDecodeError):
            return self._json.decode(data)


def _tagged(value):
    """The value with every UUID, datetime and Decimal replaced by its tag, tuples as lists."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {(key if type(key) is str else _key(key)): _tagged(item)
                for key, item in value.items()}
    if kind is list or kind is tuple:
        return [_tagged(item) for item in value]
    if kind is UUID:
        return {"_type_": "uuid_hex", "_data_": value.hex}
    if kind is datetime:
        return {"_type_": "datetime_iso", "_data_": value.isoformat()}
    if kind is Decimal:
        return {"_type_": "decimal_str", "_data_": str(value)}
    if kind is float and math.isfinite(value):
        return value
    raise _Unusual  # NaN, a subclass (an enum, a named tuple), or a type the json module refuses


def _key(key) -> str:
    if isinstance(key, str):
        return str(key)
    raise _Unusual  # the json module's own rules for int, float, bool and None keys


def _untagged(value):
    """Replace, in place, each tag orjson read with its value, as JSONTranscoder's object hook
    does; floats go back to the json module (orjson reads an int past 64 bits as a float)."""
    box = [value]
    _untag_in(box, enumerate(box))
    return box[0]


def _untag_in(container, items) -> None:
    for key, item in items:
        kind = type(item)
        if kind is dict:
            if len(item) == 2 and "_type_" in item and "_data_" in item:
                container[key] = _value_of(item)
            else:
                _untag_in(item, item.items())
        elif kind is list:
            _untag_in(item, enumerate(item))
        elif kind is float:
            raise _Unusual


def _value_of(tag: dict):
    data = tag["_data_"]
    if type(data) is not str:
        raise _Unusual
    try:
        decode = TAGS[tag["_type_"]]
    except (KeyError, TypeError):
        raise _Unusual from None  # JSONTranscoder raises its own error for an unknown tag
    return decode(data)

