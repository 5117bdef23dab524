"""Whatever a client sends, the answer is a clear 4xx problem document, never a 500."""

import base64

import pytest
from pymacaroons import MACAROON_V1, Macaroon

from tests.integration.test_api_tokens import mint, project
from tests.integration.test_hostile_input import valid_upload
from tests.integration.test_two_factor import enrolled, verified_user
from tests.integration.test_uploads import upload, wheel
from wharf.domain.origin import cli_origin
from wharf.http.routes import ROUTES

# Trusted publishing's exchange answers PyPI's own shape, not a problem document (uv reads it):
# test_trusted_publishing.py pins its refusals of bad bodies.
BODY_ENDPOINTS = [(path, method) for path, resource in ROUTES
                  for method, endpoint in resource.endpoints.items()
                  if endpoint.body is not None and not path.startswith("/_/oidc/")]
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
    return (path.replace("{name}", "demo").replace("{username}", "alice")
            .replace("{switch}", "read-only"))


@pytest.mark.parametrize(("path", "method"), BODY_ENDPOINTS)
def test_bad_bodies_get_a_problem_document(api, path, method):
    token = api.user("alice")
    api.call("POST", "/api/projects", token, json={"name": "demo"})
    api.wiring.app.grant_admin(cli_origin(api.wiring.clock()), "alice")  # admin routes' bodies
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


def documented(api, method: str, path: str) -> set[str]:
    document = api.call("GET", "/api/openapi.json").json
    return set(document["paths"][path][method.lower()]["responses"])


def test_a_list_items_errors_are_keyed_by_text_not_a_500(api):
    token = verified_user(api, "alice")

    minted = mint(api, token, projects=[5, "ok"])
    history = api.call("GET", "/api/account/events?name=", token)

    assert minted.status_code == 400 and minted.json["errors"] == {
        "projects": {"0": ["Not a valid string."]}}
    assert history.status_code == 400 and set(history.json["errors"]["name"]) == {"0"}


def test_nul_characters_are_refused_before_they_reach_the_store(api):
    token = verified_user(api, "alice")
    refused = [
        mint(api, token, description="CI\x00"),
        api.call("POST", "/api/session", json={"username": "alice\x00", "password": "x"}),
        api.call("GET", "/api/account/events?cursor=%00", token),
        api.call("GET", "/files/abc/a%00.whl"),
        api.call("POST", "/api/projects", token, json={"name": "demo"},
                 headers={"User-Agent": "curl\x00"}),
    ]

    assert [answer.status_code for answer in refused] == [400] * 5
    assert refused[0].json["errors"] == {"description": ["must not contain the NUL character or unpaired surrogates"]}
    assert refused[-1].json["code"] == "nul_character"
    assert mint(api, token, description="CI").status_code == 201  # the views still project


def test_an_invalid_project_name_in_a_role_path_is_not_found(api):
    token = api.user("alice")

    for method, body in [("DELETE", None), ("PATCH", {"role": "Owner"})]:
        answer = api.call(method, "/api/projects/%C3%A4%20x/roles/bob", token, json=body)
        assert answer.status_code == 404, answer.json
    granted = api.call("POST", "/api/projects/-x-/roles", token,
                       json={"username": "bob", "role": "Owner"})
    assert granted.status_code == 404


def test_a_rate_limited_password_check_is_a_documented_answer(api):
    token = api.user("alice")

    answers = {api.call("POST", "/api/session/reauthenticate", token,
                        json={"password": "wrong"}).status_code for _ in range(30)}

    assert 429 in answers
    for method, path in [("POST", "/api/session/reauthenticate"),
                         ("POST", "/api/account/password")]:
        assert {"429", "503"} <= documented(api, method, path)


def test_the_simple_index_documents_its_redirect_and_its_406(api):
    redirect = api.call("GET", "/simple/Sample_Project/")
    not_acceptable = api.call("GET", "/simple/", headers={"Accept": "image/png"})

    assert redirect.status_code == 301
    assert redirect.headers["Location"].endswith("/simple/sample-project/")
    assert not_acceptable.status_code == 406
    assert {"301", "404", "406"} <= documented(api, "GET", "/simple/{project}/")
    assert "406" in documented(api, "GET", "/simple/")


def test_a_body_shorter_than_its_content_length_is_a_408_not_a_shorter_request(api):
    api.register("alice")
    whole = b'{"username": "alice", "password": "correct horse battery staple"}'

    answer = api.call("POST", "/api/session", body=whole + b"   ", headers={
        "Content-Type": "application/json", "Content-Length": str(len(whole) + 10)})

    assert answer.status_code == 408 and answer.json["code"] == "body_incomplete"


def test_an_upload_without_a_content_length_gets_a_411(api):
    token = mint(api, verified_user(api, "alice")).json["token"]

    answer = api.call("POST", "/legacy/", token,
                      headers={"Content-Type": "multipart/form-data; boundary=x"})

    assert answer.status_code == 411 and answer.json["code"] == "length_required"


@pytest.fixture
def upload_token(api, clock) -> str:
    session, _, _ = enrolled(api, clock)
    project(api, session, "sampleproject")
    return mint(api, session).json["token"]


def test_an_upload_cut_short_after_its_file_keeps_nothing(api, upload_token, settings):
    body, headers = valid_upload(upload_token)
    cut = body[:-3]  # "--boundary-": the file part is whole, the form is not

    answer = api.call("POST", "/legacy/", body=cut, headers=headers)

    assert answer.status_code == 400, answer.text
    assert [p for p in settings.files_dir.rglob("*") if p.is_file()] == []
    assert api.wiring.files.by_filename(wheel()[0]) is None


def test_an_upload_refusal_quoting_the_uploader_is_a_printable_ascii_reason(api, upload_token):
    answer = upload(api, upload_token, "sampleproject-1.0-py3-none-any.whl", b"x",
                    version="1.0\u4e2d")  # not even Latin-1, which a status line must be

    assert answer.status_code == 400
    assert answer.status.isascii() and answer.status.isprintable(), answer.status
    assert "'1.0\\u4e2d' is not a valid PEP 440 version" in answer.json["detail"]


def respelled(token: str) -> list[str]:
    """The same token, spelled otherwise: padded, in the standard base64 alphabet, as V1."""
    prefix, _, body = token.partition("-")
    real = Macaroon.deserialize(body)
    as_v1 = Macaroon(location=real.location, identifier=real.identifier_bytes,
                     caveats=real.caveats, signature=real.signature_bytes, version=MACAROON_V1)
    standard = f"{prefix}-{body.replace('-', '+').replace('_', '/')}"
    return [f"{token}=", f"{token}==", f"{prefix}-{as_v1.serialize()}",
            *([standard] if standard != token else [])]


def test_a_token_spelled_otherwise_does_not_authenticate(api):
    token = mint(api, verified_user(api, "alice")).json["token"]

    for spelling in respelled(token):
        answer = api.call("DELETE", "/api/token", spelling)
        assert answer.status_code == 403 and "malformed" in answer.json["detail"], spelling
    assert api.call("DELETE", "/api/token", token).status_code == 204


def test_a_token_with_a_caveat_that_is_not_text_is_malformed_not_a_500(api):
    token = mint(api, verified_user(api, "alice")).json["token"]
    prefix, _, body = token.partition("-")
    raw = base64.urlsafe_b64decode(body + "==")
    assert b'[3, "' in raw  # the user caveat every token carries
    broken = raw.replace(b'[3, "', b'\xa1\xa1, "')  # pymacaroons would not write that

    answer = api.call("DELETE", "/api/token",
                      f"{prefix}-{base64.urlsafe_b64encode(broken).decode().rstrip('=')}")

    assert answer.status_code == 403 and "malformed" in answer.json["detail"]


def third_party(token: str) -> str:
    """The token with a third-party caveat added, as any holder can add one offline."""
    prefix, body = token.split("-", 1)
    macaroon = Macaroon.deserialize(body)
    macaroon.add_third_party_caveat("https://elsewhere.example", "a shared key", "caveat id")
    return f"{prefix}-{macaroon.serialize()}"


def test_a_token_with_a_third_party_caveat_is_refused_not_a_500(api, upload_token):
    token = third_party(upload_token)

    revoked = api.call("DELETE", "/api/token", token)
    uploaded = upload(api, token, *wheel())

    for answer in (revoked, uploaded):
        assert answer.status_code == 403, answer.text
        assert "caveat Wharf does not understand" in answer.json["detail"]
    assert api.call("DELETE", "/api/token", upload_token).status_code == 204


@pytest.mark.parametrize(("charset", "value"), [
    ("unicode_escape", rb"sample\ud800project"), ("unicode_escape", rb"\N{no such name}"),
    ("unicode_escape", rb"1.0\x00"), ("raw_unicode_escape", rb"\ud800"),
    ("utf-16", "sampleproject".encode("utf-16")), ("utf-7", b"+2AA-"), ("latin-1", b"\xe9")])
def test_a_part_in_a_charset_other_than_utf8_is_refused(api, upload_token, charset, value):
    body, headers = valid_upload(upload_token)
    del headers["Content-Length"]  # the body changes length
    part = b'Content-Disposition: form-data; name="name"\r\n\r\nsampleproject\r\n'
    assert part in body
    body = body.replace(part, b'Content-Disposition: form-data; name="name"\r\n'
                        b"Content-Type: text/plain; charset=" + charset.encode() + b"\r\n\r\n"
                        + value + b"\r\n")

    answer = api.call("POST", "/legacy/", body=body, headers=headers)

    assert answer.status_code == 400, answer.text
    assert answer.json["code"] in ("invalid_upload", "bad_request")
    assert "UTF-8" in answer.json["detail"]


def test_a_part_that_says_it_is_utf8_is_taken(api, upload_token):
    body, headers = valid_upload(upload_token)
    del headers["Content-Length"]  # the body changes length
    part = b'Content-Disposition: form-data; name="name"\r\n\r\n'
    body = body.replace(part, b'Content-Disposition: form-data; name="name"\r\n'
                        b"Content-Type: text/plain; charset=UTF-8\r\n\r\n")

    assert api.call("POST", "/legacy/", body=body, headers=headers).status_code == 200
