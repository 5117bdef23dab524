"""`wharf audit witness`, run as a real process against the app served over HTTP on loopback:
it pins the key, accepts a log that only grew, and exits 1 once a row of the event table was
edited, deleted or reordered and the tree grown again from the changed log (as whoever changed
it would, to hide it), keeping the checkpoint it had."""

import json
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import replace
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from tests.conftest import fast_passwords
from tests.integration.conftest import Api
from tests.integration.test_audit_chain import raw
from tests.integration.test_log_tree import stored, tamper_with
from wharf.bootstrap import bootstrap, log_keys
from wharf.http.app import create_app
from wharf.security.checkpoints import SigningKey


class Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def serving(wiring):
    """The app over HTTP on a free loopback port, for as long as the `with` lasts."""
    server = make_server("127.0.0.1", 0, create_app(wiring), handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture
def served(api):
    with serving(api.wiring) as url:
        yield url


def witness(url: str, state, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wharf.cli", "audit", "witness", url,
                           "--state", str(state), *args], capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin"})


def grow(api, *names: str) -> None:
    for name in names:
        api.register(name)


def test_a_witness_pins_the_key_and_follows_a_log_that_only_grows(api, served, tmp_path):
    state = tmp_path / "witness.json"
    grow(api, "alice")
    first = witness(served, state)
    again = witness(served, state)
    grow(api, "bob", "carol")
    grown = witness(served, state)

    assert first.returncode == 0, first.stderr
    assert "pinned the log's key on first use: localhost:8000/log+" in first.stdout
    assert again.returncode == 0 and "as before" in again.stdout
    assert grown.returncode == 0, grown.stderr
    assert "and only grew" in grown.stdout
    kept = json.loads(state.read_text())
    assert kept["key"] == api.call("GET", "/api/log/key").text.strip()
    assert f"\n{len(stored(api.wiring))}\n" in kept["checkpoint"]


@pytest.mark.parametrize("tamper", ["edit", "delete", "swap"])
def test_a_row_changed_in_the_event_table_is_caught_by_the_witness(api, served, tmp_path,
                                                                   settings, tamper):
    state = tmp_path / "witness.json"
    grow(api, "alice", "bob")
    assert witness(served, state).returncode == 0
    kept = state.read_text()
    first, second = [e.id for e in stored(api.wiring)][2:4]
    tamper_with(api.wiring, tamper, first, second)
    assert api.wiring.projector.rebuild("log_tree")  # grown again from the changed log
    grow(api, "carol", "dave")

    caught = witness(served, state)

    assert caught.returncode == 1, caught.stdout + caught.stderr
    assert "REFUSED" in caught.stderr and "does not extend the one of" in caught.stderr
    assert state.read_text() == kept


def test_a_log_that_shrank_is_refused(api, served, tmp_path):
    state = tmp_path / "witness.json"
    grow(api, "alice", "bob")
    assert witness(served, state).returncode == 0
    raw(api.wiring, "DELETE FROM {table} WHERE {position} = ?", (stored(api.wiring)[-1].id,))
    api.wiring.projector.rebuild("log_tree")

    caught = witness(served, state)

    assert caught.returncode == 1 and "shrank" in caught.stderr and "rewritten" in caught.stderr


def test_a_checkpoint_not_signed_by_the_pinned_key_is_refused(api, served, tmp_path):
    elsewhere = SigningKey.derived("localhost:8000/log", b"another server's secret")
    grow(api, "alice")

    caught = witness(served, tmp_path / "witness.json", "--key", elsewhere.verifier_key)

    assert caught.returncode == 1
    assert "not signed by localhost:8000/log" in caught.stderr
    assert not (tmp_path / "witness.json").exists()


def test_a_log_out_of_reach_decides_nothing(tmp_path):
    caught = witness("http://127.0.0.1:9", tmp_path / "witness.json")

    assert caught.returncode == 2 and "nothing was checked" in caught.stderr


def test_a_witness_follows_a_rotated_key_once_told(api, tmp_path, settings):
    """The old secret, kept in WHARF_PREVIOUS_SECRET_KEYS, co-signs: a witness pinned to the
    old key still passes, and moves to the new key when given it."""
    state = tmp_path / "witness.json"
    grow(api, "alice")
    with serving(api.wiring) as before:
        assert witness(before, state).returncode == 0
    rotated = replace(settings, secret_key=b"the-new-secret-0123456789",
                      previous_secret_keys=(settings.secret_key,))
    wiring = bootstrap(rotated, api.wiring.clock, passwords=fast_passwords())
    try:
        grow(Api(wiring), "bob")
        new_key = log_keys(rotated)[0].verifier_key
        with serving(wiring) as after:
            still = witness(after, state)
            moved = witness(after, state, "--key", new_key)
            old_only = witness(after, tmp_path / "other.json", "--key",
                               log_keys(settings)[0].verifier_key)
    finally:
        wiring.close()

    assert still.returncode == 0, still.stderr
    assert f"the log now publishes the key {new_key}" in still.stdout
    assert moved.returncode == 0 and "pinned the key given instead of" in moved.stdout
    assert json.loads(state.read_text())["key"] == new_key
    assert old_only.returncode == 0  # co-signed by the retired key meanwhile
