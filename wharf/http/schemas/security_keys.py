"""Bodies of security keys and passkeys: WebAuthn registration, log-in and the key list."""

from marshmallow import Schema, fields

from wharf.http.schemas.common import bounded, required_text


class Label(Schema):
    label = required_text(64)


class Ticket(Schema):
    ticket = required_text(200)


PASSKEY = {"description": "register it as a passkey: a discoverable credential made with user"
                          " verification, which signs in by itself (no password, no username)"}


class KeyRegistrationStart(Schema):
    label = fields.String(validate=bounded(1, 64), metadata={
        "description": "the new key's label, checked before the browser is asked"})
    passkey = fields.Boolean(load_default=False, truthy={True}, falsy={False}, metadata=PASSKEY)


class KeyRegistration(Schema):
    label = required_text(64)
    credential = fields.Dict(required=True, metadata={
        "description": "the browser's PublicKeyCredential.toJSON()"})
    passkey = fields.Boolean(load_default=False, truthy={True}, falsy={False}, metadata=PASSKEY)


class KeyAssertion(Schema):
    ticket = required_text(200)
    credential = fields.Dict(required=True, metadata={
        "description": "the browser's PublicKeyCredential.toJSON()"})


class WebAuthnOptions(Schema):
    public_key = fields.Dict(data_key="publicKey", metadata={
        "description": "for PublicKeyCredential.parseCreationOptionsFromJSON (registration) or"
                       " parseRequestOptionsFromJSON (log-in)"})


class KeyAdded(Schema):
    id = fields.String()
    recovery_codes = fields.List(fields.String(), metadata={
        "description": "shown once, when this is the account's first two-factor method"})


class SecurityKeyView(Schema):
    id = fields.String()
    label = fields.String()
    aaguid = fields.String()
    transports = fields.List(fields.String())
    created_at = fields.String()
    last_used_at = fields.String(allow_none=True)
    passkey = fields.Boolean()


class SecurityKeyList(Schema):
    security_keys = fields.List(fields.Nested(SecurityKeyView))
