"""A write answered by one server is visible on another server at once: no retries, no sleeps."""

import pytest

from tests.e2e.processes import UNLIMITED_QUOTAS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def extra_environ() -> dict[str, str]:
    return UNLIMITED_QUOTAS  # this module's subject is not the quotas


ROUNDS = 50


def _emails(api, token) -> list[str]:
    result = api.call("GET", "/api/account", token)
    assert result.status_code == 200, result.text
    return [e["email"] for e in result.json()["emails"]]


def test_an_email_added_on_one_server_is_listed_by_the_other_at_once(two_servers):
    a, b = two_servers
    a.register("rywemail")
    token = a.sudo(a.token("rywemail"))

    for i in range(ROUNDS):
        address = f"extra{i}@example.com"
        added = a.call("POST", "/api/account/emails", token, json={"email": address})
        assert added.status_code == 201, added.text
        assert address in _emails(b, token), f"round {i}: B does not show what A wrote"
        assert b.call("DELETE", f"/api/account/emails/{address}", token).status_code == 204
        assert address not in _emails(a, token), f"round {i}: A does not show what B removed"


def test_a_project_created_on_one_server_is_found_by_the_other_at_once(two_servers, mail):
    a, b = two_servers
    token = a.verified_user(mail, "rywprojects")

    for i in range(ROUNDS):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        name = f"Ryw.Project-{i}"
        assert writer.call("POST", "/api/projects", token, json={"name": name}).status_code == 201
        found = reader.call("GET", f"/api/projects/ryw_project_{i}")
        assert found.status_code == 200, f"round {i}: {found.text}"
        assert found.json()["name"] == name


def test_a_role_granted_on_one_server_is_enforced_by_the_other_at_once(two_servers, mail):
    a, b = two_servers
    owner = a.sudo(a.verified_user(mail, "rywowner"))
    member = a.sudo(a.verified_user(mail, "rywmember"))
    assert a.call("POST", "/api/projects", owner, json={"name": "ryw-roles"}).status_code == 201

    assert b.call("GET", "/api/projects/ryw-roles/roles", member).status_code == 403
    a.grant(owner, "ryw-roles", member, "Owner")
    assert b.call("GET", "/api/projects/ryw-roles/roles", member).status_code == 200
    assert b.call("DELETE", "/api/projects/ryw-roles/roles/rywowner", member).status_code == 204
    assert a.call("GET", "/api/projects/ryw-roles/roles", owner).status_code == 403


def test_a_session_started_on_one_server_works_on_the_other_at_once(two_servers):
    a, b = two_servers
    a.register("rywlogin")

    for i in range(3):
        session = a.log_in("rywlogin")
        assert b.call("GET", "/api/session", session["token"]).json()["session_id"] == \
            session["session_id"], f"round {i}"


def test_a_session_ended_on_one_server_is_refused_by_the_other_on_the_next_request(two_servers):
    a, b = two_servers
    a.register("rywlogout")
    keeper = a.token("rywlogout")

    for i in range(3):
        doomed = a.log_in("rywlogout")
        assert b.call("GET", "/api/account", doomed["token"]).status_code == 200
        ended = a.call("DELETE", f"/api/account/sessions/{doomed['session_id']}", keeper)
        assert ended.status_code == 204
        assert b.call("GET", "/api/account", doomed["token"]).status_code == 401, f"round {i}"

        logged_out = b.token("rywlogout")
        assert b.call("DELETE", "/api/session", logged_out).status_code == 204
        assert a.call("GET", "/api/account", logged_out).status_code == 401, f"round {i}"

    listed = b.call("GET", "/api/account/sessions", keeper).json()["sessions"]
    assert [s["current"] for s in listed] == [True]

