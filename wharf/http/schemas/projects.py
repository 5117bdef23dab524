"""Bodies of projects and their roles."""

from marshmallow import Schema, fields, validate

from wharf.domain.project import ROLES
from wharf.http.schemas.common import USERNAME, required_text


class NewProject(Schema):
    name = required_text(100)


class NewRole(Schema):
    username = required_text(USERNAME)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class RoleUpdate(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


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
