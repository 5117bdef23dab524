"""The audit log through real processes: a twine upload shows up in the project's history with
the token that made it, exports stream through gunicorn, and `wharf replay` answers who could
upload, all on PostgreSQL."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from tests.e2e.packages import build
from tests.e2e.upload_clients import maintainer, twine

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def uploaded(web, mail, deployment, tmp_path_factory) -> dict:
    """olga owns auditproject and uploads its wheel and sdist with twine and a project token;
    pavel is a Maintainer."""
    olga = maintainer(web, mail, "olga")
    olga.create_project(web, "auditproject")
    pavel = maintainer(web, mail, "pavel")
    web.grant(olga.session, "auditproject", pavel.session)
    token = olga.mint(web, "twine", projects=["auditproject"])
    built = build(tmp_path_factory.mktemp("dist") / "auditproject", "auditproject", "1.0",
                  value="audited")
    sent = twine(web, "__token__", token["token"], *built.files)
    assert sent.returncode == 0, sent.output
    return {"olga": olga, "pavel": pavel, "token_id": token["id"], "files": built.files}


def test_the_project_history_shows_each_upload_with_the_token_that_made_it(web, uploaded):
    history = web.call("GET", "/api/projects/auditproject/events", uploaded["olga"].session)

    assert history.status_code == 200, history.text
    files = [e for e in history.json()["events"] if e["name"] == "file:add"]
    assert sorted(e["details"]["filename"] for e in files) == sorted(
        f.name for f in uploaded["files"])
    assert {e["token_id"] for e in files} == {uploaded["token_id"]}
    assert {e["user_agent"].split("/")[0] for e in files} == {"twine"}
    refused = web.call("GET", "/api/projects/auditproject/events", uploaded["pavel"].session)
    assert refused.status_code == 403


def test_an_export_streams_through_gunicorn_as_csv_and_json_lines(web, uploaded):
    session = uploaded["olga"].session
    with web.http.get(f"{web.url}/api/account/events/export", params={"format": "csv"},
                      headers={"Authorization": f"Bearer {session}"}, stream=True,
                      timeout=15) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers  # streamed, not buffered
        rows = list(csv.DictReader(io.StringIO(response.text)))
    lines = web.call("GET", "/api/account/events/export", session,
                     params={"format": "jsonl"}).text.splitlines()

    assert [row["name"] for row in rows] == [json.loads(line)["name"] for line in lines]
    assert {"account:create", "account:two_factor:method_added", "file:add"} <= {
        row["name"] for row in rows}


def test_wharf_replay_says_who_could_upload_and_with_which_token(deployment, uploaded):
    now = datetime.now(UTC).isoformat()
    replayed = deployment.cli("replay", "--as-of", now, "--project", "auditproject")

    assert replayed.returncode == 0, replayed.stderr
    [project] = json.loads(replayed.stdout)["projects"]
    could = {u["username"]: [t["id"] for t in u["tokens"]] for u in project["could_upload"]}
    assert could == {"olga": [uploaded["token_id"]]}  # pavel has a role but no token
    assert {r["username"]: r["role"] for r in project["roles"]} == {
        "olga": "Owner", "pavel": "Maintainer"}
