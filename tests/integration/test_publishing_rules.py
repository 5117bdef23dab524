"""How a project's files may arrive: "trusted publishing only" refuses API-token uploads, and
a release that comes another way than the recent ones is recorded and every Owner told."""

import pytest

from tests.integration.test_api_tokens import mint
from tests.integration.test_trusted_publishing import (  # noqa: F401 - fixtures
    PUBLISHERS,
    issuer,
    minted,
    owner,
    wiring,
)
from tests.integration.test_uploads import upload, wheel

ONLY = "/api/projects/sampleproject/trusted-publishing-only"
REFUSED = ("Project 'sampleproject' accepts uploads from its trusted publishers only: an API"
           " token cannot upload to it. Publish from the project's CI workflow, or ask an Owner"
           " to turn trusted publishing only off.")


@pytest.fixture
def token(api, owner) -> str:
    result = mint(api, owner)
    assert result.status_code == 201, result.json
    return result.json["token"]


def released(api, token: str, version: str):
    result = upload(api, token, *wheel(version=version), version=version)
    assert result.status_code == 200, result.text
    return result


def events(api, owner) -> list[dict]:
    return api.call("GET", "/api/projects/sampleproject/events", owner).json["events"]


def test_trusted_publishing_only_refuses_token_uploads_with_a_message(api, owner, token):
    turned = api.call("POST", ONLY, owner, json={"enabled": True})

    assert turned.status_code == 204, turned.json
    refused = upload(api, token, *wheel())
    assert refused.status_code == 403 and refused.json["detail"] == REFUSED
    listed = api.call("GET", PUBLISHERS, owner).json
    assert listed["trusted_publishing_only_since"] is not None


def test_trusted_publishing_only_still_takes_the_publishers_uploads(api, issuer, owner):
    assert api.call("POST", ONLY, owner, json={"enabled": True}).status_code == 204

    released(api, minted(api, issuer), "1.0")


def test_turning_it_off_lets_tokens_upload_again_and_owners_are_emailed(api, owner, token):
    assert api.call("POST", ONLY, owner, json={"enabled": True}).status_code == 204
    assert api.call("POST", ONLY, owner, json={"enabled": False}).status_code == 204

    released(api, token, "1.0")
    assert {"project:oidc:trusted-publishing-only:on",
            "project:oidc:trusted-publishing-only:off"} <= {e["name"] for e in events(api, owner)}
    subjects = [m["Subject"] for m in api.mail() if m["To"] == "alice@example.com"]
    assert "[Wharf] A project of yours now takes trusted publishers' uploads only" in subjects
    assert "[Wharf] A project of yours takes API-token uploads again" in subjects


@pytest.mark.parametrize(("body", "status", "detail"), [
    ({"enabled": False}, 409, "trusted publishing only is already off for this project"),
    ({"enabled": "yes"}, 400, None),
])
def test_a_change_that_changes_nothing_is_refused(api, owner, body, status, detail):
    result = api.call("POST", ONLY, owner, json=body)

    assert result.status_code == status
    assert detail is None or result.json["detail"] == detail


def test_it_needs_a_publisher_first(api, owner):
    publisher_id = api.call("GET", PUBLISHERS, owner).json["publishers"][0]["id"]
    assert api.call("DELETE", f"{PUBLISHERS}/{publisher_id}", owner).status_code == 204

    result = api.call("POST", ONLY, owner, json={"enabled": True})

    assert result.status_code == 409 and result.json["detail"] == (
        "add a trusted publisher first: with none and tokens refused, nothing could upload to"
        " this project")


def test_a_token_release_after_publisher_releases_is_unusual_and_owners_are_told(
        api, issuer, owner, token):
    released(api, minted(api, issuer), "1.0")
    released(api, minted(api, issuer), "1.1")

    released(api, token, "1.2")

    unusual = [e for e in events(api, owner) if e["name"] == "project:release:unusual_publisher"]
    assert [e["details"]["version"] for e in unusual] == ["1.2"]
    mails = [m for m in api.mail() if "unusual" in m["Subject"]]
    assert [m["To"] for m in mails] == ["alice@example.com"]
    assert "Release 1.2 of sampleproject was uploaded by an API token" in mails[0].get_content()


def test_a_release_by_another_publisher_is_unusual(api, issuer, owner):
    released(api, minted(api, issuer), "1.0")
    other = {"repository_owner": "octo-org", "repository_owner_id": "1234567",
             "repository": "sampleproject", "workflow": "other.yml",
             "issuer": "https://issuer.example"}
    assert api.call("POST", PUBLISHERS, owner, json=other).status_code == 201

    released(api, minted(api, issuer, environment=None, workflow_ref=(
        "octo-org/sampleproject/.github/workflows/other.yml@refs/tags/v2")), "2.0")

    unusual = [e for e in events(api, owner) if e["name"] == "project:release:unusual_publisher"]
    assert [(e["details"]["version"], e["details"]["workflow_ref"]) for e in unusual] == [
        ("2.0", "octo-org/sampleproject/.github/workflows/other.yml@refs/tags/v2")]


def test_the_usual_path_is_not_unusual(api, issuer, owner, token):
    released(api, token, "0.9")
    released(api, minted(api, issuer), "1.0")  # tokens were the way: a publisher is no alarm
    released(api, minted(api, issuer), "1.1")

    assert "project:release:unusual_publisher" not in {e["name"] for e in events(api, owner)}
