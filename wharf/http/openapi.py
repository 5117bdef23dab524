"""GET /api/openapi.json: the OpenAPI 3.1 document, built from the route table by apispec."""

import functools
import re

import falcon
import orjson
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from wharf.http.endpoint import API_TOKEN, PUBLIC, Endpoint
from wharf.http.routes import ROUTES
from wharf.http.schemas.common import STORABLE

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"},
                   "code": {"type": "string"}},
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_ANSWER = {"description": "Problem",
                  "content": {"application/problem+json": {"schema": PROBLEM_REF}}}
REDIRECT = {"description": "Redirect, to the Location header",
            "headers": {"Location": {"required": True, "schema": {"type": "string"}}}}
NOT_MODIFIED = {"description": "Not modified: the client holds this page (If-None-Match)",
                "headers": {"ETag": {"required": True, "schema": {"type": "string"}}}}
COMMON_ERRORS = (413, 415)
PATH_TEXT = {"type": "string", "pattern": STORABLE.regex.pattern}  # refused by the middleware


def build_spec(site_name: str) -> dict:
    spec = APISpec(title=f"{site_name} API", version="1.0.0", openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()])
    spec.components.schema("Problem", PROBLEM)
    spec.components.security_scheme("session", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("api_token", {
        "type": "http", "scheme": "basic",
        "description": "username `__token__`, the API token as password (or Bearer)"})
    for path, resource in ROUTES:
        operations = {method.lower(): _operation(path, endpoint)
                      for method, endpoint in resource.endpoints.items()}
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(path: str, endpoint: Endpoint) -> dict:
    operation: dict = {"summary": endpoint.summary, "responses": {}}
    params = re.findall(r"{(\w+)}", path)
    parameters = [{"name": p, "in": "path", "required": True, "schema": PATH_TEXT}
                  for p in params]
    if endpoint.query is not None:
        parameters.append({"in": "query", "schema": endpoint.query})
    if parameters:
        operation["parameters"] = parameters
    if endpoint.auth != PUBLIC:
        operation["security"] = [{"api_token" if endpoint.auth == API_TOKEN else "session": []}]
    success: dict = {"description": "OK"}
    if endpoint.returns is not None:
        success["content"] = {"application/json": {"schema": endpoint.returns}}
    elif endpoint.media != Endpoint.media:
        success["content"] = {media.split(";")[0]: {"schema": {"type": "string"}}
                              for media in endpoint.media}
    operation["responses"][str(endpoint.status)] = success
    if endpoint.alternative is not None:
        status, schema = endpoint.alternative
        operation["responses"][str(status)] = {
            "description": "OK", "content": {"application/json": {"schema": schema}}}
    errors = set(endpoint.errors) | {503}  # the store out of reach: Retry-After, try again
    if parameters:
        errors.add(400)  # a parameter may be malformed: a NUL in it, say
    if endpoint.body is not None:
        operation["requestBody"] = {"required": endpoint.body_required,
                                    "content": {"application/json": {"schema": endpoint.body}}}
        errors |= {400, *COMMON_ERRORS}
    for status in sorted(errors):
        operation["responses"][str(status)] = (
            NOT_MODIFIED if status == 304 else REDIRECT if status < 400 else PROBLEM_ANSWER)
    return operation


@functools.cache
def served_document(site_name: str) -> bytes:
    """The document as served, built once per process: apispec takes a quarter of a second,
    which every app (each test's, each worker's) would pay again for the same bytes."""
    return orjson.dumps(build_spec(site_name))


class OpenApiResource:
    endpoints = {"GET": Endpoint(PUBLIC, "This document")}

    def __init__(self, site_name: str):
        self._document = served_document(site_name)

    def on_get(self, req, resp) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._document

    on_head = on_get
