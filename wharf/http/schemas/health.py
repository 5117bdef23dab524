"""The body of the liveness and readiness probes."""

from marshmallow import Schema, fields


class Health(Schema):
    status = fields.String()
    lag = fields.Integer(metadata={"description": "events in the log not yet in every view"})
