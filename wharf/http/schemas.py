"""Request and response bodies. Unknown fields are refused; every string has a length limit,
no NUL character (PostgreSQL text cannot hold one, and no name, code or label needs one) and no
unpaired surrogate (UTF-8 cannot encode one); every moment lies within years the views hold."""

import re
from functools import cache

from marshmallow import Schema, ValidationError, fields, validate

from wharf.domain.errors import InvalidInput
from wharf.domain.moments import check_moment
from wharf.domain.project import ROLES
from wharf.domain.takedowns import REASON

STORABLE = validate.Regexp(r"^[^\x00\ud800-\udfff]*$",
                           error="must not contain the NUL character or unpaired surrogates")


def bounded(min_length: int, max_length: int) -> list[validate.Validator]:
    """The rules of every string a request may carry: a length limit, storable characters."""
    return [validate.Length(min_length, max_length), STORABLE]


class Moment(fields.AwareDateTime):
    """An ISO 8601 time with a time zone, within the years every view can hold."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return check_moment(moment, attr or "the time")
        except InvalidInput as error:
            raise ValidationError(error.detail) from None


def required_text(max_length: int, min_length: int = 1) -> fields.String:
    return fields.String(required=True, validate=bounded(min_length, max_length))


USERNAME, PASSWORD, EMAIL = 50, 4096, 254


class Registration(Schema):
    username = required_text(USERNAME)
    password = required_text(PASSWORD)
    email = required_text(EMAIL, 3)


class Credentials(Schema):
    username = required_text(USERNAME)
    password = required_text(PASSWORD)


class PasswordOnly(Schema):
    password = required_text(PASSWORD)


class UnlockCredentials(Schema):
    token = required_text(200)  # from the emailed unlock link
    password = required_text(PASSWORD)


class PasswordChange(Schema):
    current_password = required_text(PASSWORD)
    new_password = required_text(PASSWORD)


class PasswordResetRequest(Schema):
    username_or_email = required_text(EMAIL)


class PasswordResetCompletion(Schema):
    token = required_text(200)
    new_password = required_text(PASSWORD)
    revoke_api_tokens = fields.Boolean(load_default=False)


class Accepted(Schema):
    detail = fields.String()


class NewEmail(Schema):
    email = required_text(EMAIL, 3)


class VerificationToken(Schema):
    token = required_text(200)


class NewProject(Schema):
    name = required_text(100)


class NewRole(Schema):
    username = required_text(USERNAME)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class RoleUpdate(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class Reason(Schema):
    reason = required_text(REASON)


class Removal(Reason):
    confirm = required_text(200)  # the version or file name, typed again


class Release(Schema):
    version = fields.String()
    yanked = fields.Boolean()
    yanked_reason = fields.String(allow_none=True)
    files = fields.List(fields.String())


class ReleaseList(Schema):
    project = fields.String()
    releases = fields.List(fields.Nested(Release))


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


class Created(Schema):
    id = fields.String()


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


class Role(Schema):
    username = fields.String()
    role = fields.String()
    granted_at = fields.String()


class ProjectView(Schema):
    id = fields.String()
    name = fields.String()
    normalized_name = fields.String()
    created_at = fields.String()
    maintainers = fields.List(fields.String())


class RoleList(Schema):
    project = fields.String()
    roles = fields.List(fields.Nested(Role))


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


class HistoryQuery(Schema):
    since = Moment(load_default=None, metadata={
        "description": "from this time (default: the last 14 days, or as configured)"})
    until = Moment(load_default=None, metadata={"description": "before this time"})
    name = fields.List(fields.String(validate=bounded(1, 64)), load_default=list,
                       validate=validate.Length(max=40), metadata={
                           "description": "public event names (repeat for several)"})
    cursor = fields.String(load_default=None, validate=bounded(1, 200),
                           metadata={"description": "a page's next_cursor, for the next page"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class AdminHistoryQuery(HistoryQuery):
    account = fields.String(load_default=None, validate=bounded(1, USERNAME), metadata={
        "description": "username: entries about or by this account"})
    project = fields.String(load_default=None, validate=bounded(1, 100))
    ip = fields.String(load_default=None, validate=bounded(1, 45))


class ExportFormat(Schema):
    format = fields.String(load_default="jsonl", validate=validate.OneOf(("jsonl", "csv")))


class HistoryExportQuery(ExportFormat, HistoryQuery):
    pass


class AdminHistoryExportQuery(ExportFormat, AdminHistoryQuery):
    pass


class Named(Schema):
    id = fields.String()
    username = fields.String(allow_none=True)
    name = fields.String(allow_none=True)


class HistoryEntry(Schema):
    id = fields.String(metadata={"description": "position.entry in the log"})
    log_index = fields.Integer(allow_none=True, metadata={
        "description": "the event's leaf in the log's Merkle tree: prove its inclusion in a"
                       " signed checkpoint with GET /api/log/proof/inclusion?index="})
    time = fields.String()
    name = fields.String(metadata={"description": "the public event name"})
    actor = fields.Nested(Named, allow_none=True, metadata={"description": "who acted"})
    account = fields.Nested(Named, allow_none=True, metadata={
        "description": "the account it is about"})
    project = fields.Nested(Named, allow_none=True)
    ip = fields.String(allow_none=True, metadata={
        "description": "withheld (null) for other people's actions unless you are an admin"})
    user_agent = fields.String(allow_none=True)
    two_factor_method = fields.String(allow_none=True)
    token_id = fields.String(allow_none=True)
    details = fields.Dict()


class HistoryPage(Schema):
    events = fields.List(fields.Nested(HistoryEntry))
    next_cursor = fields.String(allow_none=True)
    since = fields.String()
    until = fields.String(allow_none=True)


class ReplayQuery(Schema):
    as_of = Moment(required=True, metadata={"description": "the moment to see"})
    account = fields.String(load_default=None, validate=bounded(1, USERNAME))
    project = fields.String(load_default=None, validate=bounded(1, 100))


class ReplayState(Schema):
    as_of = fields.String()
    accounts = fields.List(fields.Dict(), metadata={
        "description": "each with its 2FA methods, live sessions, unrevoked tokens and scopes,"
                       " and why it could not upload at all (blocked), if it could not"})
    projects = fields.List(fields.Dict(), metadata={
        "description": "each with its roles and could_upload: who could upload with which"
                       " tokens"})


class Natural(fields.Integer):
    """A count or an index in a query string: ASCII digits only (no sign, space, exponent or
    other script's digits, which int() would take), at most 2**63 - 1."""

    def __init__(self, least: int = 0, most: int = 2**63 - 1, **kwargs):
        super().__init__(validate=validate.Range(least, most), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,19}", value):
            raise ValidationError("must be a whole number, 0 to 9223372036854775807")
        return super()._deserialize(value, attr, data, **kwargs)


class InclusionQuery(Schema):
    index = Natural(required=True, metadata={"description": "the entry's log index (leaf)"})
    size = Natural(load_default=None, metadata={
        "description": "the tree size to prove against (default: the log's size now)"})


class ConsistencyQuery(Schema):
    first = Natural(required=True, data_key="from", metadata={
        "description": "the size of the tree kept before (at least 1)"})
    second = Natural(load_default=None, data_key="to", metadata={
        "description": "the later size (default: the log's size now)"})


class PublicFeedQuery(Schema):
    since = Natural(load_default=0, metadata={
        "description": "the first log index wanted: a page's next_since"})
    limit = Natural(1, 500, load_default=100)


class InclusionProof(Schema):
    index = fields.Integer()
    size = fields.Integer()
    leaf_hash = fields.String(metadata={"description": "base64 SHA-256(0x00 || entry)"})
    root_hash = fields.String(metadata={"description": "base64; the root at `size`"})
    hashes = fields.List(fields.String(), metadata={
        "description": "base64, RFC 9162 inclusion path, leaf level first"})


class ConsistencyProof(Schema):
    first = fields.Integer(data_key="from")
    second = fields.Integer(data_key="to")
    first_root = fields.String(data_key="from_root")
    second_root = fields.String(data_key="to_root")
    hashes = fields.List(fields.String(), metadata={
        "description": "base64, RFC 9162 consistency proof"})


class PublicEntry(Schema):
    log_index = fields.Integer()
    leaf_hash = fields.String()
    inclusion = fields.List(fields.String(), metadata={
        "description": "base64 inclusion path in the feed's checkpoint"})
    time = fields.String()
    name = fields.String(metadata={"description": "project:create or project:role:*"})
    project = fields.String(allow_none=True)
    actor = fields.String(allow_none=True, metadata={"description": "who did it (username)"})
    username = fields.String(allow_none=True, metadata={
        "description": "who was given (or lost) the role"})
    role = fields.String(allow_none=True)


class PublicFeed(Schema):
    checkpoint = fields.String(metadata={
        "description": "the signed checkpoint every inclusion path leads to"})
    size = fields.Integer()
    root_hash = fields.String()
    entries = fields.List(fields.Nested(PublicEntry))
    next_since = fields.Integer(metadata={"description": "pass as `since` for what follows"})


class Health(Schema):
    status = fields.String()
    lag = fields.Integer(metadata={"description": "events in the log not yet in every view"})


@cache
def _instance(schema: type[Schema]) -> Schema:
    return schema()


def dump(schema: type[Schema], data) -> dict:
    """Serialise with one shared instance per schema (building one costs more than dumping)."""
    return _instance(schema).dump(data)
