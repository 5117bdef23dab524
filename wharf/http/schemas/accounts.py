"""Bodies of the account resources: registration, password change, emails and the profile."""

from marshmallow import Schema, fields

from wharf.http.schemas.common import EMAIL, PASSWORD, USERNAME, required_text


class Registration(Schema):
    username = required_text(USERNAME)
    password = required_text(PASSWORD)
    email = required_text(EMAIL, 3)


class PasswordChange(Schema):
    current_password = required_text(PASSWORD)
    new_password = required_text(PASSWORD)


class NewEmail(Schema):
    email = required_text(EMAIL, 3)


class AccountEmail(Schema):
    email = fields.String()
    verified = fields.Boolean()
    primary = fields.Boolean()
    added_at = fields.String()


class TwoFactorMethod(Schema):
    method = fields.String()
    label = fields.String()
    added_at = fields.String()


class TwoFactorView(Schema):
    methods = fields.List(fields.Nested(TwoFactorMethod))
    recovery_codes_left = fields.Integer()


class AccountView(Schema):
    id = fields.String()
    username = fields.String()
    is_admin = fields.Boolean()
    created_at = fields.String()
    emails = fields.List(fields.Nested(AccountEmail))
    two_factor = fields.Nested(TwoFactorView)
