"""An export that fails once gunicorn has begun sending it: the body ends cleanly with a line
saying it is incomplete (never gunicorn's HTML error page, never a silent cut), the failure is
logged as Wharf's own error, and one failing before its first line is a problem document."""

import json

import pytest

from tests.e2e.client import PASSWORD

pytestmark = pytest.mark.e2e

INCOMPLETE = {"code": "export_incomplete", "error": "the export stopped early: it is incomplete"}


@pytest.fixture(scope="module")
def admin(web, deployment) -> str:
    for n in range(5):  # entries enough to be well under way when the broken one comes
        web.register(f"exporter{n}")
    web.register("auditor")
    assert deployment.cli("admin", "grant", "auditor").returncode == 0
    return web.token("auditor", PASSWORD)


def spoil(database, where: str) -> None:
    """Rows of the view spoiled underneath, as a store failing midway would (a view is
    rebuilt from the log alone, so nothing else is harmed)."""
    database.execute(f"UPDATE audit_log SET details = 'not json' WHERE {where}")


def test_an_export_failing_midway_ends_with_a_line_saying_so(web, admin, database, deployment):
    deployment.expect_server_error("the export stopped early")
    spoil(database, "position = (SELECT min(position) FROM audit_log)")

    export = web.call("GET", "/api/admin/events/export?format=jsonl", admin)

    assert export.status_code == 200
    assert "gunicorn" not in export.text
    lines = [json.loads(line) for line in export.text.splitlines()]
    assert len(lines) > 10 and lines[-1] == INCOMPLETE
    logged = [line for line in deployment.server_log() if "the export stopped early" in line]
    assert logged and all('"level":"error"' in line for line in logged)


def test_an_export_failing_before_its_first_line_is_a_problem_document(web, admin, database,
                                                                       deployment):
    deployment.expect_server_error("unexpected error on GET /api/admin/events/export")
    spoil(database, "TRUE")

    export = web.call("GET", "/api/admin/events/export?format=csv", admin)

    assert export.status_code == 500
    assert export.headers["Content-Type"] == "application/problem+json"
    assert export.json()["code"] == "internal_error"


@pytest.mark.parametrize("path", ["/api/health", "/login", "/simple/", "/nothing/here"])
def test_gunicorn_does_not_name_itself_and_every_answer_forbids_sniffing(web, path):
    for method in ("GET", "HEAD"):
        answer = web.call(method, path)
        assert "Server" not in answer.headers, answer.headers
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
    assert web.call("HEAD", path).content == b""


def test_a_json_body_in_a_media_type_spelled_otherwise_is_json(web):
    answer = web.call("POST", "/api/session", data=b'{"username": "x", "password": "y"}',
                      headers={"Content-Type": "Application/JSON"})

    assert answer.status_code == 401 and answer.json()["code"] == "invalid_credentials"
