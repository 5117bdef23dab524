"""Pending trusted publishers: an account registers a CI workflow for a project name nobody
holds yet; the first run of it creates the project, with that account as Owner, and uploads.
Unused, it lapses after 30 days; 100 may be registered a day."""

from datetime import timedelta

import pytest

from tests.integration.test_api_tokens import project
from tests.integration.test_trusted_publishing import (  # noqa: F401 - fixtures
    ISSUER,
    PUBLISHER,
    claims,
    exchange,
    issuer,
    refusal,
    wiring,
)
from tests.integration.test_two_factor import verified_user
from tests.integration.test_uploads import upload, wheel

PENDING = "/api/account/pending-publishers"
NEW = {**PUBLISHER, "project_name": "SampleProject"}


@pytest.fixture
def alice(api) -> str:
    return verified_user(api, "alice")


def registered(api, session, **changes) -> str:
    result = api.call("POST", PENDING, session, json={**NEW, **changes})
    assert result.status_code == 201, result.json
    return result.json["id"]


def test_a_pending_publishers_first_run_creates_the_project_with_its_owner(api, issuer, alice):
    registered(api, alice)

    result = exchange(api, issuer.sign(claims(api)))

    assert result.status_code == 200, result.json
    uploaded = upload(api, result.json["token"], *wheel())
    assert uploaded.status_code == 200, uploaded.text
    publishers = api.call("GET", "/api/projects/sampleproject/publishers", alice).json
    assert publishers["project"] == "SampleProject"
    assert [p["workflow"] for p in publishers["publishers"]] == ["release.yml"]
    assert api.call("GET", PENDING, alice).json == {"pending_publishers": []}
    names = {e["name"] for e in api.call("GET", "/api/account/events", alice).json["events"]}
    assert {"account:oidc:pending-publisher-added",
            "account:oidc:pending-publisher-used"} <= names
    subjects = {m["Subject"] for m in api.mail() if m["To"] == "alice@example.com"}
    assert {"[Wharf] A pending trusted publisher was registered by your account",
            "[Wharf] Your pending trusted publisher created a project"} <= subjects


def test_the_second_run_uses_the_projects_publisher(api, issuer, alice):
    registered(api, alice)
    assert exchange(api, issuer.sign(claims(api))).status_code == 200

    again = exchange(api, issuer.sign(claims(api)))

    assert again.status_code == 200, again.json


def test_a_pending_publisher_lapses_after_30_days(api, clock, issuer, alice):
    registered(api, alice)
    listed = api.call("GET", PENDING, alice).json["pending_publishers"]
    assert [(p["project_name"], p["expires_at"][:10]) for p in listed] == [
        ("SampleProject", (clock.now + timedelta(days=30)).date().isoformat())]
    clock.advance(days=30)

    result = exchange(api, issuer.sign(claims(api)))

    assert refusal(result) == (422, "invalid-publisher",
                               "no trusted publisher for repository 'octo-org/sampleproject'")


def test_a_name_taken_meanwhile_is_refused_at_the_exchange(api, issuer, alice):
    registered(api, alice)
    project(api, verified_user(api, "bob"), "sampleproject")

    result = exchange(api, issuer.sign(claims(api)))

    assert refusal(result) == (422, "invalid-publisher",
                               "the project name 'SampleProject' of this pending publisher"
                               " was taken meanwhile")


@pytest.mark.parametrize(("change", "status", "detail"), [
    ({"project_name": "-bad-"}, 400, "project name must be letters, digits, '.', '_' or '-',"
                                     " starting and ending with a letter or digit"),
    ({"project_name": "otherproject"}, 409, "a project named 'otherproject' already exists:"
                                           " its Owners add its trusted publishers"),
    ({"workflow": "x.sh"}, 400, "give workflow, a file name ending .yml or .yaml"),
    ({"issuer": "https://evil.example"}, 400, "the issuer is not one this index trusts"),
])
def test_a_pending_publisher_for_a_bad_or_taken_name_is_refused(api, alice, change, status,
                                                                detail):
    project(api, alice, "otherproject")

    result = api.call("POST", PENDING, alice, json={**NEW, **change})

    assert (result.status_code, result.json["detail"]) == (status, detail)


def test_the_same_pending_publisher_twice_is_refused(api, alice):
    registered(api, alice)

    result = api.call("POST", PENDING, alice, json={**NEW, "project_name": "SAMPLEPROJECT"})

    assert result.status_code == 409
    assert result.json["detail"] == "you already registered that pending publisher for this name"


def test_an_account_registers_100_pending_publishers_a_day(api, clock, alice):
    for number in range(100):
        registered(api, alice, project_name=f"p{number}")

    refused = api.call("POST", PENDING, alice, json={**NEW, "project_name": "p100"})

    assert refused.status_code == 429
    assert refused.json["detail"] == ("too many pending publishers registered by this account;"
                                      " try again later")
    clock.advance(days=1)
    again = api.log_in("alice")
    api.sudo(again)
    registered(api, again, project_name="p100")


def test_a_removed_pending_publisher_creates_nothing_and_is_emailed(api, issuer, alice):
    pending_id = registered(api, alice)

    assert api.call("DELETE", f"{PENDING}/{pending_id}", alice).status_code == 204

    assert api.call("DELETE", f"{PENDING}/{pending_id}", alice).status_code == 404
    assert refusal(exchange(api, issuer.sign(claims(api))))[1] == "invalid-publisher"
    assert "[Wharf] A pending trusted publisher of yours was removed" in {
        m["Subject"] for m in api.mail()}


def test_another_account_cannot_remove_ones_pending_publisher(api, alice):
    pending_id = registered(api, alice)
    bob = verified_user(api, "bob")

    result = api.call("DELETE", f"{PENDING}/{pending_id}", bob)

    assert result.status_code == 404
    assert len(api.call("GET", PENDING, alice).json["pending_publishers"]) == 1
