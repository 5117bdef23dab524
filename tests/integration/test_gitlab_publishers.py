"""GitLab CI/CD trusted publishers: an Owner names a project's namespace, project, CI file and
optionally its environment; a pipeline's identity token matches on Warehouse's claims
(`project_path`, `sub`, `ci_config_ref_uri` at its `ref_path` or `sha`)."""

import pytest

from tests.integration.test_pending_publishers import PENDING
from tests.integration.test_trusted_publishing import (  # noqa: F401 - fixtures
    ISSUER,
    PUBLISHERS,
    exchange,
    issuer,
    owner,
    refusal,
    wiring,
)
from tests.integration.test_two_factor import verified_user
from tests.integration.test_uploads import upload, wheel
from tests.oidc_issuer import gitlab_claims

GITLAB_PUBLISHERS = "/api/projects/sampleproject/gitlab-publishers"
PUBLISHER = {"namespace": "group/sub", "project": "sampleproject",
             "workflow_filepath": "ci/release.yml", "environment": "pypi", "issuer": ISSUER}


def pipeline(api, **overrides) -> dict:
    return gitlab_claims(ISSUER, "wharf", api.wiring.clock(), **overrides)


@pytest.fixture
def gitlab_owner(api, owner) -> str:
    added = api.call("POST", GITLAB_PUBLISHERS, owner, json=PUBLISHER)
    assert added.status_code == 201, added.json
    return owner


def test_a_pipeline_of_the_publisher_uploads_and_its_run_is_recorded(api, issuer, gitlab_owner):
    result = exchange(api, issuer.sign(pipeline(api)))

    assert result.status_code == 200, result.json
    assert upload(api, result.json["token"], *wheel()).status_code == 200
    events = api.call("GET", "/api/projects/sampleproject/events", gitlab_owner).json["events"]
    run = next(e for e in events if e["name"] == "file:add")["details"]
    assert (run["project_path"], run["sha"], run["pipeline_id"]) == (
        "group/sub/sampleproject", "c" * 40, "777")
    listed = api.call("GET", PUBLISHERS, gitlab_owner).json["publishers"]
    assert {(p.get("namespace"), p.get("workflow_filepath")) for p in listed} == {
        (None, None), ("group/sub", "ci/release.yml")}


def test_the_ci_file_may_be_named_at_the_commit(api, issuer, gitlab_owner):
    at_sha = f"issuer.example/group/sub/sampleproject//ci/release.yml@{'c' * 40}"

    assert exchange(api, issuer.sign(pipeline(api, ci_config_ref_uri=at_sha))).status_code == 200


@pytest.mark.parametrize(("overrides", "wrong"), [
    ({"ci_config_ref_uri": "issuer.example/group/sub/sampleproject//ci/other.yml"
                           "@refs/tags/v1.0"}, "ci_config_ref_uri"),
    ({"ci_config_ref_uri": "issuer.example/group/sub/sampleproject//ci/release.yml"
                           "@refs/heads/evil"}, "ci_config_ref_uri"),
    ({"sub": "project_path:group/other:ref_type:tag"}, "sub"),
    ({"environment": "staging"}, "environment"),
    ({"environment": None}, "environment"),
])
def test_a_pipeline_that_is_not_the_publisher_is_refused(api, issuer, gitlab_owner, overrides,
                                                         wrong):
    result = exchange(api, issuer.sign(pipeline(api, **overrides)))

    assert refusal(result) == (422, "invalid-publisher",
                               f"the run does not match any trusted publisher of repository"
                               f" 'group/sub/sampleproject' (wrong {wrong})")


@pytest.mark.parametrize(("change", "detail"), [
    ({"namespace": "group//sub"}, "give namespace, a GitLab group or user"),
    ({"project": "a/b"}, "give project, a GitLab project's path"),
    ({"workflow_filepath": "../ci/release.yml"}, "give workflow_filepath, the CI file's path"
                                                 " in the project, ending .yml or .yaml"),
    ({"workflow_filepath": "/ci/release.yml"}, "give workflow_filepath, the CI file's path"
                                               " in the project, ending .yml or .yaml"),
    ({"workflow_filepath": "ci/./release.yml"}, "give workflow_filepath, the CI file's path"
                                                " in the project, ending .yml or .yaml"),
    ({"issuer": "https://evil.example"}, "the issuer is not one this index trusts"),
])
def test_a_gitlab_publisher_that_is_not_well_formed_is_refused(api, owner, change, detail):
    result = api.call("POST", GITLAB_PUBLISHERS, owner, json={**PUBLISHER, **change})

    assert result.status_code == 400 and result.json["detail"] == detail


def test_gitlab_com_is_the_default_issuer_and_the_default_ci_file_is_taken(api, owner):
    given = {key: value for key, value in PUBLISHER.items() if key != "issuer"}
    given["workflow_filepath"] = ".gitlab-ci.yml"

    assert api.call("POST", GITLAB_PUBLISHERS, owner, json=given).status_code == 201
    listed = api.call("GET", PUBLISHERS, owner).json["publishers"]
    assert {p["issuer"] for p in listed if "namespace" in p} == {"https://gitlab.com"}


def test_a_pending_gitlab_publisher_creates_its_project(api, issuer):
    alice = verified_user(api, "alice")
    registered = api.call("POST", "/api/account/pending-gitlab-publishers", alice,
                          json={**PUBLISHER, "project_name": "sampleproject"})
    assert registered.status_code == 201, registered.json

    result = exchange(api, issuer.sign(pipeline(api)))

    assert result.status_code == 200, result.json
    assert upload(api, result.json["token"], *wheel()).status_code == 200
    assert api.call("GET", PENDING, alice).json == {"pending_publishers": []}
