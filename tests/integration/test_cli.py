"""The `wharf` command, run as a real process against both stores."""

import hashlib
import io
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import fast_passwords
from tests.integration.conftest import Api
from wharf.bootstrap import bootstrap
from wharf.cli import default_bind


def wharf(settings, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHARF_")}
    env.update(WHARF_DATA_DIR=str(settings.data_dir), WHARF_SECRET_KEY=settings.secret_key.decode())
    if settings.uses_postgres:
        env.update(WHARF_DATABASE_URL=settings.database_url,
                   WHARF_DATABASE_SCHEMA=settings.database_schema)
    return subprocess.run([sys.executable, "-m", "wharf.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_init_is_idempotent_and_admin_grant_works(settings, clock):
    assert wharf(settings, "init").returncode == 0
    assert wharf(settings, "init").returncode == 0
    wiring = bootstrap(settings, clock, passwords=fast_passwords())
    try:
        alice = Api(wiring).register("alice")
        granted = wharf(settings, "admin", "grant", "ALICE")
        assert granted.returncode == 0, granted.stderr
        assert wiring.accounts.by_id(alice)["is_admin"]
        missing = wharf(settings, "admin", "grant", "nobody")
        assert missing.returncode == 1
        assert "no account named nobody" in missing.stderr
        impossible = wharf(settings, "admin", "grant", "x" * 5000 + "\N{SNOWMAN}")
        assert impossible.returncode == 1
        assert "username must be 1-50 letters" in impossible.stderr
        assert "x" * 60 not in impossible.stderr  # the name is not echoed back
        unlocked = wharf(settings, "admin", "unlock", "alice")
        assert unlocked.returncode == 0 and "may log in again" in unlocked.stdout
    finally:
        wiring.close()


def test_catch_up_delivers_the_outbox_as_eml_files(settings, clock):
    assert wharf(settings, "init").returncode == 0
    wiring = bootstrap(settings, clock, passwords=fast_passwords())
    try:
        Api(wiring).register("alice")
    finally:
        wiring.close()

    assert wharf(settings, "projections", "catch-up").returncode == 0

    files = list((settings.data_dir / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert "To: alice@example.com" in files[0].read_text()


def test_init_creates_a_private_secret_key_when_none_is_configured(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHARF_")}
    env["WHARF_DATA_DIR"] = str(tmp_path / "var")
    subprocess.run([sys.executable, "-m", "wharf.cli", "init"], env=env, check=True, timeout=60)
    key = tmp_path / "var" / "secret.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert len(key.read_text()) >= 64
    subprocess.run([sys.executable, "-m", "wharf.cli", "init"], env=env, check=True, timeout=60)
    assert len(list((tmp_path / "var").glob("secret.key"))) == 1


@pytest.mark.parametrize("command", [["admin", "grant", "x"], ["projections", "catch-up"]])
def test_commands_refuse_to_run_without_a_secret_key(tmp_path, command):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHARF_")}
    env["WHARF_DATA_DIR"] = str(tmp_path / "var")
    result = subprocess.run([sys.executable, "-m", "wharf.cli", *command], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "WHARF_SECRET_KEY" in result.stderr


def test_rebuild_reports_where_a_view_strayed_from_the_log_and_repairs_it(settings, clock):
    assert wharf(settings, "init").returncode == 0
    wiring = bootstrap(settings, clock, passwords=fast_passwords())
    try:
        alice = Api(wiring).register("alice")
        clean = wharf(settings, "projections", "rebuild")
        with wiring.db.transaction() as cur:
            cur.execute("UPDATE accounts SET username = 'mallory' WHERE id = ?", (alice,))
        strayed = wharf(settings, "projections", "rebuild", "accounts")
        unknown = wharf(settings, "projections", "rebuild", "nonsense")

        assert clean.returncode == 0 and "they equal the live ones" in clean.stdout
        assert "audit_chain [" in clean.stderr  # the progress bar
        assert strayed.returncode == 1
        assert "accounts: 1 rows only in the live view, 1 only in the rebuilt one" in \
            strayed.stdout
        assert f"id={alice}" in strayed.stdout and "mallory" not in strayed.stdout
        assert wiring.accounts.by_id(alice)["username"] == "alice"
        assert unknown.returncode == 2 and "no view named nonsense" in unknown.stderr
    finally:
        wiring.close()


@pytest.mark.parametrize(("environ", "bind"), [
    ({}, "127.0.0.1:8000"),
    ({"PORT": "5000"}, "0.0.0.0:5000"),
    ({"PORT": "5000", "WHARF_BIND": "127.0.0.1:9000"}, "127.0.0.1:9000"),
    ({"WHARF_BIND": "unix:/run/wharf.sock"}, "unix:/run/wharf.sock"),
])
def test_serve_binds_wharf_bind_else_the_port_a_procfile_runner_gives_else_loopback(environ,
                                                                                    bind):
    assert default_bind(environ) == bind

def test_files_gc_removes_only_old_objects_no_event_references_and_says_which(settings, clock):
    from tests.integration.test_api_tokens import mint, project
    from tests.integration.test_two_factor import enrolled
    from tests.integration.test_uploads import upload, wheel

    assert wharf(settings, "init").returncode == 0
    wiring = bootstrap(settings, clock, passwords=fast_passwords())
    try:
        api = Api(wiring)
        session, _, _ = enrolled(api, clock)
        project(api, session, "sampleproject")
        assert upload(api, mint(api, session).json["token"], *wheel()).status_code == 200
        orphan = wiring.file_store.put(io.BytesIO(b"abandoned"),
                                       hashlib.sha256(b"abandoned").hexdigest(), 100)
        young = wiring.file_store.put(io.BytesIO(b"young"),
                                      hashlib.sha256(b"young").hexdigest(), 100)
        hours_ago = time.time() - 2 * 3600
        for stored in settings.files_dir.rglob("*"):
            if stored.is_file() and stored.name != young.key:
                os.utime(stored, (hours_ago, hours_ago))

        collected = wharf(settings, "files", "gc", "--grace-hours", "1")

        assert collected.returncode == 0, collected.stderr
        assert f"removed {orphan.key} (9 bytes" in collected.stdout
        assert "removed 1 unreferenced objects (9 bytes); kept 3" in collected.stdout
        assert not wiring.file_store.exists(orphan.key) and wiring.file_store.exists(young.key)
        assert all(wiring.file_store.exists(row["sha256"]) and
                   wiring.file_store.exists(row["metadata_sha256"])
                   for row in wiring.files.of_project("sampleproject"))
    finally:
        wiring.close()


def test_an_admin_sets_a_projects_upload_limit_from_the_command_line(settings, clock):
    from tests.integration.test_api_tokens import project
    from tests.integration.test_two_factor import enrolled

    assert wharf(settings, "init").returncode == 0
    wiring = bootstrap(settings, clock, passwords=fast_passwords())
    try:
        session, _, _ = enrolled(Api(wiring), clock)
        project(Api(wiring), session, "sampleproject")

        raised = wharf(settings, "admin", "upload-limit", "SampleProject", "300")
        absurd = wharf(settings, "admin", "upload-limit", "sampleproject", "0")
        missing = wharf(settings, "admin", "upload-limit", "nothing-here", "300")

        assert raised.returncode == 0 and "up to 300 MiB" in raised.stdout, raised.stderr
        assert wiring.app.upload_limit("sampleproject", 1) == 300 * 1024 * 1024
        assert absurd.returncode == 1 and "between 1 MiB and 10240 MiB" in absurd.stderr
        assert missing.returncode == 1 and "no such project" in missing.stderr
    finally:
        wiring.close()
