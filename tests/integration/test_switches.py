"""The administrators' switches: while one is on, what it stops is answered 503 with a clear
message, on the next request; each change is an event, shown to admins."""

import pytest

from tests.integration.conftest import PASSWORD
from tests.integration.test_api_tokens import mint, project
from tests.integration.test_cli import wharf
from tests.integration.test_two_factor import enrolled
from tests.integration.test_uploads import upload, wheel


@pytest.fixture
def alice(api, clock) -> tuple[str, str]:
    """alice, Owner of sampleproject: (session with the sudo window, account-wide token)."""
    session, _, _ = enrolled(api, clock)
    project(api, session, "sampleproject")
    return session, mint(api, session).json["token"]


def turn(api, admin: str, name: str, on: bool, reason: str = "incident 7"):
    return api.call("POST", f"/api/admin/switches/{name}", admin,
                    json={"on": on, "reason": reason})


def refused(result, words: str) -> bool:
    return (result.status_code == 503 and result.json["code"] == "switched_off"
            and words in result.json["detail"] and words in result.status)


def test_read_only_refuses_every_change_and_keeps_reads(api, admin, alice):
    session, token = alice
    assert turn(api, admin, "read-only", True).status_code == 200

    assert refused(api.call("POST", "/api/projects", session, json={"name": "other"}),
                   "read-only")
    assert refused(api.call("POST", "/api/session", json={"username": "alice",
                                                          "password": PASSWORD}), "read-only")
    assert refused(api.call("POST", "/api/accounts", json={
        "username": "erin", "password": PASSWORD, "email": "erin@example.com"}), "read-only")
    assert refused(upload(api, token, *wheel()), "read-only")
    assert refused(api.call("DELETE", "/api/session", session), "read-only")
    assert api.call("GET", "/api/account", session).status_code == 200
    assert api.call("GET", "/api/projects/sampleproject").status_code == 200

    assert turn(api, admin, "read-only", False).status_code == 200  # the switch itself works
    assert api.call("POST", "/api/projects", session, json={"name": "other"}).status_code == 201


def test_uploads_off_refuses_uploads_only(api, admin, alice):
    session, token = alice
    assert turn(api, admin, "uploads-off", True).status_code == 200

    assert refused(upload(api, token, *wheel()), "Uploads are switched off")
    assert api.call("POST", "/api/projects", session, json={"name": "other"}).status_code == 201
    assert turn(api, admin, "uploads-off", False).status_code == 200
    assert upload(api, token, *wheel()).status_code == 200


def test_registrations_off_refuses_sign_ups_by_api_and_page(api, admin):
    assert turn(api, admin, "registrations-off", True).status_code == 200

    assert refused(api.call("POST", "/api/accounts", json={
        "username": "erin", "password": PASSWORD, "email": "erin@example.com"}),
        "New registrations are switched off")
    page = api.call("POST", "/signup", body=f"username=erin&password={PASSWORD}&email=e%40x.org",
                    headers={"Content-Type": "application/x-www-form-urlencoded",
                             "Origin": api.wiring.settings.origin})
    assert page.status_code == 503 and "New registrations are switched off" in page.text
    assert api.wiring.accounts.id_by_username("erin") is None
    assert api.call("POST", "/api/session", json={"username": "dave",
                                                  "password": PASSWORD}).status_code == 201


def test_new_projects_off_refuses_new_projects_by_api_and_by_upload(api, admin, alice):
    session, token = alice
    assert turn(api, admin, "new-projects-off", True).status_code == 200

    assert refused(api.call("POST", "/api/projects", session, json={"name": "other"}),
                   "New projects are switched off")
    assert refused(upload(api, token, *wheel("brandnew"), name="brandnew"),
                   "New projects are switched off")
    assert upload(api, token, *wheel()).status_code == 200  # an existing project takes files
    assert api.call("GET", "/api/projects/brandnew").status_code == 404


def test_the_switches_are_shown_to_admins_only_and_each_change_is_in_the_log(api, admin, alice):
    session, _ = alice
    assert turn(api, admin, "uploads-off", True, "mirror resync").status_code == 200

    shown = {s["name"]: s for s in api.call("GET", "/api/admin/switches",
                                            admin).json["switches"]}
    assert set(shown) == {"read-only", "uploads-off", "registrations-off", "new-projects-off"}
    assert shown["uploads-off"] | {"changed_at": None} == {
        "name": "uploads-off", "on": True, "reason": "mirror resync", "changed_by": "dave",
        "changed_at": None}
    assert shown["read-only"]["on"] is False and shown["read-only"]["reason"] is None
    assert api.call("GET", "/api/admin/switches", session).status_code == 403
    assert turn(api, session, "uploads-off", False).status_code == 403
    entry = api.call("GET", "/api/admin/events", admin,
                     params={"name": "site:switch:on"}).json["events"][0]
    assert entry["details"] == {"switch": "uploads-off", "reason": "mirror resync"}
    assert entry["actor"]["username"] == "dave"


def test_a_switch_change_must_change_something_and_name_a_real_switch(api, admin):
    assert turn(api, admin, "uploads-off", False).status_code == 409
    assert turn(api, admin, "bogus", True).status_code == 404
    assert api.call("POST", "/api/admin/switches/read-only", admin,
                    json={"on": "yes", "reason": "r"}).status_code == 400
    for reason in ("", "x" * 501, "a\x00b"):
        assert turn(api, admin, "read-only", True, reason).status_code == 400


def test_wharf_admin_switch(api, settings, alice):
    session, _ = alice
    on = wharf(settings, "admin", "switch", "new-projects-off", "on", "--reason", "spam wave")
    assert on.returncode == 0, on.stderr
    assert refused(api.call("POST", "/api/projects", session, json={"name": "other"}),
                   "New projects")
    bogus = wharf(settings, "admin", "switch", "everything", "on", "--reason", "x")
    assert bogus.returncode == 2
    off = wharf(settings, "admin", "switch", "new-projects-off", "off", "--reason", "over")
    assert off.returncode == 0, off.stderr
    assert api.call("POST", "/api/projects", session, json={"name": "other"}).status_code == 201
