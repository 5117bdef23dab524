"""Bodies of API tokens: minting one and listing them."""

from marshmallow import Schema, fields, validate

from wharf.http.schemas.common import Moment, bounded, required_text


class NewToken(Schema):
    description = required_text(100)
    projects = fields.List(fields.String(validate=bounded(1, 100)), allow_none=True,
                           load_default=None, validate=validate.Length(1, 50), metadata={
                               "description": "project names; leave out for the whole account"})
    not_before = Moment(load_default=None, allow_none=True)
    expires_at = Moment(load_default=None, allow_none=True)


class TokenCreated(Schema):
    id = fields.String()
    token = fields.String(metadata={"description": "shown once"})


class TokenView(Schema):
    id = fields.String()
    description = fields.String()
    projects = fields.List(fields.String(), allow_none=True, metadata={
        "description": "null: the whole account"})
    created_at = fields.String()
    not_before = fields.String(allow_none=True)
    expires_at = fields.String(allow_none=True)
    last_used_at = fields.String(allow_none=True)
    last_used_ip = fields.String(allow_none=True)
    last_used_user_agent = fields.String(allow_none=True)


class TokenList(Schema):
    tokens = fields.List(fields.Nested(TokenView))
