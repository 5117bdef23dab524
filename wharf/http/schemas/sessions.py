"""Bodies of log-in, the second step, the sudo window and the list of sessions."""

from marshmallow import Schema, fields

from wharf.http.schemas.common import PASSWORD, USERNAME, required_text


class Credentials(Schema):
    username = required_text(USERNAME)
    password = required_text(PASSWORD)


class PasswordOnly(Schema):
    password = required_text(PASSWORD)


class UnlockCredentials(Schema):
    token = required_text(200)  # from the emailed unlock link
    password = required_text(PASSWORD)


class SessionCreated(Schema):
    session_id = fields.String()
    token = fields.String(metadata={"description": "shown once; send as Authorization: Bearer"})
    expires_at = fields.String()
    recovery_codes_left = fields.Integer(allow_none=True, metadata={
        "description": "after a recovery-code log-in: how many codes are left"})


class SecondStepDue(Schema):
    ticket = fields.String(metadata={"description": "single use; expires in 5 minutes"})
    methods = fields.List(fields.String())
    expires_at = fields.String()


class DeviceConfirmationSent(Schema):
    status = fields.String(metadata={"description": "device-confirmation-sent: no session;"
                                     " follow the emailed link from this same address"})
    expires_at = fields.String(metadata={"description": "when the emailed link stops working"})


class TicketAndCode(Schema):
    ticket = required_text(200)
    code = required_text(64)


class SessionView(Schema):
    session_id = fields.String()
    account_id = fields.String()
    username = fields.String()
    expires_at = fields.String()
    sudo_until = fields.String(allow_none=True)


class SudoWindow(Schema):
    sudo_until = fields.String()


class SessionListEntry(Schema):
    id = fields.String()
    created_at = fields.String()
    expires_at = fields.String()
    last_seen = fields.String()
    ip = fields.String()
    last_ip = fields.String()
    user_agent = fields.String()
    current = fields.Boolean()


class SessionList(Schema):
    sessions = fields.List(fields.Nested(SessionListEntry))
