"""Trusted publishing: an Owner registers a CI workflow as a project's publisher; a run of it
exchanges its identity token, once, for a 15-minute upload token of that project alone, and its
uploads record the run. Every refusal says why, in PyPI's shape."""

from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import fast_passwords
from tests.integration.test_api_tokens import project
from tests.integration.test_two_factor import enrolled
from tests.integration.test_uploads import upload, wheel
from tests.oidc_issuer import Issuer, github_claims
from wharf.bootstrap import bootstrap, initialise
from wharf.domain.publishers import GITHUB, GITLAB
from wharf.security import api_tokens

ISSUER = "https://issuer.example"
PUBLISHERS = "/api/projects/sampleproject/publishers"
PUBLISHER = {"repository_owner": "octo-org", "repository_owner_id": "1234567",
             "repository": "sampleproject", "workflow": "release.yml", "environment": "pypi",
             "issuer": ISSUER}


@pytest.fixture
def issuer() -> Issuer:
    return Issuer(ISSUER)


@pytest.fixture
def wiring(settings, clock, issuer):
    """Wharf trusting GitHub, GitLab.com and the tests' issuer, whose documents it reads in
    process."""
    settings = replace(settings, oidc_issuers=(GITHUB, GITLAB, ISSUER))
    initialise(settings)
    wiring = bootstrap(settings, clock, passwords=fast_passwords(), oidc_fetch=issuer.fetch)
    yield wiring
    wiring.close()


@pytest.fixture
def owner(api, clock) -> str:
    """alice owns sampleproject, whose publisher is octo-org/sampleproject's release.yml in
    environment pypi; she also owns otherproject."""
    alice, _, _ = enrolled(api, clock, "alice")
    project(api, alice, "sampleproject")
    project(api, alice, "otherproject")
    added = api.call("POST", PUBLISHERS, alice, json=PUBLISHER)
    assert added.status_code == 201, added.json
    return alice


def claims(api, **overrides) -> dict:
    return github_claims(ISSUER, "wharf", api.wiring.clock(), **overrides)


def exchange(api, jwt: str):
    return api.call("POST", "/_/oidc/mint-token", body=f'{{"token": "{jwt}"}}')


def refusal(result) -> tuple[int, str, str]:
    error = result.json["errors"][0]
    assert result.json["message"] == "Token request failed"
    return result.status_code, error["code"], error["description"]


def minted(api, issuer, **overrides) -> str:
    result = exchange(api, issuer.sign(claims(api, **overrides)))
    assert result.status_code == 200, result.json
    return result.json["token"]


def test_the_audience_is_the_configured_one(api):
    assert api.call("GET", "/_/oidc/audience").json == {"audience": "wharf"}


def test_a_run_of_the_publisher_uploads_and_its_run_is_recorded(api, clock, issuer, owner):
    result = exchange(api, issuer.sign(claims(api)))

    assert result.status_code == 200, result.json
    assert result.json["success"] is True and result.json["token"].startswith("pypi-")
    assert result.json["expires"] == int(clock.now.timestamp()) + 900
    uploaded = upload(api, result.json["token"], *wheel())
    assert uploaded.status_code == 200, uploaded.text
    events = api.call("GET", "/api/projects/sampleproject/events", owner).json["events"]
    added = next(e for e in events if e["name"] == "file:add")
    run = added["details"]
    assert (run["repository"], run["sha"], run["run_id"]) == (
        "octo-org/sampleproject", "a" * 40, "4242")
    assert run["workflow_ref"].endswith("release.yml@refs/tags/v1.0")
    assert {"project:oidc:publisher-added", "project:oidc:token-minted"} <= {
        e["name"] for e in events}


def test_the_minted_token_carries_the_publisher_caveat_after_the_others(api, issuer, owner):
    parsed = api_tokens.parse(minted(api, issuer), "pypi")
    publisher_id = api.call("GET", PUBLISHERS, owner).json["publishers"][0]["id"]

    assert [type(c).__name__ for c in parsed.caveats] == [
        "ProjectNames", "ProjectIds", "Expiry", "Publisher"]
    assert parsed.caveats[-1].publisher_id == publisher_id


@pytest.mark.parametrize(("overrides", "wrong"), [
    ({"workflow_ref": "octo-org/sampleproject/.github/workflows/ci.yml@refs/heads/main"},
     "workflow"),
    ({"environment": "staging"}, "environment"),
    ({"environment": None}, "environment"),
    ({"repository_owner_id": "999"}, "repository_owner_id"),
])
def test_a_run_that_is_not_the_publisher_is_refused(api, issuer, owner, overrides, wrong):
    result = exchange(api, issuer.sign(claims(api, **overrides)))

    assert refusal(result) == (422, "invalid-publisher",
                               f"the run does not match any trusted publisher of repository"
                               f" 'octo-org/sampleproject' (wrong {wrong})")


def test_a_run_of_another_repository_is_refused(api, issuer, owner):
    result = exchange(api, issuer.sign(claims(api, repository="octo-org/other")))

    assert refusal(result) == (422, "invalid-publisher",
                               "no trusted publisher for repository 'octo-org/other'")


@pytest.mark.parametrize(("make", "code", "description"), [
    (lambda api, issuer: issuer.sign(claims(api, exp=int(api.wiring.clock().timestamp()) - 61)),
     "invalid-token", "the token has expired"),
    (lambda api, issuer: issuer.sign(claims(api, nbf=int(api.wiring.clock().timestamp()) + 120)),
     "invalid-token", "the token is not yet valid (nbf)"),
    (lambda api, issuer: issuer.sign(claims(api, iat=int(api.wiring.clock().timestamp()) + 120)),
     "invalid-token", "the token was issued in the future (iat)"),
    (lambda api, issuer: issuer.sign(claims(api, aud="pypi")),
     "invalid-token", "the token's audience is not 'wharf'"),
    (lambda api, issuer: issuer.sign(claims(api, iss="https://elsewhere.example")),
     "invalid-token", "the token's issuer is not trusted here"),
    (lambda api, issuer: issuer.sign(claims(api), kid="unknown-kid", key=rsa.generate_private_key(
        public_exponent=65537, key_size=2048)),
     "invalid-token", "the issuer has no key 'unknown-kid'"),
    (lambda api, issuer: issuer.sign(claims(api), key=rsa.generate_private_key(
        public_exponent=65537, key_size=2048)),
     "invalid-token", "the token's signature does not match the issuer's key"),
    (lambda api, issuer: issuer.unsigned(claims(api)),
     "invalid-token", "the token's algorithm must be RS256, not 'none'"),
    (lambda api, issuer: issuer.hmac_with_public_key(claims(api)),
     "invalid-token", "the token's algorithm must be RS256, not 'HS256'"),
    (lambda api, issuer: "not.a.jwt", "invalid-token", "the token is not a JWT"),
], ids=["expired", "not-yet-valid", "issued-in-the-future", "wrong-audience", "wrong-issuer",
        "unknown-kid", "bad-signature", "alg-none", "hs256-with-public-key", "garbage"])
def test_an_identity_token_that_is_not_genuine_and_current_is_refused(
        api, issuer, owner, make, code, description):
    assert refusal(exchange(api, make(api, issuer))) == (422, code, description)


def test_a_little_clock_skew_is_allowed(api, issuer, owner):
    now = int(api.wiring.clock().timestamp())
    assert exchange(api, issuer.sign(claims(api, iat=now + 30, nbf=now + 30))).status_code == 200
    assert exchange(api, issuer.sign(claims(api, exp=now - 30))).status_code == 200


def test_an_identity_token_is_exchanged_once(api, issuer, owner):
    jwt = issuer.sign(claims(api))
    assert exchange(api, jwt).status_code == 200

    assert refusal(exchange(api, jwt)) == (
        422, "invalid-reuse-token", "this identity token was already exchanged; each is used once")


@pytest.mark.parametrize("body", ["{}", '{"token": 1}', '{"token": "x", "more": 1}', "[]",
                                  "not json"])
def test_a_malformed_exchange_is_refused_in_pypis_shape(api, body):
    result = api.call("POST", "/_/oidc/mint-token", body=body)

    assert refusal(result)[:2] == (422, "invalid-payload")


def test_a_huge_exchange_is_refused_unread(api):
    result = api.call("POST", "/_/oidc/mint-token", body='{"token": "' + "a" * 70_000 + '"}')

    assert result.status_code == 413 and result.json["code"] == "body_too_large"


def test_an_issuer_out_of_reach_decided_nothing(api, issuer, owner):
    issuer.reachable = False

    result = exchange(api, issuer.sign(claims(api)))

    assert result.status_code == 503 and result.json["detail"] == \
        f"could not reach {ISSUER}"
    assert result.headers["Retry-After"] == "5"


def test_the_minted_token_expires_after_15_minutes(api, clock, issuer, owner):
    token = minted(api, issuer)
    clock.advance(minutes=15)

    result = upload(api, token, *wheel())

    assert result.status_code == 403 and result.json["detail"] == \
        "Invalid API Token: the token is expired"


def test_the_minted_token_cannot_upload_to_another_project(api, issuer, owner):
    result = upload(api, minted(api, issuer), *wheel("otherproject"), name="otherproject")

    assert result.status_code == 403 and result.json["detail"] == \
        "Invalid API Token: the token is not valid for project 'otherproject'"


def test_a_burned_token_is_refused(api, issuer, owner):
    token = minted(api, issuer)

    burned = api.call("POST", "/_/oidc/burn-token", body=f'{{"token": "{token}"}}')

    assert burned.status_code == 200 and burned.json == {"success": True}
    result = upload(api, token, *wheel())
    assert result.status_code == 403 and result.json["detail"] == \
        "Invalid API Token: the token has been revoked"
    events = api.call("GET", "/api/projects/sampleproject/events", owner).json["events"]
    assert "project:oidc:token-burned" in {e["name"] for e in events}


def test_a_token_of_a_removed_publisher_uploads_nothing(api, issuer, owner):
    token = minted(api, issuer)
    publisher_id = api.call("GET", PUBLISHERS, owner).json["publishers"][0]["id"]
    assert api.call("DELETE", f"{PUBLISHERS}/{publisher_id}", owner).status_code == 204

    result = upload(api, token, *wheel())

    assert result.status_code == 403
    assert "publisher of this token was removed" in result.json["detail"]
    assert refusal(exchange(api, issuer.sign(claims(api))))[1] == "invalid-publisher"


def test_a_rotated_key_is_fetched_again_at_most_once_a_minute(api, clock, issuer, owner):
    assert exchange(api, issuer.sign(claims(api))).status_code == 200
    fetched = len(issuer.fetches)
    issuer.rotate()

    early = exchange(api, issuer.sign(claims(api)))
    assert refusal(early)[2] == f"the issuer has no key '{issuer.kid}'"
    assert len(issuer.fetches) == fetched  # fetched less than a minute ago: not again
    clock.advance(seconds=61)

    assert exchange(api, issuer.sign(claims(api))).status_code == 200
    assert len(issuer.fetches) == fetched + 2  # discovery, then keys
    assert exchange(api, issuer.sign(claims(api))).status_code == 200
    assert len(issuer.fetches) == fetched + 2  # a known key is never fetched again


def test_owners_list_add_and_remove_publishers_and_are_emailed(api, clock, owner):
    bob = api.user("bob")
    api.grant(owner, "sampleproject", bob, "Owner")
    second = {**PUBLISHER, "environment": None, "workflow": "publish.yaml"}
    clock.advance(seconds=1)  # listed in the order added

    added = api.call("POST", PUBLISHERS, bob, json=second)

    assert added.status_code == 201, added.json
    listed = api.call("GET", PUBLISHERS, owner).json["publishers"]
    assert [(p["workflow"], p["environment"]) for p in listed] == [
        ("release.yml", "pypi"), ("publish.yaml", None)]
    assert api.call("POST", PUBLISHERS, bob, json=second).status_code == 409
    removed = api.call("DELETE", f"{PUBLISHERS}/{added.json['id']}", owner)
    assert removed.status_code == 204
    mails = [(m["To"], m["Subject"]) for m in api.mail() if "trusted publisher" in m["Subject"]]
    assert sorted(mails) == sorted([
        ("alice@example.com", "[Wharf] A trusted publisher was added to a project of yours"),
        ("alice@example.com", "[Wharf] A trusted publisher was added to a project of yours"),
        ("bob@example.com", "[Wharf] A trusted publisher was added to a project of yours"),
        ("alice@example.com", "[Wharf] A trusted publisher was removed from a project of yours"),
        ("bob@example.com", "[Wharf] A trusted publisher was removed from a project of yours")])


@pytest.mark.parametrize(("change", "detail"), [
    ({"repository_owner": "-bad"}, "give repository_owner, a GitHub user or org"),
    ({"repository_owner_id": "12a"}, "give repository_owner_id, its numeric id"),
    ({"repository": "a/b"}, "give repository, a repository's name"),
    ({"workflow": "release.sh"}, "give workflow, a file name ending .yml or .yaml"),
    ({"workflow": "../release.yml"}, "give workflow, a file name ending .yml or .yaml"),
    ({"environment": " "}, "environment, when given, is printable text of at most 255"
                           " characters"),
    ({"issuer": "https://evil.example"}, "the issuer is not one this index trusts"),
])
def test_a_publisher_that_is_not_well_formed_is_refused(api, owner, change, detail):
    result = api.call("POST", PUBLISHERS, owner, json={**PUBLISHER, **change})

    assert result.status_code == 400 and result.json["detail"] == detail
