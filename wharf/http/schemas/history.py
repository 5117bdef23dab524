"""Bodies of the security history: its queries, pages and exports, and the replay at a moment."""

from marshmallow import Schema, fields, validate

from wharf.http.schemas.common import USERNAME, Moment, bounded


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
