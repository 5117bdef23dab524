"""The transparency log: inclusion and consistency proofs (RFC 9162) and the public feed."""

from marshmallow import Schema, fields

from wharf.http.schemas.common import Natural


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
