"""Containing a trusted publisher's stolen token (a poisoned CI run, say): it belongs to no
person, so its project's Owners (and admins) throw it away, as its run would have, and yank what
it uploaded, in one containment recorded in the project's history."""

import pytest

from tests.integration.browser import Browser
from tests.integration.test_containment_apply import contain
from tests.integration.test_containment_plan import plan
from tests.integration.test_trusted_publishing import (  # noqa: F401 - fixtures
    issuer,
    minted,
    owner,
    wiring,
)
from tests.integration.test_two_factor import enrolled
from tests.integration.test_uploads import upload, wheel

PROJECT = "/api/projects/sampleproject"


@pytest.fixture
def poisoned(api, clock, issuer, owner) -> dict:
    """A run of sampleproject's trusted publisher, poisoned, uploads 1.0 and keeps its token."""
    since = clock.now.isoformat()
    clock.advance(minutes=1)
    token = minted(api, issuer)
    assert upload(api, token, *wheel()).status_code == 200
    events = api.call("GET", f"{PROJECT}/events", owner).json["events"]
    token_id = next(e for e in events if e["name"] == "file:add")["token_id"]
    api.sudo(owner)
    return {"owner": owner, "token": token, "token_id": token_id, "since": since}


def project_contain(api, secret, poisoned, **extra):
    return api.call("POST", f"{PROJECT}/containment", secret, json={
        "credential": poisoned["token_id"], "since": poisoned["since"],
        "actions": ["revoke", "yank_uploads"]} | extra)


def test_its_projects_owner_throws_the_token_away_and_yanks_what_it_uploaded(api, poisoned):
    planned = project_contain(api, poisoned["owner"], poisoned)
    assert planned.status_code == 200, planned.json
    steps = [{"action": "burn_token", "token_id": poisoned["token_id"],
              "project": "sampleproject"},
             {"action": "yank_release", "project": "sampleproject", "version": "1.0",
              "files": ["sampleproject-1.0-py3-none-any.whl"]}]
    assert planned.json["steps"] == steps and planned.json["dry_run"] is True

    applied = project_contain(api, poisoned["owner"], poisoned, confirm=True,
                              reason="poisoned build cache")

    assert applied.status_code == 200, applied.json
    assert applied.json["steps"] == steps and applied.json["containment_id"]
    refused = upload(api, poisoned["token"], *wheel(version="1.1"), version="1.1")
    assert refused.status_code == 403 and "revoked" in refused.text
    events = api.call("GET", f"{PROJECT}/events", poisoned["owner"]).json["events"]
    record = next(e for e in events if e["name"] == "account:containment:apply")
    assert record["account"] is None and record["project"]["name"] == "sampleproject"
    assert record["details"]["credential_kind"] == "publisher_token"
    assert record["details"]["reason"] == "poisoned build cache"
    burned = next(e for e in events if e["name"] == "project:oidc:token-burned")
    assert burned["details"]["containment_id"] == applied.json["containment_id"]


def test_applying_twice_does_nothing_the_second_time(api, poisoned):
    assert len(project_contain(api, poisoned["owner"], poisoned,
                               confirm=True).json["steps"]) == 2

    again = project_contain(api, poisoned["owner"], poisoned, confirm=True)

    assert again.status_code == 200
    assert again.json["steps"] == [] and again.json["containment_id"] is None


def test_an_expired_token_is_left_alone_and_its_uploads_still_yanked(api, clock, poisoned):
    clock.advance(minutes=16)

    applied = project_contain(api, poisoned["owner"], poisoned, confirm=True)

    assert [s["action"] for s in applied.json["steps"]] == ["yank_release"]


def test_the_throwing_away_is_not_counted_as_the_tokens_own_doing(api, poisoned):
    project_contain(api, poisoned["owner"], poisoned, confirm=True)

    activity = api.call("GET", f"{PROJECT}/credentials/{poisoned['token_id']}/activity",
                        poisoned["owner"])

    assert activity.status_code == 200, activity.json
    assert [e["name"] for e in activity.json["events"]] == ["file:add", "project:release:add"]


def test_a_maintainer_may_not_and_an_admin_may_from_either_route(api, clock, poisoned,
                                                                 admin):
    bob, _, _ = enrolled(api, clock, "bob")
    api.grant(poisoned["owner"], "sampleproject", bob)
    api.sudo(bob)
    assert project_contain(api, bob, poisoned, confirm=True).status_code == 403
    assert plan(api, poisoned["owner"], poisoned["token_id"], poisoned["since"],
                ["revoke"]).status_code == 404  # not one of her own credentials

    applied = contain(api, admin, poisoned["token_id"], poisoned["since"],
                      ["revoke", "yank_uploads"])

    assert applied.status_code == 200, applied.json
    assert [s["action"] for s in applied.json["steps"]] == ["burn_token", "yank_release"]
    events = api.call("GET", f"{PROJECT}/events", poisoned["owner"]).json["events"]
    assert any(e["name"] == "account:containment:apply" for e in events)


def test_the_page_offers_it_and_applies_it(api, poisoned):
    browser = Browser(api)
    browser.cookie = poisoned["owner"]
    form = {"credential": poisoned["token_id"], "since": poisoned["since"], "revoke": "yes",
            "yank_uploads": "yes", "reason": "poisoned build cache"}

    planned = browser.post("/projects/sampleproject/containment", form)
    applied = browser.post("/projects/sampleproject/containment", {**form, "confirm": "yes"})

    assert "Throw away the trusted publisher&#39;s token" in planned.text, planned.text
    assert "The containment was applied: 2 steps" in applied.text, applied.text


def test_another_projects_owner_gets_nothing_to_do_with_it(api, clock, poisoned):
    bob, _, _ = enrolled(api, clock, "bob")
    assert api.call("POST", "/api/projects", bob, json={"name": "bobsproject"}).status_code == 201
    api.sudo(bob)

    applied = api.call("POST", "/api/projects/bobsproject/containment", bob, json={
        "credential": poisoned["token_id"], "since": poisoned["since"],
        "actions": ["revoke", "yank_uploads"], "confirm": True})

    assert applied.status_code == 200, applied.json
    assert applied.json["steps"] == [] and applied.json["containment_id"] is None
    assert upload(api, poisoned["token"], *wheel(version="1.1"), version="1.1").status_code == 200


def test_every_owner_of_the_project_is_told(api, clock, poisoned):
    bob, _, _ = enrolled(api, clock, "bob")
    api.grant(poisoned["owner"], "sampleproject", bob, "Owner")

    project_contain(api, poisoned["owner"], poisoned, confirm=True, reason="poisoned cache")

    told = {m["To"]: m.get_content() for m in api.mail() if m["Subject"].endswith(
        "A stolen credential was contained: what it did was undone")}
    assert sorted(told) == ["alice@example.com", "bob@example.com"]
    text = told["bob@example.com"]
    assert (f"A trusted publisher's upload token ({poisoned['token_id']}) was contained by an"
            f" Owner of sampleproject") in text
    assert "  - the trusted publisher's token was thrown away\n" in text
    assert "  - release 1.0 of sampleproject was yanked\n" in text
    assert "If no Owner of sampleproject meant this, tell the administrators now." in text


def test_the_projects_history_page_links_each_tokens_entries_to_its_containment(api, poisoned):
    browser = Browser(api)
    browser.cookie = poisoned["owner"]

    history = browser.get("/projects/sampleproject/history")

    assert history.status_code == 200
    link = f'href="/projects/sampleproject/containment?credential={poisoned["token_id"]}"'
    assert history.text.count(link) >= 2  # the token minted, the file and release it added
    own = browser.get("/account/history")
    assert own.status_code == 200 and "containment?credential=" not in own.text
