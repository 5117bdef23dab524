"""Real Wharf processes for end-to-end tests: `wharf init`, gunicorn servers, the projection loop.

Every process is started in its own process group, so stopping it also stops the workers it
forked; nothing outlives the test module that started it.
"""

import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_the_test_run() -> None:
    """In the child: get SIGTERM if the test process dies without tearing down (Linux)."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def wharf_command(*args: str) -> list[str]:
    """The installed `wharf` script beside this interpreter, or the same CLI as a module."""
    script = Path(sys.executable).with_name("wharf")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "wharf.cli", *args]


# For a module whose subject is not the quotas (concurrency, read-your-writes, load): as many
# addresses added and projects created as it needs, from 127.0.0.1 and by one account.
UNLIMITED_QUOTAS = {"WHARF_EMAIL_ADD_RATELIMIT": "100000 per day",
                    "WHARF_VERIFY_EMAIL_RATELIMIT": "100000 per day",
                    "WHARF_PROJECT_CREATE_USER_RATELIMIT": "100000 per hour",
                    "WHARF_PROJECT_CREATE_IP_RATELIMIT": "100000 per hour"}


def wharf_environ(database_url: str, schema: str, data_dir: Path) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("WHARF_")}
    return {**inherited, "PYTHONUNBUFFERED": "1", "WHARF_DATABASE_URL": database_url,
            "WHARF_DATABASE_SCHEMA": schema, "WHARF_SECRET_KEY": "e2e-secret-key-0123456789",
            "WHARF_DATA_DIR": str(data_dir), "WHARF_INSECURE_COOKIES": "1"}


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM the whole group, then SIGKILL whatever is left of it."""
        group = self.popen.pid  # start_new_session: the group id is the leader's pid
        _signal_group(group, signal.SIGTERM)
        try:
            self.popen.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _signal_group(group, signal.SIGKILL)
            self.popen.wait(timeout=STOP_TIMEOUT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _group_alive(group) and time.monotonic() < deadline:
            time.sleep(0.05)  # gunicorn workers leave just after their master
        if _group_alive(group):
            _signal_group(group, signal.SIGKILL)


@dataclass
class Server:
    process: Process
    url: str
    verify: str | bool = True  # what requests trusts to reach it: a test CA's file over TLS


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        pass


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


class Deployment:
    """One schema and one data directory, shared by every process started from here."""

    def __init__(self, database_url: str, schema: str, data_dir: Path,
                 extra_environ: dict[str, str] | None = None):
        self.environ = {**wharf_environ(database_url, schema, data_dir), **(extra_environ or {})}
        self.data_dir = data_dir
        self.outbox_dir = data_dir / "outbox"
        self._processes: list[Process] = []
        self._expected_errors: list[re.Pattern] = []

    def init(self) -> None:
        done = self.cli("init")
        assert done.returncode == 0, f"wharf init failed:\n{done.stdout}\n{done.stderr}"

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return self.run(wharf_command(*args))

    def run(self, command: list[str]) -> subprocess.CompletedProcess:
        """Run a short-lived command in this deployment's environment, to completion."""
        return subprocess.run(command, env=self.environ, capture_output=True, text=True,
                              timeout=60)

    def start_server(self, workers: int, *, host: str | None = None,
                     cli: bool = False, tls: tuple[Path, Path, Path] | None = None) -> Server:
        """A gunicorn server on a free loopback port; with `cli`, started by `wharf serve`
        exactly as the Procfile starts it (else gunicorn's own command, with the same settings
        and a 3 s graceful timeout).

        With `host` (e.g. "localhost", which browsers need for WebAuthn: the RP id must be a
        domain) the server's URL is `http://{host}:{port}` and this server alone gets
        `WHARF_ORIGIN` set to exactly that URL; without it the URL is `http://127.0.0.1:{port}`
        and the deployment's environment is used unchanged.
        """
        # The kernel picks a free port and we hand gunicorn the listening socket itself, so no
        # other process can take the port between choosing it and binding it.
        with socket.create_server(("127.0.0.1", 0)) as listener:
            port, fd = listener.getsockname()[1], listener.fileno()
            url = f"{'https' if tls else 'http'}://{host or '127.0.0.1'}:{port}"
            environ = {"WHARF_ORIGIN": url} if host else {}
            command = [sys.executable, "-m", "gunicorn", "--bind", f"fd://{fd}",
                       "--workers", str(workers), "--graceful-timeout", "3",
                       "--config", "python:wharf.http.gunicorn_conf",
                       # else every server on this host shares ~/.gunicorn/gunicorn.ctl
                       "--no-control-socket", "wharf.http.app:get_app()"]
            if tls:
                command[-1:-1] = ["--certfile", str(tls[0]), "--keyfile", str(tls[1])]
            if cli:
                command = wharf_command("serve", "--bind", f"fd://{fd}",
                                        "--workers", str(workers))
            process = self._start(f"gunicorn-{port}", command, pass_fds=(fd,),
                                  environ=environ)
        return Server(process, url, str(tls[2]) if tls else True)

    def start_process(self, name: str, command: list[str]) -> Process:
        """Another long-running process of the test's own (an OIDC issuer, say), stopped with
        the deployment's."""
        return self._start(name, command)

    def start_procfile(self, process_type: str, port: int) -> Process:
        """One process type of the repository's Procfile, under honcho, which gives it PORT
        (as platforms that read a Procfile do)."""
        bin_dir = Path(sys.executable).parent
        root = Path(__file__).resolve().parents[2]
        return self._start(f"honcho-{process_type}",
                           [str(bin_dir / "honcho"), "start", "--procfile",
                            str(root / "Procfile"), "--app-root", str(root), "--port",
                            str(port), process_type],
                           environ={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})

    def start_projections(self, name: str = "projections") -> Process:
        """A projection process; give each of several its own `name` (its log file's)."""
        return self._start(name, wharf_command("projections", "run", "--interval", "0.1"))

    def wait_until_ready(self, *servers: Server) -> None:
        for server in servers:
            _wait_for(server)

    def stop(self) -> None:
        for process in reversed(self._processes):
            process.stop()

    def running(self, name: str) -> list[Process]:
        """The processes started under `name` (e.g. "projections") that are still running."""
        return [p for p in self._processes if p.name == name and p.popen.poll() is None]

    def expect_server_error(self, pattern: str) -> None:
        """An error line a test caused on purpose (gunicorn's own, when a test kills a worker
        with SIGKILL): `server_errors` leaves out the lines this regular expression finds."""
        self._expected_errors.append(re.compile(pattern))

    def server_errors(self) -> list[str]:
        """Lines where a gunicorn master or worker reported an error or a traceback."""
        return [line for line in self.server_log()
                if ("Traceback" in line or '"level":"error"' in line
                    or '"level":"critical"' in line)
                and not any(expected.search(line) for expected in self._expected_errors)]

    def server_log(self) -> list[str]:
        """Every line the gunicorn masters and workers wrote, each after its process's name."""
        return [f"{p.name}: {line}" for p in self._processes if p.name.startswith("gunicorn")
                for line in p.log_tail(lines=10_000).splitlines()]

    def _start(self, name: str, command: list[str], pass_fds=(),
               environ: dict[str, str] | None = None) -> Process:
        log = self.data_dir / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(command, env={**self.environ, **(environ or {})}, stdout=out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True, pass_fds=pass_fds,
                                     preexec_fn=_die_with_the_test_run)
        process = Process(name, popen, log)
        self._processes.append(process)
        return process


def _get(url: str, verify: str | bool, timeout: float) -> requests.Response:
    """GET trusting `verify` alone (requests lets REQUESTS_CA_BUNDLE override it)."""
    with requests.Session() as session:
        session.trust_env = verify is True
        return session.get(url, timeout=timeout, verify=verify)


def _wait_for(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.popen.poll() is not None:
            raise RuntimeError(f"{server.process.name} exited early:\n{server.process.log_tail()}")
        # Waits as long as the deadline allows: over TLS, a handshake the client gave up on while
        # the workers booted (11 s on a busy machine) is logged by the worker (gevent) as an
        # SSLEOFError traceback, which fails the module.
        try:
            if _get(f"{server.url}/api/openapi.json", server.verify,
                    timeout=max(deadline - time.monotonic(), 1)).status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet, or its worker is still booting
        time.sleep(0.1)
    raise RuntimeError(f"{server.process.name} not ready in {READY_TIMEOUT}s:\n"
                       f"{server.process.log_tail()}")
