"""Containing a stolen credential, first as a plan: what undoing its doings since a moment takes
(a dry run that changes nothing), for the credential's own account and admins."""

import pytest

from tests.integration.test_api_tokens import mint, project
from tests.integration.test_two_factor import enrolled
from tests.integration.test_uploads import upload, wheel
from wharf.domain.origin import cli_origin

ALL = ["revoke", "revoke_minted", "yank_uploads", "restore_roles", "remove_granted_roles"]


@pytest.fixture
def worm(api, clock) -> dict:
    """alice owns two projects with bob as Maintainer of one. A stolen session of hers (the
    worm) invites mallory to a role (she accepts), removes bob, mints a token, and the token
    uploads to both."""
    alice, _, _ = enrolled(api, clock, "alice")
    bob, _, _ = enrolled(api, clock, "bob")
    mallory, _, _ = enrolled(api, clock, "mallory")
    for name in ("sampleproject", "otherproject"):
        project(api, alice, name)
    api.grant(alice, "sampleproject", bob)
    since = clock.now.isoformat()
    clock.advance(minutes=1)
    stolen = alice  # the worm holds her session
    api.grant(stolen, "otherproject", mallory, "Owner")  # invited by the worm, accepted
    assert api.call("DELETE", "/api/projects/sampleproject/roles/bob", stolen).status_code == 204
    token = mint(api, stolen, description="worm").json
    for name in ("sampleproject", "otherproject"):
        assert upload(api, token["token"], *wheel(name), name=name).status_code == 200
    session_id = api.call("GET", "/api/session", alice).json["session_id"]
    return {"alice": alice, "bob": bob, "mallory": mallory, "token": token, "since": since,
            "session_id": session_id}


def plan(api, secret, credential, since, actions=ALL, **extra):
    return api.call("POST", "/api/account/containment", secret, json={
        "credential": credential, "since": since, "actions": actions, **extra})


def test_the_plan_for_a_stolen_session_undoes_everything_it_and_its_token_did(api, worm):
    answer = plan(api, worm["alice"], worm["session_id"], worm["since"])

    assert answer.status_code == 200, answer.json
    assert answer.json["dry_run"] is True and answer.json["credential"]["kind"] == "session"
    assert answer.json["steps"] == [
        {"action": "end_session", "session_id": worm["session_id"]},
        {"action": "revoke_token", "token_id": worm["token"]["id"]},
        *({"action": "yank_release", "project": name, "version": "1.0",
           "files": [f"{name}-1.0-py3-none-any.whl"]} for name in ("sampleproject",
                                                                    "otherproject")),
        {"action": "restore_role", "project": "sampleproject", "username": "bob",
         "role": "Maintainer"},
        {"action": "remove_role", "project": "otherproject", "username": "mallory",
         "role": "Owner"}]


def test_the_plan_for_a_stolen_token_yanks_what_it_uploaded(api, worm):
    answer = plan(api, worm["alice"], worm["token"]["id"], worm["since"])

    assert [s["action"] for s in answer.json["steps"]] == ["revoke_token", "yank_release",
                                                           "yank_release"]
    yanks = {s["project"]: s for s in answer.json["steps"] if s["action"] == "yank_release"}
    assert yanks["otherproject"] == {"action": "yank_release", "project": "otherproject",
                                     "version": "1.0",
                                     "files": ["otherproject-1.0-py3-none-any.whl"]}


def test_the_plan_changes_nothing_and_leaves_out_what_is_done_already(api, worm):
    plan(api, worm["alice"], worm["token"]["id"], worm["since"])
    assert upload(api, worm["token"]["token"], *wheel("sampleproject", "2.0"),
                  version="2.0").status_code == 200  # still works: a dry run
    yanked = api.call("POST", "/api/projects/sampleproject/releases/1.0/yank", worm["alice"],
                      json={"reason": "worm"})
    assert yanked.status_code == 204, yanked.json

    steps = plan(api, worm["alice"], worm["token"]["id"], worm["since"],
                 ["yank_uploads"]).json["steps"]
    assert {(s["project"], s["version"]) for s in steps} == {("otherproject", "1.0"),
                                                              ("sampleproject", "2.0")}


def test_a_later_since_narrows_the_plan(api, worm, clock):
    clock.advance(minutes=1)

    steps = plan(api, worm["alice"], worm["token"]["id"], clock.now.isoformat()).json["steps"]
    assert steps == [{"action": "revoke_token", "token_id": worm["token"]["id"]}]


def test_another_accounts_credential_is_not_found_and_an_admin_may_plan(api, worm, clock):
    assert plan(api, worm["bob"], worm["session_id"], worm["since"]).status_code == 404
    api.wiring.app.grant_admin(cli_origin(clock()), "bob")
    assert plan(api, worm["bob"], worm["session_id"], worm["since"]).status_code == 200


def test_tokens_and_anonymous_callers_are_refused(api, worm):
    assert plan(api, None, worm["token"]["id"], worm["since"]).status_code == 401
    assert plan(api, worm["token"]["token"], worm["token"]["id"],
                worm["since"]).status_code == 401


@pytest.mark.parametrize("body", [
    {"actions": []}, {"actions": ["burn_it_all"]}, {"actions": ["revoke"] * 6},
    {"since": "yesterday"}, {"since": "2026-01-01T00:00:00"},
    {"since": "9999-12-31T23:59:59-12:00"}, {"confirm": "yes please"},
    {"confirm": True, "reason": ""},
    {"confirm": True, "reason": "r" * 501}, {"confirm": True, "reason": "a\x00b"},
    {"confirm": True, "since": "9999999999-01-01T00:00:00Z"}, {"credential": "x\x00"},
    {"credential": "1" * 37},
    {"since": "2026-06-01T12:00:00+00:00\x00"},  # CPython's parser would stop at the NUL
])
def test_bad_plans_are_400(api, worm, body):
    request = {"credential": worm["token"]["id"], "since": worm["since"], "actions": ["revoke"],
               **body}
    answer = api.call("POST", "/api/account/containment", worm["alice"], json=request)

    assert answer.status_code == 400, (body, answer.json)


def test_a_malformed_or_unknown_credential_is_not_found(api, worm):
    for credential in ("x", "00000000-0000-0000-0000-000000000000"):
        assert plan(api, worm["alice"], credential, worm["since"]).status_code == 404
