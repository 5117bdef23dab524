"""Containing a stolen credential, applied: the plan made again and carried out in one call,
each step an event naming the containment; twice does nothing more."""

from tests.integration.test_containment_plan import ALL, plan, worm  # noqa: F401 - a fixture
from tests.integration.test_two_factor import verified_user
from tests.integration.test_uploads import upload, wheel
from wharf.domain.origin import cli_origin


def contain(api, secret, credential, since, actions=ALL, **extra):
    return plan(api, secret, credential, since, actions, confirm=True, **extra)


def history(api, secret, project):
    return api.call("GET", f"/api/projects/{project}/events", secret).json["events"]


def test_containing_a_stolen_token_revokes_it_and_yanks_what_it_uploaded(api, worm):
    answer = contain(api, worm["alice"], worm["token"]["id"], worm["since"],
                     reason="worm on 2026-06-01")

    assert answer.status_code == 200, answer.json
    assert answer.json["dry_run"] is False and answer.json["containment_id"]
    assert [s["action"] for s in answer.json["steps"]] == ["revoke_token", "yank_release",
                                                           "yank_release"]
    assert upload(api, worm["token"]["token"], *wheel("sampleproject", "2.0"),
                  version="2.0").status_code == 403
    releases = api.call("GET", "/api/projects/otherproject/releases", worm["alice"]).json
    assert [r["yanked_reason"] for r in releases["releases"]] == ["worm on 2026-06-01"]
    yank = next(e for e in history(api, worm["alice"], "otherproject")
                if e["name"] == "project:release:yank")
    assert yank["details"]["containment_id"] == answer.json["containment_id"]


def test_containing_a_stolen_session_ends_it_and_undoes_its_roles_and_tokens(api, worm, admin):
    answer = contain(api, worm["alice"], worm["session_id"], worm["since"])

    assert [s["action"] for s in answer.json["steps"]] == [
        "end_session", "revoke_token", "yank_release", "yank_release", "restore_role",
        "remove_role"]
    assert api.call("GET", "/api/session", worm["alice"]).status_code == 401
    assert upload(api, worm["token"]["token"], *wheel("sampleproject", "2.0"),
                  version="2.0").status_code == 403
    roles = api.call("GET", "/api/projects/sampleproject/roles", worm["bob"]).json["roles"]
    assert {r["username"]: r["role"] for r in roles} == {"alice": "Owner", "bob": "Maintainer"}
    restored = next(e for e in history(api, admin, "sampleproject")
                    if e["name"] == "project:role:restore")
    assert restored["details"] == {"username": "bob", "role": "Maintainer",
                                   "containment_id": answer.json["containment_id"]}
    assert api.call("GET", "/api/projects/otherproject/roles",
                    worm["mallory"]).status_code == 403


def test_applying_twice_does_nothing_the_second_time(api, worm):
    first = contain(api, worm["alice"], worm["token"]["id"], worm["since"])
    second = contain(api, worm["alice"], worm["token"]["id"], worm["since"])

    assert len(first.json["steps"]) == 3
    assert second.status_code == 200 and second.json["steps"] == []
    assert second.json["containment_id"] is None


def test_what_changed_since_the_plan_is_left_out_when_applied(api, worm):
    yanked = api.call("POST", "/api/projects/sampleproject/releases/1.0/yank", worm["alice"],
                      json={"reason": "by hand"})
    assert yanked.status_code == 204

    steps = contain(api, worm["alice"], worm["token"]["id"], worm["since"]).json["steps"]
    assert [(s["action"], s.get("project")) for s in steps] == [
        ("revoke_token", None), ("yank_release", "otherproject")]


def test_the_containment_itself_is_in_the_accounts_history(api, worm):
    answer = contain(api, worm["alice"], worm["token"]["id"], worm["since"], ["revoke"])

    events = api.call("GET", "/api/account/events", worm["alice"]).json["events"]
    applied = next(e for e in events if e["name"] == "account:containment:apply")
    assert applied["details"]["credential_id"] == worm["token"]["id"]
    assert applied["details"]["steps"] == answer.json["steps"]
    revoked = next(e for e in events if e["name"] == "account:api_token:removed")
    assert revoked["details"]["reason"] == "contained"
    assert revoked["details"]["containment_id"] == answer.json["containment_id"]


def test_applying_needs_the_sudo_window(api, worm, clock):
    clock.advance(hours=3)

    answer = contain(api, worm["alice"], worm["token"]["id"], worm["since"])
    assert answer.status_code == 403, answer.json
    assert plan(api, worm["alice"], worm["token"]["id"], worm["since"]).json["steps"]


def test_an_admin_may_apply_and_another_account_may_not(api, worm, clock):
    assert contain(api, worm["bob"], worm["token"]["id"], worm["since"]).status_code == 404
    api.wiring.app.grant_admin(cli_origin(clock()), "bob")
    api.sudo(worm["bob"])

    answer = contain(api, worm["bob"], worm["token"]["id"], worm["since"])
    assert answer.status_code == 200, answer.json
    assert len(answer.json["steps"]) == 3


def test_tokens_and_anonymous_callers_cannot_apply(api, worm):
    assert contain(api, None, worm["token"]["id"], worm["since"]).status_code == 401
    assert contain(api, worm["token"]["token"], worm["token"]["id"],
                   worm["since"]).status_code == 401


def test_an_invitation_the_stolen_session_sent_is_revoked(api, worm):
    carol = verified_user(api, "carol")
    invited = api.call("POST", "/api/projects/sampleproject/roles", worm["alice"],
                       json={"username": "carol", "role": "Owner"})
    assert invited.status_code == 201, invited.json

    answer = contain(api, worm["alice"], worm["session_id"], worm["since"],
                     ["remove_granted_roles"])
    assert answer.json["steps"][-1] == {"action": "revoke_invitation",
                                        "project": "sampleproject", "username": "carol",
                                        "role": "Owner"}
    accepted = api.call("POST", "/api/account/invitations/sampleproject/accept", carol)
    assert accepted.status_code == 404, accepted.json


def project_contain(api, secret, project, credential, since, **extra):
    return api.call("POST", f"/api/projects/{project}/containment", secret, json={
        "credential": credential, "since": since, "actions": ALL} | extra)


def test_a_projects_owner_contains_what_a_credential_did_to_that_project_only(api, worm):
    planned = project_contain(api, worm["mallory"], "otherproject", worm["session_id"],
                              worm["since"])
    assert planned.status_code == 200, planned.json
    assert [(s["action"], s["project"]) for s in planned.json["steps"]] == [
        ("yank_release", "otherproject"), ("remove_role", "otherproject")]

    applied = project_contain(api, worm["alice"], "otherproject", worm["token"]["id"],
                              worm["since"], confirm=True)
    assert applied.json["steps"] == [{"action": "yank_release", "project": "otherproject",
                                      "version": "1.0",
                                      "files": ["otherproject-1.0-py3-none-any.whl"]}]
    assert upload(api, worm["token"]["token"], *wheel("sampleproject", "2.0"),
                  version="2.0").status_code == 200  # the token itself is its account's


def test_a_projects_containment_is_for_its_owners_and_admins(api, worm, admin):
    assert project_contain(api, worm["bob"], "otherproject", worm["token"]["id"],
                           worm["since"]).status_code == 403
    assert project_contain(api, None, "otherproject", worm["token"]["id"],
                           worm["since"]).status_code == 401
    assert project_contain(api, admin, "otherproject", worm["token"]["id"],
                           worm["since"]).status_code == 200
    assert project_contain(api, admin, "nosuchproject", worm["token"]["id"],
                           worm["since"]).status_code == 404


def test_a_role_on_a_project_its_applier_no_longer_owns_is_left_alone(api, worm, admin):
    api.sudo(worm["mallory"])
    assert api.call("DELETE", "/api/projects/otherproject/roles/alice",
                    worm["mallory"]).status_code == 204  # mallory, Owner now, throws alice out

    answer = contain(api, worm["alice"], worm["session_id"], worm["since"],
                     ["restore_roles", "remove_granted_roles", "yank_uploads"])
    assert answer.status_code == 200, answer.json
    steps = answer.json["steps"]
    assert [(s["action"], s["project"]) for s in steps] == [
        ("yank_release", "sampleproject"), ("restore_role", "sampleproject")]
    # There, mallory is the last Owner: a containment never leaves a project nobody's.
    assert project_contain(api, admin, "otherproject", worm["session_id"], worm["since"],
                           confirm=True).status_code == 409
    applied = project_contain(api, admin, "otherproject", worm["session_id"], worm["since"],
                              confirm=True, actions=["yank_uploads"])
    assert [s["action"] for s in applied.json["steps"]] == ["yank_release"]


CONTAINED = "A stolen credential was contained: what it did was undone"


def told(api) -> dict[str, str]:
    """Each containment message's recipient and text (one each here)."""
    return {m["To"]: m.get_content() for m in api.mail()
            if m["Subject"].removeprefix("[Wharf] ") == CONTAINED}


def test_the_credentials_account_is_told_what_was_undone(api, worm):
    answer = contain(api, worm["alice"], worm["token"]["id"], worm["since"],
                     reason="worm on 2026-06-01")

    assert answer.status_code == 200, answer.json
    [(to, text)] = told(api).items()
    token_id = worm["token"]["id"]
    assert to == "alice@example.com"
    assert (f"An API token ({token_id}) was contained by the account it belongs to"
            f" (from 192.0.2.10): what it did since") in text
    assert f"  - API token {token_id} was revoked\n" in text
    assert "  - release 1.0 of otherproject was yanked\n" in text
    assert "The reason given: worm on 2026-06-01" in text
    assert "If this was not you, change your password now" in text


def test_a_containment_by_an_admin_says_so(api, worm, admin):
    assert contain(api, admin, worm["session_id"], worm["since"],
                   ["revoke"]).status_code == 200

    [(to, text)] = told(api).items()

    assert to == "alice@example.com"
    assert f"A log-in session ({worm['session_id']}) was contained by the administrators" in text
    assert "  - the session was ended\n" in text
    assert "Contact the administrators about it." in text


def test_nothing_left_to_do_tells_no_one(api, worm):
    contain(api, worm["alice"], worm["token"]["id"], worm["since"])
    contain(api, worm["alice"], worm["token"]["id"], worm["since"])

    assert len([m for m in api.mail()
                if m["Subject"].removeprefix("[Wharf] ") == CONTAINED]) == 1
