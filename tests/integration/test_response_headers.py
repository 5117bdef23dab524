"""What every answer carries, whatever its route: nosniff, no framing; files served inertly
(and from their own origin when one is configured); media types and HEAD as HTTP means them."""

import hashlib
from dataclasses import replace

import pytest

from tests.conftest import fast_passwords
from tests.integration.conftest import Api
from tests.integration.test_hostile_input import valid_upload
from tests.integration.test_uploads import owner, token, upload, wheel  # noqa: F401
from wharf.bootstrap import bootstrap
from wharf.http.routes import PAGES, ROUTES

FILES_ORIGIN = "https://files.example.org"
INERT = {"Content-Type": "application/octet-stream",
         "Content-Security-Policy": "sandbox; default-src 'none'",
         "X-Content-Type-Options": "nosniff"}
GET_PATHS = [path.replace("{name}", "wharf.css") for path, resource in ROUTES + PAGES
             if "GET" in resource.endpoints]


@pytest.mark.parametrize("path", GET_PATHS)
def test_every_answer_forbids_sniffing_and_framing(api, path):
    result = api.call("GET", path.replace("{", "").replace("}", ""))

    assert result.headers["X-Content-Type-Options"] == "nosniff"
    assert result.headers["X-Frame-Options"] == "DENY"


def test_a_refusal_and_an_unknown_path_forbid_sniffing_and_framing_too(api):
    for result in (api.call("GET", "/api/account"), api.call("GET", "/nothing/here"),
                   api.call("POST", "/api/accounts", json={"x": 1})):
        assert result.headers["X-Content-Type-Options"] == "nosniff"
        assert result.headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def served(api, token) -> tuple[str, str]:
    """A real wheel whose bytes begin as an HTML page with a script (a zip reader looks from
    the end, a browser sniffing from the start): an upload the checks must let through."""
    filename, archive = wheel("sampleproject", "1.0")
    content = b"<html><script>alert(document.cookie)</script></html>" + archive
    assert upload(api, token, filename, content).status_code == 200
    return f"/files/{hashlib.sha256(content).hexdigest()}/{filename}", filename


def test_a_file_is_served_inertly_as_an_attachment(api, served):
    path, filename = served

    result = api.call("GET", path)

    assert result.status_code == 200
    assert {name: result.headers[name] for name in INERT} == INERT
    assert result.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert result.content.startswith(b"<html>")


def test_with_a_files_origin_the_index_links_there_and_the_account_origin_sends_there(
        api, settings, clock, served):
    path, _ = served
    wiring = bootstrap(replace(settings, files_origin=FILES_ORIGIN), clock,
                       passwords=fast_passwords())
    try:
        other = Api(wiring)
        index = other.call("GET", "/simple/sampleproject/")
        listing = other.call("GET", "/simple/sampleproject/",
                             headers={"Accept": "application/vnd.pypi.simple.v1+json"}).json
        moved = other.call("GET", path)
        served_there = other.call("GET", path, headers={"Host": "files.example.org"})
    finally:
        wiring.close()

    assert f'href="{FILES_ORIGIN}{path}#sha256=' in index.text
    assert listing["files"][0]["url"] == FILES_ORIGIN + path
    assert moved.status_code == 301 and moved.headers["Location"] == FILES_ORIGIN + path
    assert served_there.status_code == 200
    assert served_there.headers["Content-Security-Policy"] == INERT["Content-Security-Policy"]


@pytest.mark.parametrize("media_type", ["Application/JSON", "APPLICATION/json; charset=UTF-8",
                                        "application/json;charset=utf-8"])
def test_media_types_are_case_insensitive(api, media_type):
    result = api.call("POST", "/api/session", body=b'{"username": "x", "password": "y"}',
                      headers={"Content-Type": media_type})

    assert result.status_code == 401 and result.json["code"] == "invalid_credentials"


def test_an_upload_in_a_media_type_spelled_otherwise_is_taken(api, token):
    body, headers = valid_upload(token)
    headers["Content-Type"] = headers["Content-Type"].replace("multipart/form-data",
                                                              "Multipart/Form-Data")

    answer = api.call("POST", "/legacy/", body=body, headers=headers)

    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("path", ["/api/health", "/simple/", "/login", "/static/wharf.css",
                                  "/api/openapi.json"])
def test_head_answers_as_get_without_a_body(api, path):
    got, head = api.call("GET", path), api.call("HEAD", path)

    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["Content-Type"] == got.headers["Content-Type"]


def test_head_on_a_file_and_on_a_session_route(api, served):
    path, _ = served

    file = api.call("HEAD", path)
    anonymous = api.call("HEAD", "/api/account")

    assert file.status_code == 200 and file.content == b""
    assert file.headers["Content-Length"] == api.call("GET", path).headers["Content-Length"]
    assert anonymous.status_code == 401 and anonymous.content == b""
