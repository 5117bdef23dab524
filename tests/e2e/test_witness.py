"""A witness against real gunicorn workers on PostgreSQL: `wharf audit witness` follows the log
while it grows, then exits 1 once an event row was edited in the database and the views were
rebuilt from the changed log, as whoever edited it would do to hide it."""

import json
import subprocess

import pytest

from tests.e2e.processes import wharf_command

pytestmark = pytest.mark.e2e


def witness(web, state) -> subprocess.CompletedProcess:
    return subprocess.run(wharf_command("audit", "witness", web.url, "--state", str(state)),
                          capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin"})


def test_a_witness_catches_a_log_rewritten_behind_gunicorns_back(web, deployment, database,
                                                                 tmp_path):
    state = tmp_path / "witness.json"
    web.register("alice")
    pinned = witness(web, state)
    web.register("bob")
    grown = witness(web, state)
    kept = state.read_text()
    first = database.execute("SELECT MIN(notification_id) FROM wharf_events").fetchone()[0]
    database.execute("UPDATE wharf_events SET state = %s WHERE notification_id = %s",
                     (b'{"username": "mallory"}', first))
    rebuilt = deployment.cli("projections", "rebuild", "log_tree")
    web.register("carol")

    caught = witness(web, state)

    assert pinned.returncode == 0 and "pinned the log's key" in pinned.stdout, pinned.stderr
    assert grown.returncode == 0 and "only grew" in grown.stdout, grown.stderr
    assert rebuilt.returncode == 1, rebuilt.stdout  # the tree differed from the changed log
    assert caught.returncode == 1, caught.stdout
    assert "REFUSED" in caught.stderr and "does not extend the one of" in caught.stderr
    assert state.read_text() == kept
    assert json.loads(kept)["key"] == web.call("GET", "/api/log/key").text.strip()
