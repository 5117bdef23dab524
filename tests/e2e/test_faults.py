"""Faults, through real processes: a web worker killed (SIGKILL) mid-load, the projection process
killed mid-batch, PostgreSQL stopped and started again mid-load.

Through each: every write that was acknowledged is in the log; the views rebuilt from the log
equal the live ones and the log's hash chain holds; Wharf recovers with no manual step; while the
store is away every answer is a 503 with Retry-After, never a 500, and no request that could not
be checked is let through.

The module runs a PostgreSQL cluster of its own (initdb into a temporary directory, on a free
loopback port, the same server binaries): stopping it disturbs nobody else's tests on the shared
server, and the locks and backends these tests look at are only their own.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import requests

from tests.e2e.client import PASSWORD, Api
from tests.e2e.processes import UNLIMITED_QUOTAS, Deployment, Process, free_port
from tests.older_release import SCRIPT as OLDER_RELEASE

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def extra_environ() -> dict[str, str]:
    return UNLIMITED_QUOTAS  # this module's subject is not the quotas


# How long a load client waits for an answer: longer than gunicorn's 30 s worker timeout, so a
# request the server never answers shows as such, not as the client giving up first.
ANSWER_WAIT = 40.0
LEADING = '"message":"leading the projections"'
STANDING_BY = '"message":"standing by: another process leads the projections"'

# A real writer (the Application the web workers run) that saves and never catches the views
# up: what it writes reaches the views only through the projection process.
WRITER_WITHOUT_VIEWS = f"""
import sys
from wharf.bootstrap import bootstrap, utc_now
from wharf.domain.origin import cli_origin
from wharf.settings import from_environ

name = sys.argv[1]
wiring = bootstrap(from_environ())
{OLDER_RELEASE}origin = cli_origin(utc_now())
account_id = wiring.app.register(origin, name, {PASSWORD!r}, name + "@example.com")
account = wiring.app.repository.get(account_id)  # projects need a verified email
nonce = next(iter(account.emails.values()))["nonce"]
wiring.app.verify_email(origin, wiring.app.verification_tokens.issue(account_id, nonce))
wiring.app.create_project(origin.acting_as(account_id), name + "-project")
wiring.close()
print(account_id)
"""


# The module's own PostgreSQL

def postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl are: pg_config's bindir, else the newest Debian-style install."""
    candidates = []
    if shutil.which("pg_config"):
        done = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(Path(done.stdout.strip()))
    installs = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(installs, key=lambda p: [int(n) for n in p.parent.name.split(".")
                                                  if n.isdigit()], reverse=True)
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).parent)
    return next((c for c in candidates if (c / "initdb").exists() and (c / "pg_ctl").exists()),
                None)


class PrivatePostgres:
    """A throwaway cluster: trust authentication, 127.0.0.1 on a free port, run as the
    `postgres` user when the tests run as root (the server refuses to run as root)."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="wharf-faults-pg-"))
        self.data, self.log = self.root / "data", self.root / "postgres.log"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as_owner = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            self._as_owner = ["runuser", "-u", "postgres", "--"]

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync")
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30",
                  "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "-m", mode, "stop")

    def running(self) -> bool:
        done = subprocess.run([*self._as_owner, str(self.bindir / "pg_ctl"), "-D",
                               str(self.data), "status"], capture_output=True, timeout=30)
        return done.returncode == 0

    def ensure_running(self) -> None:
        if not self.running():
            self.start()

    def destroy(self) -> None:
        if self.data.exists() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self._as_owner, str(self.bindir / tool), *args],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (f"{tool} {' '.join(args)} failed:\n{done.stdout}\n"
                                      f"{done.stderr}\n{self.log_tail()}")


@pytest.fixture(scope="module")
def private_postgres():
    bindir = postgres_bindir()
    if bindir is None:
        message = "no PostgreSQL server binaries (initdb, pg_ctl) for a cluster of our own"
        if os.environ.get("WHARF_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    server = PrivatePostgres(bindir)
    try:
        server.create()
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="module")
def postgres_url(private_postgres) -> str:
    """This module's deployment lives in its own cluster (overrides the shared server)."""
    return private_postgres.url


class Store:
    """Fresh connections to the deployment's schema: a connection kept open would not survive
    the PostgreSQL restart."""

    def __init__(self, deployment: Deployment):
        self.url = deployment.environ["WHARF_DATABASE_URL"]
        self.schema = deployment.environ["WHARF_DATABASE_SCHEMA"]

    def connect(self, **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.url, connect_timeout=5,
                               options=f"-c search_path={self.schema}", **kwargs)

    def rows(self, statement: str, params=()) -> list[tuple]:
        with self.connect(autocommit=True) as conn:
            return conn.execute(statement, params).fetchall()

    def originators_in_log(self, ids) -> set[str]:
        return {row[0] for row in self.rows(
            "SELECT DISTINCT originator_id::text FROM wharf_events"
            " WHERE originator_id::text = ANY(%s)", (list(ids),))}

    def usernames_in_view(self, ids) -> dict[str, str]:
        return dict(self.rows("SELECT id, username FROM accounts WHERE id = ANY(%s)",
                              (list(ids),)))

    def lock_holders(self, name: str, seed: int) -> list[int]:
        """The backends holding one of Wharf's advisory locks, named as Wharf names it
        (wharf.projections.database: hashtextextended('wharf:<schema>:<name>', seed))."""
        return [row[0] for row in self.rows(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(%s, %s)",
            (f"wharf:{self.schema}:{name}", seed))]


@pytest.fixture(scope="module")
def store(deployment) -> Store:
    return Store(deployment)


# Load: clients in background threads, every answer kept

@dataclass
class Answer:
    kind: str
    label: str
    started: float
    ended: float
    status: int | None  # None: no HTTP answer at all (the connection broke)
    error: str = ""
    retry_after: str | None = None
    code: str | None = None
    created_id: str | None = None

    def __str__(self) -> str:
        return (f"{self.kind} {self.label}: {self.status or self.error}"
                f"{' ' + self.code if self.code else ''} after {self.ended - self.started:.1f}s")


class Load:
    """Clients of one server, each in a thread of its own, sending one kind of request in a
    loop until the `with` block ends."""

    def __init__(self, url: str):
        self.url = url
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def registrations(self, kind: str, prefix: str = "") -> None:
        """POST /api/accounts, username `<prefix><kind>n`; a 201 is an acknowledged write."""
        self._start(kind, lambda api, label: api.call("POST", "/api/accounts", json={
            "username": label, "password": PASSWORD, "email": f"{label}@example.com"}), prefix)

    def projects(self, kind: str, token: str, prefix: str = "") -> None:
        """POST /api/projects as the owner of `token`; a 201 is an acknowledged write."""
        self._start(kind, lambda api, label: api.call("POST", "/api/projects", token,
                                                      json={"name": label}), prefix)

    def reads(self, kind: str, path: str, token: str | None = None) -> None:
        self._start(kind, lambda api, label: api.call("GET", path, token), pause=0.02)

    def of(self, kind: str, since: float = 0.0, until: float = float("inf")) -> list[Answer]:
        """The answers of one kind to requests sent at `since` or later and answered by
        `until`."""
        with self._lock:
            return [a for a in self.answers if a.kind == kind and a.started >= since
                    and a.ended <= until]

    def wait_for(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"{what}: not within {timeout}s\n{self.summary()}"
            time.sleep(0.05)

    def summary(self) -> str:
        with self._lock:
            counts = Counter((a.kind, a.status or a.error.split(":")[0]) for a in self.answers)
        return "\n".join(f"  {kind} {status}: {n}" for (kind, status), n in sorted(
            counts.items(), key=str))

    def __enter__(self) -> "Load":
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=ANSWER_WAIT + 5)  # a request in flight ends by then
        assert not any(t.is_alive() for t in self._threads), "a load thread did not stop"

    def _start(self, kind: str, send, prefix: str = "", pause: float = 0.0) -> None:
        def loop() -> None:
            api, n = Api(self.url), 0
            api.timeout = ANSWER_WAIT
            while not self._stop.is_set():
                n += 1
                label, started = f"{prefix}{kind}{n}", time.monotonic()
                try:
                    response = send(api, label)
                except requests.RequestException as error:
                    answer = Answer(kind, label, started, time.monotonic(), None,
                                    error=f"{type(error).__name__}: {error}")
                else:
                    answer = Answer(kind, label, started, time.monotonic(),
                                    response.status_code,
                                    retry_after=response.headers.get("Retry-After"))
                    body = _json(response)
                    answer.code = body.get("code")
                    if response.status_code == 201:
                        answer.created_id = body.get("id")
                with self._lock:
                    self.answers.append(answer)
                self._stop.wait(pause if answer.status else max(pause, 0.05))  # no busy loop

        thread = threading.Thread(target=loop, name=f"load-{kind}", daemon=True)
        self._threads.append(thread)
        thread.start()


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# Processes

def workers_of(master: Process, count: int) -> set[int] | None:
    """The gunicorn master's worker pids once there are `count` of them, else None."""
    found = children(master.popen.pid)
    return found if len(found) == count else None


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (a gunicorn master's workers)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # it ended while we looked
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def serving(pid: int, port: int) -> bool:
    """Whether process `pid` holds an established TCP connection on local port `port`: a
    gunicorn sync worker does exactly while it serves a request."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rpartition(":")[2], 16)
            if fields[3] == "01" and local_port == port and fields[9] in inodes:
                return True
    return False


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout}s"
        time.sleep(0.05)
    return result


def log_lines(process: Process, containing: str) -> int:
    text = process.log.read_text(errors="replace") if process.log.exists() else ""
    return sum(containing in line for line in text.splitlines())


def leader(deployment: Deployment) -> Process:
    """The running projection process that leads: the last of them to have said so."""
    leaders = [p for p in deployment.running("projections") if log_lines(p, LEADING)]
    assert leaders, "no running projection process leads"
    return max(leaders, key=lambda p: p.log.stat().st_mtime)


def write_without_views(deployment: Deployment, name: str) -> str:
    """Register `name` and create `<name>-project` without touching the views; the account id."""
    done = deployment.run([sys.executable, "-c", WRITER_WITHOUT_VIEWS, name])
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def wait_for_views_to_reach_the_log(web: Api, timeout: float = 20.0) -> None:
    """Only reads: GET /api/ready until it says the views trail the log by nothing."""
    def caught_up() -> bool:
        try:
            ready = web.call("GET", "/api/ready")
        except requests.RequestException:
            return False
        return ready.status_code == 200 and ready.json()["lag"] == 0

    wait_until(caught_up, timeout, "the views reaching the log (GET /api/ready lag 0)")


def assert_views_equal_the_log(deployment: Deployment) -> None:
    rebuilt = deployment.cli("projections", "rebuild")
    assert rebuilt.returncode == 0, f"rebuilt views differ from live ones:\n{rebuilt.stdout}"
    assert "they equal the live ones" in rebuilt.stdout
    verified = deployment.cli("audit", "verify")
    assert verified.returncode == 0, f"the hash chain fails:\n{verified.stdout}{verified.stderr}"


def server_of(deployment: Deployment, web: Api) -> Process:
    [master] = deployment.running(f"gunicorn-{urlsplit(web.url).port}")
    return master


# The tests

def test_a_web_worker_killed_mid_load_loses_no_acknowledged_write(web, deployment, store):
    port = urlsplit(web.url).port
    master = server_of(deployment, web)
    workers = wait_until(lambda: workers_of(master, 2), 15, "the server's two workers")

    with Load(web.url) as load:
        for client in "abc":  # three clients for two workers: both are always busy
            load.registrations(f"kill{client}")
        load.wait_for(lambda: sum(a.status == 201 for a in load.answers) >= 3, 30,
                      "registrations under load")
        victim = wait_until(lambda: next((pid for pid in children(master.popen.pid)
                                          if serving(pid, port)), None),
                            10, "a worker serving a request")
        deployment.expect_server_error(rf"Worker \(pid:{victim}\) was sent SIGKILL")
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        replacement = wait_until(lambda: (workers_of(master, 2) or workers) - workers, 20,
                                 "gunicorn replacing the killed worker")
        assert victim not in children(master.popen.pid)
        load.wait_for(lambda: sum(a.status == 201 for a in load.answers
                                  if a.started > killed_at) >= 6, 30,
                      "registrations after the kill")

    answers = load.answers
    assert {a.status for a in answers} <= {201, None}, load.summary()  # no 500, no 5xx at all
    dropped = [a for a in answers if a.status is None]
    assert all(a.error.startswith("ConnectionError") for a in dropped), [str(a) for a in dropped]
    # A gevent worker serves several requests at once: all of those may be lost, no other.
    assert all(a.started < killed_at for a in dropped), "only requests in flight may be lost"
    assert len(dropped) <= 3, "at most one per client"

    acknowledged = {a.created_id: a.label for a in answers if a.status == 201}
    assert store.originators_in_log(acknowledged) == set(acknowledged)
    wait_for_views_to_reach_the_log(web)
    assert store.usernames_in_view(acknowledged) == acknowledged
    assert_views_equal_the_log(deployment)

    in_order = [a.label for a in answers if a.status == 201]
    for username in (in_order[0], in_order[-1]):  # the first and last acknowledged can log in
        assert web.log_in(username)["token"]
    assert web.call("GET", "/api/health").status_code == 200
    web.register("after-the-kill")
    assert log_lines(master, f"Worker (pid:{victim}) was sent SIGKILL") == 1
    assert replacement
    assert deployment.server_errors() == []
    print(f"{len(acknowledged)} registrations acknowledged, {len(dropped)} dropped by the kill")


def test_a_standby_takes_over_from_a_projection_process_killed_mid_batch(web, deployment, store):
    dying = leader(deployment)
    standby = deployment.start_projections()
    wait_until(lambda: log_lines(standby, STANDING_BY), 20, "the second process standing by")

    # The leader's next batch blocks on a view table, inside its open catch-up transaction.
    blocker = store.connect()
    try:
        blocker.execute("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
        account_id = write_without_views(deployment, "stranded")
        [batch] = wait_until(lambda: store.rows(
            "SELECT pid, backend_xid IS NOT NULL FROM pg_locks JOIN pg_stat_activity USING (pid)"
            " WHERE relation = 'audit_log'::regclass AND NOT pg_locks.granted"), 15,
            "the leader's batch reaching the locked view table")
        pid, wrote_rows = batch
        assert store.lock_holders("views", 0) == [pid], "the batch holds the views lock"
        assert wrote_rows, "the batch has written view rows, not committed yet"

        dying.popen.send_signal(signal.SIGKILL)
        dying.popen.wait(timeout=5)
        killed_at = time.monotonic()
        wait_until(lambda: log_lines(standby, LEADING), 5, "the standby taking the lead")
        takeover = time.monotonic() - killed_at
        assert store.usernames_in_view([account_id]) == {}, "the dead batch committed nothing"
    finally:
        blocker.rollback()  # the dead leader's backend then finds its client gone and rolls back
        blocker.close()

    wait_for_views_to_reach_the_log(web)
    project = web.call("GET", "/api/projects/stranded-project")
    assert project.status_code == 200, project.text
    assert project.json()["maintainers"] == ["stranded"]
    assert store.usernames_in_view([account_id]) == {account_id: "stranded"}
    assert_views_equal_the_log(deployment)
    assert standby.popen.poll() is None, standby.log_tail()
    assert log_lines(standby, "projection pass failed") == 0, standby.log_tail()
    print(f"standby led {takeover:.2f}s after the SIGKILL")


LOAD_KINDS = {  # what each kind of request may be answered, at any moment
    "register": {201, 503},  # POST /api/accounts
    "project": {201, 503},  # POST /api/projects, by a live session
    "account": {200, 503},  # GET /api/account, by a live session
    "bogus": {401, 503},  # GET /api/account, with a token that was never issued
    "ended": {401, 503},  # POST /api/projects, by a session that logged out
    "ready": {200, 503},  # GET /api/ready
    "health": {200},  # GET /api/health: never asks the store
}
STORE_KINDS = [kind for kind in LOAD_KINDS if kind != "health"]
RECOVERY_WAIT = 30.0


@pytest.fixture
def roomy_web(deployment, projections):
    """A server of its own for one test, with a worker for each client of the load: no request
    waits for a worker another holds, so how long an answer takes is Wharf's doing alone."""
    server = deployment.start_server(workers=len(LOAD_KINDS))
    deployment.wait_until_ready(server)
    try:
        yield server
    finally:
        server.process.stop()


def answered(call, status: int, timeout: float = 30.0) -> requests.Response:
    """Send until the answer has `status`: right after PostgreSQL came back, a connection a
    worker pooled before the restart fails its first request with a 503."""
    deadline = time.monotonic() + timeout
    while (response := call()).status_code != status:
        assert response.status_code == 503 and time.monotonic() < deadline, response.text
        time.sleep(0.1)
    return response


def until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not (met := condition()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return bool(met)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgresql_restarted_mid_load(mode, roomy_web, deployment, store, private_postgres,
                                       mail):
    """PostgreSQL stops under load and stays down until Wharf has answered a request of every
    kind sent after it stopped (at most ANSWER_WAIT + 5 s), then starts again.

    `fast`: PostgreSQL ends every session with an error, then stops; `immediate`: it dies at
    once, as in a crash, and replays its WAL when it starts."""
    server, web = roomy_web.process, Api(roomy_web.url)
    owner = f"owner-{mode}"
    answered(lambda: web.call("POST", "/api/accounts", json={
        "username": owner, "password": PASSWORD, "email": f"{owner}@example.com"}), 201)
    web.verify_email(mail, f"{owner}@example.com")  # projects need it
    log_in = {"username": owner, "password": PASSWORD}
    token = answered(lambda: web.call("POST", "/api/session", json=log_in), 201).json()["token"]
    ended = answered(lambda: web.call("POST", "/api/session", json=log_in), 201).json()["token"]
    answered(lambda: web.call("DELETE", "/api/session", ended), 204)
    projection_processes = deployment.running("projections")
    assert projection_processes
    success = {kind: min(statuses) for kind, statuses in LOAD_KINDS.items()}

    def every_kind_succeeded(since: float) -> bool:
        return all(any(a.status == success[kind] for a in load.of(kind, since=since))
                   for kind in LOAD_KINDS)

    with Load(web.url) as load:
        load.registrations("register", prefix=f"{mode}-")
        load.projects("project", token, prefix=f"{mode}-")
        load.reads("account", "/api/account", token)
        load.reads("bogus", "/api/account", "not-a-session-token")
        load.projects("ended", ended, prefix=f"{mode}-")
        load.reads("ready", "/api/ready")
        load.reads("health", "/api/health")
        load.wait_for(lambda: every_kind_succeeded(0.0), 20, "every kind of request answered")
        try:
            private_postgres.stop(mode)
            stopped_at = time.monotonic()
            until(lambda: all(load.of(kind, since=stopped_at) for kind in STORE_KINDS),
                  ANSWER_WAIT + 5)
        finally:
            restarting_at = time.monotonic()
            private_postgres.ensure_running()
        started_at = time.monotonic()
        recovered = until(lambda: every_kind_succeeded(started_at)
                          or server.popen.poll() is not None, RECOVERY_WAIT)
        recovered_in = time.monotonic() - started_at

    # Everything that went wrong, at once.
    problems = []
    wrong = [a for a in load.answers if a.status not in LOAD_KINDS[a.kind]]
    if wrong:
        counts = Counter(f"{a.kind} {a.status or a.error.split(':')[0]}" for a in wrong)
        problems.append(f"answers Wharf must not give: {dict(counts)}; e.g."
                        f" {', '.join(map(str, wrong[:3]))}")
    unhinted = [str(a) for a in load.answers if a.status == 503
                and not (a.retry_after and int(a.retry_after) > 0
                         and a.code in ("store_unavailable", "views_behind"))]
    if unhinted:
        problems.append(f"503s without Retry-After, or for another reason: {unhinted[:3]}")
    during = {kind: load.of(kind, since=stopped_at, until=restarting_at) for kind in LOAD_KINDS}
    for kind in STORE_KINDS:
        if not during[kind]:
            problems.append(f"no {kind} request sent while PostgreSQL was down was answered"
                            f" in the {restarting_at - stopped_at:.0f}s it stayed down")
        if {a.status for a in during[kind]} - {503}:
            problems.append(f"{kind} answered other than 503 while PostgreSQL was down:"
                            f" {[str(a) for a in during[kind] if a.status != 503][:3]}")
    if {a.status for a in during["health"]} - {200}:
        problems.append("/api/health answered other than 200 while PostgreSQL was down")
    if server.popen.poll() is not None:
        last_words = [line for line in server.log_tail(10_000).splitlines()  # gunicorn's own
                      if '"gunicorn.error"' in line and '"level":"info"' not in line][-3:]
        problems.append(f"the server exited (code {server.popen.returncode}):\n"
                        + "\n".join(line[:300] for line in last_words))
    elif not recovered:
        lacking = [kind for kind in LOAD_KINDS if not any(
            a.status == success[kind] for a in load.of(kind, since=started_at))]
        problems.append(f"no success for {lacking} within {RECOVERY_WAIT}s of the restart")
    problems += [f"logged: {line[:300]}" for line in deployment.server_errors()
                 if line.startswith(f"{server.name}:")][:6]
    assert not problems, "\n".join(problems) + f"\n{load.summary()}"

    acknowledged = {a.created_id for a in load.answers if a.status == 201}
    assert store.originators_in_log(acknowledged) == acknowledged
    registered = {a.created_id: a.label for a in load.of("register") if a.status == 201}
    wait_for_views_to_reach_the_log(web)
    assert store.usernames_in_view(registered) == registered
    assert_views_equal_the_log(deployment)

    # The projection processes lived through it, and one leads again: it alone brings what a
    # writer without views saves into the views (no request below writes). It backs off while
    # the store is away (up to 5 s between attempts), hence the longer wait.
    assert all(p.popen.poll() is None for p in projection_processes)
    write_without_views(deployment, f"after-{mode}")
    wait_for_views_to_reach_the_log(web, timeout=40)
    answered(lambda: web.call("GET", f"/api/projects/after-{mode}-project"), 200)
    assert len(store.lock_holders("wharf:projections", 2)) == 1, "one process holds the lead"
    slowest = max(a.ended - a.started for kinds in during.values() for a in kinds)
    print(f"{mode}: down {restarting_at - stopped_at:.1f}s, {sum(map(len, during.values()))}"
          f" answers meanwhile (slowest {slowest:.1f}s); every kind answered again"
          f" {recovered_in:.1f}s after the start")


def test_a_server_started_while_postgresql_is_down_answers_503_then_serves(
        deployment, projections, private_postgres):
    private_postgres.stop("fast")
    try:
        server = deployment.start_server(workers=1)
        web = Api(server.url)
        [down] = wait_until(lambda: _answer(web, "/api/health"), 20, "the server answered")
    finally:
        private_postgres.ensure_running()

    assert down.status_code == 503 and down.headers["Retry-After"]
    assert down.json()["code"] == "store_unavailable"
    answered(lambda: web.call("GET", "/api/ready"), 200)
    assert server.process.popen.poll() is None
    server.process.stop()


def _answer(web: Api, path: str) -> list[requests.Response]:
    """[the answer], or [] while the server is not listening yet (a 503 is a falsy Response)."""
    try:
        return [web.call("GET", path)]
    except requests.ConnectionError:
        return []
