"""Bodies of releases: the list, and removing a release or a file."""

from marshmallow import Schema, fields

from wharf.http.schemas.common import Reason, required_text


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
