"""Bodies of the password reset: asking for the link, then setting the new password."""

from marshmallow import Schema, fields

from wharf.http.schemas.common import EMAIL, PASSWORD, required_text


class PasswordResetRequest(Schema):
    username_or_email = required_text(EMAIL)


class PasswordResetCompletion(Schema):
    token = required_text(200)
    new_password = required_text(PASSWORD)
    revoke_api_tokens = fields.Boolean(load_default=False)


class Accepted(Schema):
    detail = fields.String()
