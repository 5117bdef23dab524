"""Bodies of TOTP enrolment and recovery codes."""

from marshmallow import Schema, fields

from wharf.http.schemas.common import bounded, required_text


class TotpCode(Schema):
    code = required_text(16)
    label = fields.String(load_default="Authenticator app", validate=bounded(1, 64))


class TotpEnrolmentView(Schema):
    secret = fields.String(metadata={"description": "base32; shown once"})
    uri = fields.String()
    qr_svg = fields.String()


class RecoveryCodeList(Schema):
    recovery_codes = fields.List(fields.String(), metadata={"description": "shown once"})


class RecoveryCodesLeft(Schema):
    recovery_codes_left = fields.Integer()
