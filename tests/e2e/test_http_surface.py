"""A running server's HTTP surface: its OpenAPI promises, request bodies, client addresses."""

import json

import pytest

from tests.e2e.client import PASSWORD, Api
from tests.e2e.contract import Contract

pytestmark = pytest.mark.e2e


def _walk_every_operation(api: Api, mail) -> None:
    """Each route and method once on its success path, plus the usual refusals."""
    api.register("Walker", "walker@example.com")
    api.call("POST", "/api/accounts", json={"username": "walker", "password": PASSWORD,
                                            "email": "x@example.com"})
    api.call("POST", "/api/accounts", json={"username": "walker2"})
    api.call("POST", "/api/session", json={"username": "walker", "password": "wrong password!"})
    token = api.token("walker")
    api.call("GET", "/api/session", token)
    api.call("GET", "/api/session")
    api.call("POST", "/api/session/reauthenticate", token, json={"password": PASSWORD})
    api.call("POST", "/api/session/reauthenticate", token, json={"password": "wrong password!"})
    api.call("GET", "/api/account", token)
    api.call("POST", "/api/account/emails", token, json={"email": "second@example.com"})
    api.call("POST", "/api/account/emails/verify",
             json={"token": mail.verification_token("second@example.com")})
    api.call("POST", "/api/account/emails/verify", json={"token": "forged"})
    api.call("POST", "/api/account/emails/second@example.com/primary", token)
    api.call("DELETE", "/api/account/emails/walker@example.com", token)
    api.call("DELETE", "/api/account/emails/nobody@example.com", token)
    other = api.log_in("walker")
    api.call("GET", "/api/account/sessions", token)
    api.call("DELETE", f"/api/account/sessions/{other['session_id']}", token)
    api.call("DELETE", "/api/account/sessions/not-a-session", token)
    api.call("POST", "/api/projects", token, json={"name": "walked"})
    api.call("POST", "/api/projects", token, json={"name": "-bad name-"})
    api.call("GET", "/api/projects/walked")
    api.call("GET", "/api/projects/missing")
    api.register("helper")
    api.call("POST", "/api/projects/walked/roles", token,
             json={"username": "helper", "role": "Maintainer"})
    api.call("GET", "/api/projects/walked/roles", token)
    api.call("PATCH", "/api/projects/walked/roles/helper", token, json={"role": "Owner"})
    api.call("DELETE", "/api/projects/walked/roles/helper", token)
    api.call("DELETE", "/api/projects/walked/roles/walker", token)
    api.call("POST", "/api/account/password", token,
             json={"current_password": PASSWORD, "new_password": PASSWORD + " again"})
    api.call("DELETE", "/api/session", token)
    api.call("GET", "/api/account", token)


def test_every_answer_on_the_walk_is_documented_in_the_served_openapi_document(web, mail):
    api = Api(web.url)
    contract = Contract(api.call("GET", "/api/openapi.json").json())
    api.responses.clear()

    _walk_every_operation(api, mail)

    assert {r.status_code // 100 for r in api.responses} == {2, 4}
    assert [p for r in api.responses for p in contract.problems(r)] == []


def _chunked(body: dict):
    yield json.dumps(body).encode()  # a generator: requests sends it chunked, no Content-Length


def test_a_json_body_sent_in_chunks_is_read_like_any_other(web):
    registered = web.call("POST", "/api/accounts", headers={"Content-Type": "application/json"},
                          data=_chunked({"username": "chunky", "password": PASSWORD,
                                         "email": "chunky@example.com"}))

    assert registered.status_code == 201, registered.text


def test_a_chunked_body_over_the_limit_is_refused_as_too_large(web):
    refused = web.call("POST", "/api/accounts", headers={"Content-Type": "application/json"},
                       data=_chunked({"username": "huge", "password": "x" * 100_000,
                                      "email": "huge@example.com"}))

    assert refused.status_code == 413, refused.text


def test_a_body_over_the_limit_is_refused_before_it_is_parsed(web):
    refused = web.call("POST", "/api/accounts", json={"username": "huge", "password": "x" * 100_000,
                                                      "email": "huge@example.com"})

    assert refused.status_code == 413
    assert refused.json()["code"] == "body_too_large"


def test_a_forwarded_for_header_from_an_untrusted_peer_is_not_believed(web):
    web.register("spoofer")
    forged = {"X-Forwarded-For": "203.0.113.66"}
    session = web.call("POST", "/api/session", headers=forged,
                       json={"username": "spoofer", "password": PASSWORD}).json()

    listed = web.call("GET", "/api/account/sessions", session["token"], headers=forged).json()

    assert [(s["ip"], s["last_ip"]) for s in listed["sessions"]] == [("127.0.0.1", "127.0.0.1")]


def test_a_body_with_an_unknown_field_is_refused(web):
    refused = web.call("POST", "/api/accounts", json={
        "username": "sneaky", "password": PASSWORD, "email": "sneaky@example.com",
        "is_admin": True})

    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["is_admin"]


def test_an_unknown_username_and_a_wrong_password_get_the_same_answer(web):
    web.register("known")

    wrong_password = web.call("POST", "/api/session",
                              json={"username": "known", "password": "not the password"})
    unknown_user = web.call("POST", "/api/session",
                            json={"username": "unknown", "password": "not the password"})

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json()
