"""Whatever a client sends, the answer is a clear 4xx problem document, never a 500."""

import pytest

from wharf.http.routes import ROUTES

BODY_ENDPOINTS = [(path, method) for path, resource in ROUTES
                  for method, endpoint in resource.endpoints.items() if endpoint.body is not None]
BAD_BODIES = [
    (b"{not json", "application/json", 400, "malformed_json"),
    (b"[1, 2]", "application/json", 400, "malformed_json"),
    (b'"text"', "application/json", 400, "malformed_json"),
    (b"\xff\xfe\x00garbage", "application/json", 400, "malformed_json"),
    (b'{"unexpected": 1}', "application/json", 400, "invalid_request"),
    (b'{"username": 5, "password": null, "email": [], "name": {}, "token": 1.5, "role": 1,'
     b' "current_password": true, "new_password": 0}', "application/json", 400, "invalid_request"),
    (b"username=alice", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    (b"{}", None, 415, "unsupported_media_type"),
    (b'{"x": "' + b"a" * 70_000 + b'"}', "application/json", 413, "body_too_large"),
]


def concrete(path: str) -> str:
    return path.replace("{name}", "demo").replace("{username}", "alice")


@pytest.mark.parametrize(("path", "method"), BODY_ENDPOINTS)
def test_bad_bodies_get_a_problem_document(api, path, method):
    token = api.user("alice")
    api.call("POST", "/api/projects", token, json={"name": "demo"})
    for raw, content_type, status, code in BAD_BODIES:
        headers = {"Content-Type": content_type} if content_type else {}
        result = api.call(method, concrete(path), token, body=raw, headers=headers)
        assert result.status_code == status, (raw[:40], result.text[:200])
        assert result.headers["Content-Type"] == "application/problem+json"
        assert result.json["code"] == code
        assert {"type", "title", "status", "detail"} <= set(result.json)


def test_over_long_strings_are_refused_by_field(api):
    result = api.call("POST", "/api/accounts", json={
        "username": "a" * 51, "password": "x" * 5000, "email": "e" * 300 + "@example.com"})

    assert result.status_code == 400
    assert set(result.json["errors"]) == {"username", "password", "email"}


def test_strange_paths_and_methods_are_clean_4xx(api):
    token = api.user("alice")
    for method, path in [("GET", "/api/projects/%00"), ("GET", "/api/projects/" + "a" * 5000),
                         ("DELETE", "/api/account/emails/%ff%fe"),
                         ("DELETE", "/api/account/sessions/" + "9" * 300),
                         ("PUT", "/api/account"), ("GET", "/api/unknown")]:
        result = api.call(method, path, token)
        assert 400 <= result.status_code < 500, (method, path, result.status_code)
        assert result.json["status"] == result.status_code


def test_the_openapi_document_lists_every_route(api):
    document = api.call("GET", "/api/openapi.json").json

    assert document["openapi"].startswith("3.1")
    for path, resource in ROUTES:
        assert set(document["paths"][path]) == {m.lower() for m in resource.endpoints}
