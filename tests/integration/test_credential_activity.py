"""What one credential did: everything one session or API token did, read from the log, for
its account and admins, and a project's part of it for the project's Owners and admins."""

import pytest

from tests.integration.test_api_tokens import mint, project
from tests.integration.test_authorization_matrix import second_session
from tests.integration.test_two_factor import enrolled
from tests.integration.test_uploads import upload, wheel
from wharf.domain.origin import cli_origin


@pytest.fixture
def story(api, clock) -> dict:
    """alice's first session makes a project, invites bob to a role (he accepts), adds an address and mints a
    token; that token uploads a file; her second session mints another token. bob's token
    uploads too."""
    alice, alice_totp, _ = enrolled(api, clock, "alice")
    bob, _, _ = enrolled(api, clock, "bob")
    carol, _, _ = enrolled(api, clock, "carol")
    project(api, alice, "sampleproject")
    api.grant(alice, "sampleproject", bob)  # her invitation; bob's session accepts
    assert api.call("POST", "/api/account/emails", alice,
                    json={"email": "alice2@example.com"}).status_code == 201
    token = mint(api, alice, description="ci").json
    assert upload(api, token["token"], *wheel()).status_code == 200
    second = second_session(api, clock, "alice", alice_totp)
    api.sudo(second)
    assert mint(api, second, description="laptop").status_code == 201
    bobs = mint(api, bob, description="bob's").json
    assert upload(api, bobs["token"], *wheel(version="2.0"), version="2.0").status_code == 200
    session_id = api.call("GET", "/api/session", alice).json["session_id"]
    return {"alice": alice, "second": second, "bob": bob, "carol": carol, "token": token,
            "bobs": bobs, "session_id": session_id}


def names(answer) -> list[str]:
    return [entry["name"] for entry in answer.json["events"]]


def activity(api, secret: str, credential_id: str, project: str | None = None, **query):
    path = f"/api/projects/{project}/credentials/{credential_id}/activity" if project \
        else f"/api/account/credentials/{credential_id}/activity"
    return api.call("GET", path, secret, params=query)


def test_a_session_shows_the_project_roles_email_and_tokens_it_made_and_nothing_else(api, story):
    answer = activity(api, story["alice"], story["session_id"])

    assert answer.status_code == 200, answer.json
    assert answer.json["credential"]["kind"] == "session"
    assert set(names(answer)) == {"project:create", "project:role:invite", "account:email:add",
                                  "account:email:sent", "account:api_token:added",
                                  "account:reauthenticate:success",
                                  "account:two_factor:method_added",  # enrolled() did that
                                  "account:recovery_codes:generated"}
    assert "laptop" not in answer.text and "file:add" not in names(answer)
    assert all(e["ip"] == "192.0.2.10" for e in answer.json["events"])  # her own address


def test_a_token_shows_its_uploads(api, story):
    answer = activity(api, story["alice"], story["token"]["id"])

    assert answer.status_code == 200 and answer.json["credential"]["kind"] == "api_token"
    assert names(answer) == ["file:add", "project:release:add"]
    assert answer.json["events"][0]["details"]["filename"] == "sampleproject-1.0-py3-none-any.whl"


def test_a_token_that_revoked_itself_shows_it(api, story):
    revoked = api.call("DELETE", "/api/token", story["token"]["token"])
    assert revoked.status_code == 204

    assert names(activity(api, story["alice"], story["token"]["id"]))[0] == \
        "account:api_token:removed"


def test_since_and_until_narrow_the_window(api, story, clock):
    clock.advance(seconds=1)
    later = clock.now.isoformat()
    assert activity(api, story["alice"], story["token"]["id"], since=later).json["events"] == []
    assert activity(api, story["alice"], story["token"]["id"],
                    until=later).json["until"] is not None


def test_an_owner_reads_what_anyones_token_did_to_her_project_without_their_address(api, story):
    answer = activity(api, story["alice"], story["bobs"]["id"], "sampleproject")

    assert answer.status_code == 200, answer.json
    assert names(answer) == ["file:add", "project:release:add"]
    assert all(e["ip"] is None and e["user_agent"] is None for e in answer.json["events"])


def test_the_project_route_shows_only_that_projects_entries(api, story):
    answer = activity(api, story["alice"], story["session_id"], "sampleproject")

    assert set(names(answer)) == {"project:create", "project:role:invite"}


@pytest.mark.parametrize("caller", ["bob", "carol"])
def test_another_accounts_credential_is_not_found_for_them(api, story, caller):
    answer = activity(api, story[caller], story["token"]["id"])

    assert answer.status_code == 404 and "file:add" not in answer.text


@pytest.mark.parametrize("caller", ["bob", "carol"])
def test_maintainers_and_strangers_cannot_read_a_projects_credential_activity(api, story, caller):
    answer = activity(api, story[caller], story["token"]["id"], "sampleproject")

    assert answer.status_code == 403 and "file:add" not in answer.text


def test_tokens_and_anonymous_callers_are_refused(api, story):
    for secret in (None, story["token"]["token"]):
        assert activity(api, secret, story["token"]["id"]).status_code == 401
        assert activity(api, secret, story["token"]["id"], "sampleproject").status_code == 401


def test_an_admin_reads_any_credentials_activity(api, story, clock):
    api.wiring.app.grant_admin(cli_origin(clock()), "carol")

    answer = activity(api, story["carol"], story["token"]["id"])
    assert answer.status_code == 200 and names(answer) == ["file:add", "project:release:add"]
    assert answer.json["events"][0]["ip"] == "192.0.2.10"  # admins see addresses
    assert activity(api, story["carol"], story["token"]["id"], "sampleproject").status_code == 200


@pytest.mark.parametrize("query", [
    {"since": "yesterday"}, {"since": "2026-01-01T00:00:00"},  # no time zone
    {"since": "9999-12-31T23:59:59-12:00"}, {"until": "1969-12-31T23:59:59Z"},
    {"since": "2026-06-01T00:00:00Z", "until": "2026-05-01T00:00:00Z"},
    {"limit": "100000000000000000000"}, {"limit": "0"}, {"cursor": "x\x00"},
    {"since": "2026-01-01T00:00:00+99:00"},
])
def test_bad_dates_zones_and_huge_values_are_400(api, story, query):
    answer = activity(api, story["alice"], story["token"]["id"], **query)

    assert answer.status_code == 400, (query, answer.status_code)


@pytest.mark.parametrize("credential_id", ["x", "00000000-0000-0000-0000-000000000000",
                                           "1" * 300])
def test_a_malformed_or_unknown_credential_is_not_found(api, story, credential_id):
    assert activity(api, story["alice"], credential_id).status_code == 404
    assert activity(api, story["alice"], credential_id, "sampleproject").status_code == 404


def test_a_nul_in_the_credential_id_is_400(api, story):
    assert activity(api, story["alice"], "%00").status_code == 400


def test_events_record_the_credential_that_acted(api, story):
    events = [e for e in api.wiring.app.recorder.select_notifications(1, 10_000)]
    made = [api.wiring.app.mapper.to_domain_event(n) for n in events
            if n.topic == "wharf:project:created"]
    assert str(made[0].acting_credential_id) == story["session_id"]
