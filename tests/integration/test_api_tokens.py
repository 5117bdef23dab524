"""API tokens: minting, listing, revoking, and the upload decision each token gets."""

import base64
import json
from datetime import timedelta
from uuid import UUID

import pytest
from pymacaroons import Macaroon

from tests.conftest import fast_passwords
from tests.integration.test_two_factor import enrolled, verified_user
from tests.older_release import write_as_an_older_release
from wharf.bootstrap import bootstrap
from wharf.domain.api_token import ApiToken
from wharf.domain.origin import Origin
from wharf.security.api_tokens import TokenRefused


def mint(api, token: str, **body):
    body.setdefault("description", "CI")
    return api.call("POST", "/api/account/tokens", token, json=body)


def project(api, token: str, name: str) -> None:
    assert api.call("POST", "/api/projects", token, json={"name": name}).status_code == 201


def decide(api, token: str, project_key: str = "sampleproject"):
    return api.wiring.upload_authority.decide(token, project_key, api.wiring.clock())


def refusal(api, token: str, project_key: str = "sampleproject") -> str:
    with pytest.raises(TokenRefused) as refused:
        decide(api, token, project_key)
    return str(refused.value)


def attenuated(token: str, caveat) -> str:
    prefix, body = token.split("-", 1)
    macaroon = Macaroon.deserialize(body)
    macaroon.add_first_party_caveat(json.dumps(caveat))
    return f"{prefix}-{macaroon.serialize()}"


@pytest.fixture
def maintainer(api, clock) -> str:
    """alice: verified email, TOTP on, the sudo window open, Owner of sampleproject."""
    session, _, _ = enrolled(api, clock)
    project(api, session, "SampleProject")
    return session


def test_a_token_is_shown_once_in_pypis_format_and_listed_without_its_secret(api, maintainer):
    minted = mint(api, maintainer, description="Upload from CI")

    assert minted.status_code == 201 and minted.json["token"].startswith("pypi-AgE")
    macaroon = Macaroon.deserialize(minted.json["token"][5:])
    assert macaroon.identifier_bytes.decode() == minted.json["id"]
    [listed] = api.call("GET", "/api/account/tokens", maintainer).json["tokens"]
    assert listed["description"] == "Upload from CI" and listed["projects"] is None
    assert minted.json["token"] not in json.dumps(listed)
    stored = [n.state for n in api.wiring.app.recorder.select_notifications(1, 1000)]
    assert not any(minted.json["token"][5:].encode() in state for state in stored)


def test_minting_needs_sudo_a_verified_email_and_a_unique_description(api, clock):
    unverified = api.user("bob")
    assert mint(api, unverified).status_code == 403
    session = verified_user(api, "carol")
    assert mint(api, session, description="CI").status_code == 201
    assert mint(api, session, description="ci").status_code == 409
    assert mint(api, session, description="x" * 101).status_code == 400
    assert mint(api, session, description="Other", projects=["nope"]).status_code == 403


UNSEEN = ["\x1f", "\x1c", "\t", "\n", "\r", "\x0b", "\x7f", "\x85", "\u2028", "\u202e",
          "\u200b", "\ufeff"]  # a lone surrogate is not JSON orjson reads: malformed_json


@pytest.mark.parametrize("unseen", UNSEEN)
def test_a_description_with_a_control_or_invisible_character_is_refused(api, clock, unseen):
    session = verified_user(api, "alice")
    assert mint(api, session, description="CI").status_code == 201

    for description in (unseen + "CI", "CI" + unseen, "C" + unseen + "I"):
        refused = mint(api, session, description=description)
        assert refused.status_code == 400, (description, refused.json)
        assert refused.json["detail"] == (
            "a token's description must not contain control characters (tabs, line breaks)"
            " or invisible formatting characters")
    assert len(api.call("GET", "/api/account/tokens", session).json["tokens"]) == 1


def test_a_description_taken_already_is_named_in_the_conflict(api):
    session = verified_user(api, "alice")
    mint(api, session, description="Release CI")

    taken = mint(api, session, description="  release ci ")

    assert taken.status_code == 409
    assert taken.json["detail"] == ("you already have a token described 'release ci'"
                                    " (descriptions are compared ignoring case)")
    assert mint(api, session, description="Release CI 2").status_code == 201


def test_an_account_wide_token_may_upload_anywhere_its_owner_may(api, maintainer):
    token = mint(api, maintainer).json["token"]

    assert decide(api, token).account_wide
    assert decide(api, token, "brand-new-project").account_wide


def test_a_project_token_is_for_its_projects_only(api, maintainer):
    project(api, maintainer, "other")
    token = mint(api, maintainer, projects=["SampleProject"]).json["token"]

    assert not decide(api, token).account_wide
    assert "not valid for project 'other'" in refusal(api, token, "other")
    assert "not valid for project 'brand-new-project'" in refusal(api, token, "brand-new-project")


def test_each_refusal_names_its_reason_in_order(api, maintainer, clock):
    token = mint(api, maintainer, expires_at=(clock.now + timedelta(hours=1)).isoformat(),
                 not_before=(clock.now + timedelta(minutes=1)).isoformat()).json["token"]

    assert "malformed" in refusal(api, "pypi-garbage")
    assert "malformed" in refusal(api, "github_pat_x")
    assert "not yet valid" in refusal(api, token)
    clock.advance(minutes=2)
    assert decide(api, token)
    clock.advance(hours=1)
    assert "expired" in refusal(api, token)


def test_an_offline_caveat_narrows_a_token_and_never_widens_it(api, maintainer, clock):
    project(api, maintainer, "other")
    token = mint(api, maintainer).json["token"]

    narrowed = attenuated(token, [1, ["other"]])
    expiring = attenuated(token, [0, int(clock.now.timestamp()) + 60,
                                  int(clock.now.timestamp())])
    legacy = attenuated(token, {"version": 1, "permissions": {"projects": ["other"]}})

    assert decide(api, narrowed, "other")
    assert "not valid for project 'sampleproject'" in refusal(api, narrowed)
    assert "not valid for project 'sampleproject'" in refusal(api, legacy)
    assert decide(api, expiring)
    clock.advance(minutes=2)
    assert "expired" in refusal(api, expiring)
    assert "does not understand" in refusal(api, attenuated(token, [99, "anything"]))
    assert "does not understand" in refusal(api, attenuated(token, "not json"))
    stripped = token.split("-", 1)[1]
    assert "signature" in refusal(api, "pypi-" + stripped[:-8] + "AAAAAAAA")


def test_a_token_for_another_user_is_refused(api, maintainer, clock):
    token = mint(api, maintainer).json["token"]

    assert "not valid for this user" in refusal(api, attenuated(token, [3, "someone-else"]))


def test_an_owner_without_a_role_email_or_second_factor_is_refused(api, maintainer, clock):
    api.register("bob")
    bob = verified_user(api, "bob2")
    bob_token = mint(api, bob).json["token"]

    assert "isn't allowed to upload to project 'sampleproject'" in refusal(api, bob_token)
    assert "two-factor authentication" in refusal(api, bob_token, "bobs-project")


def test_a_token_outside_its_validity_cannot_even_revoke_itself(api, clock, maintainer):
    expiring = mint(api, maintainer, description="short",
                    expires_at=(clock() + timedelta(hours=1)).isoformat()).json["token"]
    later = mint(api, maintainer, description="later",
                 not_before=(clock() + timedelta(days=1)).isoformat()).json["token"]
    clock.advance(hours=2)

    for token, why in ((expiring, "expired"), (later, "not yet valid")):
        refused = api.call("DELETE", "/api/token", token)
        assert refused.status_code == 403 and why in refused.status, refused.status
    assert len(api.call("GET", "/api/account/tokens", maintainer).json["tokens"]) == 2


def test_a_revoked_token_fails_at_once_and_can_revoke_itself(api, maintainer):
    first = mint(api, maintainer, description="one").json
    second = mint(api, maintainer, description="two").json["token"]

    assert api.call("DELETE", f"/api/account/tokens/{first['id']}", maintainer).status_code == 204
    assert "revoked" in refusal(api, first["token"])
    assert api.call("DELETE", "/api/token", second).status_code == 204
    assert "revoked" in refusal(api, second)
    again = api.call("DELETE", "/api/token", second)
    assert again.status_code == 403 and "revoked" in again.status
    assert api.call("GET", "/api/account/tokens", maintainer).json["tokens"] == []
    assert mint(api, maintainer, description="one").status_code == 201  # the description is free


def test_a_token_refused_outside_uploads_gets_a_code_that_says_why(api, maintainer, clock):
    revoked = mint(api, maintainer, description="revoked").json
    api.call("DELETE", f"/api/account/tokens/{revoked['id']}", maintainer)
    expiring = mint(api, maintainer, description="expiring",
                    expires_at=(clock() + timedelta(hours=1)).isoformat()).json["token"]
    clock.advance(hours=2)

    for token, code, why in [(revoked["token"], "token_revoked", "has been revoked"),
                             (expiring, "invalid_token", "is expired"),
                             ("pypi-garbage", "invalid_token", "is malformed"),
                             (None, "invalid_token", "non-existent")]:
        refused = api.call("DELETE", "/api/token", token)
        assert refused.status_code == 403 and why in refused.status, refused.status
        assert refused.json["code"] == code and why in refused.json["detail"]


def test_losing_the_role_revokes_tokens_that_reach_nothing_else(api, clock):
    owner, _, _ = enrolled(api, clock, "owner")
    project(api, owner, "alpha")
    project(api, owner, "beta")
    member, _, _ = enrolled(api, clock, "member")
    for name in ("alpha", "beta"):
        api.grant(owner, name, member)
    alpha_only = mint(api, member, description="alpha", projects=["alpha"]).json["token"]
    both = mint(api, member, description="both", projects=["alpha", "beta"]).json["token"]

    assert api.call("DELETE", "/api/projects/alpha/roles/member", owner).status_code == 204

    assert "revoked" in refusal(api, alpha_only, "alpha")
    assert decide(api, both, "beta")
    assert "isn't allowed" in refusal(api, both, "alpha")
    revoked = [n for n in api.wiring.app.recorder.select_notifications(1, 1000)
               if n.topic == ApiToken.Revoked.TOPIC]
    assert len(revoked) == 1 and b"role_lost" in revoked[0].state


def test_bearer_and_basic_forms_and_password_log_ins(api, maintainer):
    token = mint(api, maintainer).json["token"]

    def basic(user: str, password: str) -> dict:
        pair = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}

    password = api.call("DELETE", "/api/token", headers=basic("alice", "hunter2"))
    nothing = api.call("DELETE", "/api/token")

    assert password.status_code == 403 and "no longer supported" in password.status
    assert nothing.status_code == 403 and "non-existent" in nothing.status
    assert api.call("DELETE", "/api/token", headers=basic("__token__", token)).status_code == 204


def test_a_role_removal_revokes_a_token_whose_mint_the_views_have_not_seen_yet(
        api, clock, settings):
    """The token's mint is in the log but not in the views (an older release's writer): the
    project itself records the token, so the removal revokes it all the same."""
    owner, _, _ = enrolled(api, clock, "owner")
    project(api, owner, "alpha")
    member, _, _ = enrolled(api, clock, "member")
    api.grant(owner, "alpha", member)
    session = api.call("GET", "/api/session", member).json
    elsewhere = bootstrap(settings, clock, passwords=fast_passwords())
    write_as_an_older_release(elsewhere.app)  # saves, and stops before the views
    try:
        origin = Origin(UUID(session["account_id"]), "192.0.2.20", "elsewhere", clock(),
                        UUID(session["session_id"]))
        minted = elsewhere.app.mint_token(origin, "raced", ["alpha"], None, None)
    finally:
        elsewhere.close()

    assert api.call("DELETE", "/api/projects/alpha/roles/member", owner).status_code == 204

    assert "revoked" in refusal(api, minted.token, "alpha")
