"""Reading a request body: bounded in size; JSON parsed strictly and validated by a schema."""

import falcon
import orjson
from marshmallow import Schema, ValidationError, fields

from wharf.http.errors import BODY, QUERY, Problem


def _body_stream(req: falcon.Request):
    """The body, however it was framed: by Content-Length, or chunked (the server ends it)."""
    if req.content_length is not None:
        return req.bounded_stream
    if req.env.get("wsgi.input_terminated"):
        return req.stream
    raise Problem(falcon.HTTP_411, "length_required", "send a Content-Length header")


def read_bounded(req: falcon.Request, max_bytes: int) -> bytes:
    """The whole body, refused with 413 beyond max_bytes, without ever reading more."""
    too_large = Problem(falcon.HTTP_413, "body_too_large",
                        f"the request body must be at most {max_bytes} bytes")
    if req.content_length is not None and req.content_length > max_bytes:
        raise too_large
    incomplete = Problem(falcon.HTTP_408, "body_incomplete",
                         "the request body did not arrive in full, or not in time")
    try:
        raw = _body_stream(req).read(max_bytes + 1)
    except OSError:  # the client went away mid-body
        raise incomplete from None
    if len(raw) > max_bytes:
        raise too_large
    if req.content_length is not None and len(raw) < req.content_length:
        # The client stopped sending, or was too slow and the server stopped reading
        # (wharf/http/gunicorn_conf.py): never take the part that came for the whole.
        raise incomplete
    return raw


def load(req: falcon.Request, schema: type[Schema], max_bytes: int) -> dict:
    if req.content_type is None or req.content_type.split(";")[0].strip() != "application/json":
        raise Problem(falcon.HTTP_415, "unsupported_media_type",
                      "send the request body as application/json")
    raw = read_bounded(req, max_bytes)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Problem(falcon.HTTP_400, "malformed_json",
                      "the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Problem(falcon.HTTP_400, "malformed_json", "the request body must be a JSON object")
    return _validated(schema, data, BODY)


def query(req: falcon.Request, schema: type[Schema]) -> dict:
    """The query string, validated like a body: unknown parameters are refused, a list
    parameter may be repeated (`name=a&name=b`), any other must come once."""
    lists = {name for name, field in schema._declared_fields.items()
             if isinstance(field, fields.List)}
    data = {}
    for name, value in req.params.items():
        if isinstance(value, list) and name not in lists:
            raise Problem(falcon.HTTP_400, "invalid_input", f"give '{name}' once")
        data[name] = value if isinstance(value, list) or name not in lists else [value]
    return _validated(schema, data, QUERY)


def _validated(schema: type[Schema], data: dict, where: str) -> dict:
    """The data the schema loads; its errors keyed by text, as JSON needs (marshmallow keys a
    list item's errors by its position, an int), and saying `where` they are."""
    try:
        return schema().load(data)
    except ValidationError as error:
        raise ValidationError(_text_keys(error.messages), where=where) from None


def _text_keys(messages):
    if isinstance(messages, dict):
        return {str(key): _text_keys(value) for key, value in messages.items()}
    return messages
