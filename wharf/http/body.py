"""Reading a request body: bounded in size; JSON parsed strictly and validated by a schema."""

import falcon
import orjson
from marshmallow import Schema, ValidationError, fields

from wharf.http.errors import BODY, QUERY, Problem

# Falcon's multipart parser reads 32 KiB at a time; gunicorn copies all it has buffered (up to
# 1 MiB) on every read, so a 50 MB upload spent a third of its time copying. Read large pieces.
FORM_READ_BYTES = 1024 * 1024


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


def multipart_form(req: falcon.Request):
    """The body's multipart form (a Content-Length is required), its parts read lazily."""
    stream = falcon.BufferedReader(req.stream.read, req.content_length, FORM_READ_BYTES)
    handler = req.options.media_handlers[falcon.MEDIA_MULTIPART]
    return handler.deserialize(stream, req.content_type, req.content_length)


def media_type(req: falcon.Request) -> str | None:
    """The body's media type without its parameters (lower case: see MediaTypes)."""
    return req.content_type.split(";")[0].strip() if req.content_type else None


class MediaTypes:
    """Middleware: a body's media type in lower case, as RFC 9110 makes it case-insensitive
    (`Application/JSON` is JSON, for Falcon's multipart parser too); its parameters as sent,
    since a multipart boundary is case-sensitive."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.content_type:
            kind, separator, parameters = req.content_type.partition(";")
            req.content_type = kind.strip().lower() + separator + parameters


def load(req: falcon.Request, schema: type[Schema], max_bytes: int) -> dict:
    if media_type(req) != "application/json":
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
