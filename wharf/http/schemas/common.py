"""Rules every body shares (bounded, storable strings; moments the views hold), shared bodies."""

import re
from functools import cache

from marshmallow import Schema, ValidationError, fields, validate

from wharf.domain.errors import InvalidInput
from wharf.domain.moments import check_moment
from wharf.domain.takedowns import REASON

# No NUL (PostgreSQL text cannot hold one, and no name, code or label needs one) and no
# unpaired surrogate (UTF-8 cannot encode one).
STORABLE = validate.Regexp(r"^[^\x00\ud800-\udfff]*$",
                           error="must not contain the NUL character or unpaired surrogates")


def bounded(min_length: int, max_length: int) -> list[validate.Validator]:
    """The rules of every string a request may carry: a length limit, storable characters."""
    return [validate.Length(min_length, max_length), STORABLE]


class Moment(fields.AwareDateTime):
    """An ISO 8601 time with a time zone, within the years every view can hold."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and "\x00" in value:  # CPython's parser stops at a NUL
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return check_moment(moment, attr or "the time")
        except InvalidInput as error:
            raise ValidationError(error.detail) from None


def required_text(max_length: int, min_length: int = 1) -> fields.String:
    return fields.String(required=True, validate=bounded(min_length, max_length))


USERNAME, PASSWORD, EMAIL = 50, 4096, 254


class Natural(fields.Integer):
    """A count or an index in a query string: ASCII digits only (no sign, space, exponent or
    other script's digits, which int() would take), at most 2**63 - 1."""

    def __init__(self, least: int = 0, most: int = 2**63 - 1, **kwargs):
        super().__init__(validate=validate.Range(least, most), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,19}", value):
            raise ValidationError("must be a whole number, 0 to 9223372036854775807")
        return super()._deserialize(value, attr, data, **kwargs)


class Created(Schema):
    id = fields.String()


class VerificationToken(Schema):
    token = required_text(200)


class Reason(Schema):
    reason = required_text(REASON)


@cache
def _instance(schema: type[Schema]) -> Schema:
    return schema()


def dump(schema: type[Schema], data) -> dict:
    """Serialise with one shared instance per schema (building one costs more than dumping)."""
    return _instance(schema).dump(data)
