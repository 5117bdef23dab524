"""Who can publish a project now: every member, their standing and each credential that reaches
the project (account-wide tokens included), for its Owners and admins only."""

from datetime import timedelta

import pytest

from tests.integration.test_api_tokens import mint, project
from tests.integration.test_authorization_matrix import second_session
from tests.integration.test_two_factor import enrolled, verified_user
from tests.integration.test_uploads import upload, wheel
from wharf.domain.origin import cli_origin

PATH = "/api/projects/sampleproject/uploaders"


@pytest.fixture
def team(api, clock) -> dict:
    """alice owns sampleproject; bob (Maintainer) has TOTP; erin (Maintainer) has none; carol
    has no role. alice and bob hold tokens of every scope, one of bob's is for elsewhere."""
    alice, alice_totp, _ = enrolled(api, clock, "alice")
    bob, _, _ = enrolled(api, clock, "bob")
    carol, _, _ = enrolled(api, clock, "carol")
    erin = verified_user(api, "erin")
    project(api, alice, "sampleproject")
    project(api, bob, "bobsproject")
    for member in (bob, erin):
        api.grant(alice, "sampleproject", member)
    tokens = {
        "alice-all": mint(api, alice, description="alice-all").json,
        "alice-proj": mint(api, alice, description="alice-proj",
                           projects=["sampleproject"]).json,
        "bob-all": mint(api, bob, description="bob-all").json,
        "bob-elsewhere": mint(api, bob, description="bob-elsewhere",
                              projects=["bobsproject"]).json,
        "bob-later": mint(api, bob, description="bob-later", not_before=(
            clock.now + timedelta(days=1)).isoformat()).json,
        "bob-expiring": mint(api, bob, description="bob-expiring", expires_at=(
            clock.now + timedelta(hours=1)).isoformat()).json,
    }
    return {"alice": alice, "alice_totp": alice_totp, "bob": bob, "carol": carol, "erin": erin, "tokens": tokens}


def member(answer: dict, username: str) -> dict:
    return next(a for a in answer["accounts"] if a["username"] == username)


def descriptions(account: dict) -> set[str]:
    return {t["description"] for t in account["tokens"]}


def test_an_owner_sees_every_member_and_each_token_that_reaches_the_project(api, team):
    answer = api.call("GET", PATH, team["alice"])

    assert answer.status_code == 200, answer.json
    assert [a["username"] for a in answer.json["accounts"]] == ["alice", "bob", "erin"]
    alice, bob, erin = (member(answer.json, n) for n in ("alice", "bob", "erin"))
    assert descriptions(alice) == {"alice-all", "alice-proj"}
    assert descriptions(bob) == {"bob-all", "bob-later", "bob-expiring"}  # not bob-elsewhere
    assert (alice["can_upload"], bob["can_upload"]) == (True, True)
    assert alice["two_factor"] == ["totp"] and erin["two_factor"] == []
    assert not erin["can_upload"] and erin["blocked"] == "no second factor"
    later = next(t for t in bob["tokens"] if t["description"] == "bob-later")
    assert later["valid_now"] is False and later["scope"] == "account"


def test_no_secret_and_no_address_of_anyone_is_shown(api, team):
    upload(api, team["tokens"]["bob-all"]["token"], *wheel())
    answer = api.call("GET", PATH, team["alice"])

    text = answer.text
    assert "192.0.2.10" not in text and "pypi-" not in text
    used = next(t for t in member(answer.json, "bob")["tokens"] if t["description"] == "bob-all")
    assert used["last_used_at"] is not None and "last_used_ip" not in used


def test_expired_and_revoked_tokens_reach_nothing(api, team, clock):
    revoked = api.call("DELETE", f"/api/account/tokens/{team['tokens']['alice-proj']['id']}",
                       team["alice"])
    assert revoked.status_code == 204
    clock.advance(hours=2)

    answer = api.call("GET", PATH, team["alice"]).json
    assert descriptions(member(answer, "alice")) == {"alice-all"}
    assert "bob-expiring" not in descriptions(member(answer, "bob"))


def test_a_frozen_account_is_shown_as_unable_to_upload(api, team, clock):
    api.wiring.app.freeze_account(cli_origin(clock()), "bob", "stolen laptop")

    bob = member(api.call("GET", PATH, team["alice"]).json, "bob")
    assert bob["frozen"] and not bob["can_upload"] and bob["blocked"] == "the account is frozen"


def test_tokens_unused_for_90_days_are_flagged(api, team, clock):
    clock.advance(days=89)
    upload(api, team["tokens"]["alice-all"]["token"], *wheel())
    clock.advance(days=1)
    session = second_session(api, clock, "alice", team["alice_totp"])  # the first one ended

    alice = member(api.call("GET", PATH, session).json, "alice")
    flags = {t["description"]: t["unused_90_days"] for t in alice["tokens"]}
    assert flags == {"alice-all": False, "alice-proj": True}


def test_trusted_publishers_are_listed_beside_the_accounts(api, team):
    added = api.call("POST", "/api/projects/sampleproject/publishers", team["alice"], json={
        "repository_owner": "octo", "repository_owner_id": "1", "repository": "sample",
        "workflow": "release.yml"})
    assert added.status_code == 201, added.json

    [publisher] = api.call("GET", PATH, team["alice"]).json["publishers"]
    assert (publisher["repository"], publisher["workflow"]) == ("sample", "release.yml")


@pytest.mark.parametrize("caller", ["bob", "carol", "erin"])
def test_maintainers_and_strangers_are_refused(api, team, caller):
    answer = api.call("GET", PATH, team[caller])

    assert answer.status_code == 403 and answer.json["code"] == "forbidden"
    assert "alice-all" not in answer.text


def test_tokens_and_anonymous_callers_are_refused(api, team):
    assert api.call("GET", PATH).status_code == 401
    assert api.call("GET", PATH, team["tokens"]["alice-all"]["token"]).status_code == 401


def test_an_admin_may_look_and_an_unknown_project_is_not_found(api, team, clock):
    api.wiring.app.grant_admin(cli_origin(clock()), "carol")

    assert api.call("GET", PATH, team["carol"]).status_code == 200
    assert api.call("GET", "/api/projects/nothing/uploaders", team["alice"]).status_code == 404
    assert api.call("GET", "/api/projects/%00/uploaders", team["alice"]).status_code in (400, 404)


def test_the_page_shows_the_owner_the_same_and_refuses_a_maintainer(api, team):
    cookie = {"Cookie": f"wharf_session={team['alice']}"}
    page = api.call("GET", "/projects/sampleproject/uploaders", headers=cookie)

    assert page.status_code == 200 and "bob-all" in page.text and "no second factor" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    refused = api.call("GET", "/projects/sampleproject/uploaders",
                       headers={"Cookie": f"wharf_session={team['bob']}"})
    assert refused.status_code == 403 and "bob-all" not in refused.text
    history = api.call("GET", "/projects/sampleproject/history", headers=cookie)
    assert 'href="/projects/sampleproject/uploaders"' in history.text
