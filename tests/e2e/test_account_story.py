"""The life of an account over HTTP: gunicorn, the projection process and PostgreSQL."""

import pytest

from tests.e2e.client import PASSWORD, Api

pytestmark = pytest.mark.e2e


def test_a_new_owner_verifies_email_shares_a_project_and_logs_out(web, mail):
    web.register("Alice", "alice@example.com")
    token = mail.verification_token("alice@example.com")
    assert web.call("POST", "/api/account/emails/verify", json={"token": token}).status_code == 204

    alice = web.token("alice")
    me = web.call("GET", "/api/account", alice)
    assert me.status_code == 200
    assert me.json()["username"] == "Alice"
    assert [(e["email"], e["verified"], e["primary"]) for e in me.json()["emails"]] == [
        ("alice@example.com", True, True)]

    sudo = web.call("POST", "/api/session/reauthenticate", alice, json={"password": PASSWORD})
    assert sudo.status_code == 200
    assert web.call("GET", "/api/session", alice).json()["sudo_until"] == sudo.json()["sudo_until"]

    created = web.call("POST", "/api/projects", alice, json={"name": "Harbour.Tools"})
    assert created.status_code == 201
    bob = web.verified_user(mail, "bob")
    web.grant(alice, "harbour-tools", bob)
    assert web.call("GET", "/api/projects/Harbour_Tools").json()["maintainers"] == ["Alice", "bob"]

    carol = web.user("carol")
    by_maintainer = web.call("POST", "/api/projects/harbour-tools/roles", bob,
                             json={"username": "carol", "role": "Maintainer"})
    assert by_maintainer.status_code == 403
    assert web.call("DELETE", "/api/projects/harbour-tools/roles/Alice", bob).status_code == 403
    assert web.call("GET", "/api/projects/harbour-tools/roles", carol).status_code == 403

    last_owner = web.call("DELETE", "/api/projects/harbour-tools/roles/alice", alice)
    assert last_owner.status_code == 409
    assert last_owner.json()["code"] == "last_owner"
    demoted = web.call("PATCH", "/api/projects/harbour-tools/roles/alice", alice,
                       json={"role": "Maintainer"})
    assert demoted.status_code == 409

    roles = web.call("GET", "/api/projects/harbour-tools/roles", bob).json()["roles"]
    assert {(r["username"], r["role"]) for r in roles} == {("Alice", "Owner"),
                                                          ("bob", "Maintainer")}

    assert web.call("DELETE", "/api/session", alice).status_code == 204
    for _ in range(4):  # every worker must refuse it, whichever one answers
        after_logout = web.call("GET", "/api/account", alice)
        assert after_logout.status_code == 401
        assert after_logout.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_verification_token_from_the_outbox_works_only_once(web, mail):
    web.register("dora", "Dora@Example.com")
    token = mail.verification_token("Dora@example.com")

    first = web.call("POST", "/api/account/emails/verify", json={"token": token})
    again = web.call("POST", "/api/account/emails/verify", json={"token": token})

    assert first.status_code == 204
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_token"


def test_the_session_cookie_alone_authenticates_a_browser_until_it_logs_out(web):
    web.register("erin")
    browser = Api(web.url, browser=True)

    logged_in = browser.call("POST", "/api/session",
                             json={"username": "erin", "password": PASSWORD})
    cookie = browser.http.cookies["wharf_session"]

    assert logged_in.status_code == 201
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= {
        part.strip() for part in logged_in.headers["Set-Cookie"].split(";")}
    assert cookie == logged_in.json()["token"]
    assert browser.call("GET", "/api/account").json()["username"] == "erin"
    assert browser.call("DELETE", "/api/session").status_code == 403  # no Origin header
    assert browser.call("DELETE", "/api/session",
                        headers={"Origin": "http://localhost:8000"}).status_code == 204
    assert "wharf_session" not in browser.http.cookies
    replayed = web.call("GET", "/api/account", cookies={"wharf_session": cookie})
    assert replayed.status_code == 401


def test_an_admin_granted_from_the_command_line_sees_the_roles_of_any_project_at_once(
        web, deployment, mail):
    owner, admin = web.verified_user(mail, "owner9"), web.user("Admin9")
    created = web.call("POST", "/api/projects", owner, json={"name": "private-roles"})
    assert created.status_code == 201
    assert web.call("GET", "/api/projects/private-roles/roles", admin).status_code == 403

    assert deployment.cli("init").returncode == 0  # idempotent, even with servers running
    granted = deployment.cli("admin", "grant", "admin9")

    assert granted.returncode == 0, granted.stderr
    roles = web.call("GET", "/api/projects/private-roles/roles", admin)
    assert roles.status_code == 200
    assert [r["username"] for r in roles.json()["roles"]] == ["owner9"]
    assert web.call("GET", "/api/account", admin).json()["is_admin"]


def test_granting_admin_to_an_unknown_name_fails_on_the_command_line(deployment):
    refused = deployment.cli("admin", "grant", "nobody-here")

    assert refused.returncode == 1
    assert "no account named nobody-here" in refused.stderr
