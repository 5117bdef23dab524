"""The processes under test: a throwaway PostgreSQL schema and gunicorn servers started on it."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from load import Request, send

BENCH_DIR = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
WORKERS = 2


# A benchmark's clients add addresses and create projects from one address, far beyond the
# quotas a real deployment keeps: they measure the work, not the refusals.
BENCH_QUOTAS = {"WHARF_EMAIL_ADD_RATELIMIT": "999999 per day",
                "WHARF_VERIFY_EMAIL_RATELIMIT": "999999 per day",
                "WHARF_PROJECT_CREATE_USER_RATELIMIT": "999999 per hour",
                "WHARF_PROJECT_CREATE_IP_RATELIMIT": "999999 per hour"}


def wharf_environ(database_url: str, schema: str, data_dir: Path) -> dict[str, str]:
    return {**os.environ, "WHARF_DATABASE_URL": database_url, "WHARF_DATABASE_SCHEMA": schema,
            "WHARF_SECRET_KEY": "bench-secret-key-not-for-production",
            "WHARF_DATA_DIR": str(data_dir), **BENCH_QUOTAS}


def init_store(environ: dict[str, str]) -> None:
    subprocess.run([str(VENV_BIN / "wharf"), "init"], env=environ, check=True,
                   stdout=subprocess.DEVNULL)


def tear_down(servers: list, load, database_url: str, schema: str, work_dir: Path,
              failed: bool) -> None:
    """Whatever happened: show the servers' logs if it failed, stop them and the client
    processes, drop the schema and the files."""
    for server in servers:
        if failed:
            print(f"--- {server.name} log ---\n{server.log_tail()}", file=sys.stderr)
        server.stop()
    if load is not None:
        load.close()
    drop_schema(database_url, schema)
    shutil.rmtree(work_dir, ignore_errors=True)


def drop_schema(database_url: str, schema: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn's graceful shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gunicorn(name: str, app: str, environ: dict[str, str], log_dir: Path,
                   ready_path: str, extra_args: tuple[str, ...] = (),
                   workers: int = WORKERS) -> Server:
    """The same command line for every server; returns once `ready_path` answers 200."""
    port = free_port()
    log_path = log_dir / f"{name}.log"
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), *extra_args, app]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=environ, stdout=log, stderr=subprocess.STDOUT)
    server = Server(name, port, process, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{server.log_tail()}")
        try:
            if send(port, Request("GET", ready_path))[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{name} did not answer within 30 s:\n{server.log_tail()}")


def start_projections(environ: dict[str, str], log_dir: Path) -> Server:
    """`wharf projections run` (port 0: it serves nothing); stopped like a server, by SIGTERM."""
    log_path = log_dir / "projections.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(VENV_BIN / "wharf"), "projections", "run"], env=environ,
                                   stdout=log, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    server = Server("projections", 0, process, log_path)
    if process.poll() is not None:
        raise RuntimeError(f"wharf projections run exited early:\n{server.log_tail()}")
    return server
