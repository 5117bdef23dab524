"""How much does the permanent log grow under refused log-ins from one address?

Wharf under gunicorn on loopback (PostgreSQL in a throwaway schema, then an SQLite file), with
127.0.0.1 trusted as a proxy so each scenario speaks from an address of its own
(X-Forwarded-For). Each scenario sends 1,000 log-ins one after another, all refused (401 while a
window has room, 429 after), and counts the events and bytes the log gained meanwhile:

- made-up names, a new one each time (what the attack review sent);
- one made-up name, again and again;
- one real account, wrong passwords.

Printed: the answers by status, events and bytes written per 1,000 refused log-ins, and whether
the target (at most 10 events) is met. Run: .venv/bin/python bench/refused_logins.py [ATTEMPTS]
"""

import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psycopg
from load import Request, send
from servers import drop_schema, init_store, start_gunicorn, wharf_environ

DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
WHARF_APP = "wharf.http.app:get_app()"
TARGET_EVENTS = 10
PASSWORD = "correct horse battery staple"


def log_in(port: int, address: str, username: str) -> int:
    return send(port, Request("POST", "/api/session",
                              {"username": username, "password": "not the password"},
                              headers={"X-Forwarded-For": address}))[0]


SCENARIOS = {
    "made-up names, a new one each time": lambda n: f"nobody-{secrets.token_hex(4)}-{n}",
    "one made-up name": lambda n: "ghost",
    "one real account": lambda n: "alice",
}


def run(name: str, environ: dict[str, str], log_size, work_dir: Path, attempts: int) -> None:
    init_store(environ)
    server = start_gunicorn(name, WHARF_APP, environ, work_dir, "/api/openapi.json")
    try:
        status, body = send(server.port, Request("POST", "/api/accounts", {
            "username": "alice", "password": PASSWORD, "email": "alice@example.com"}))
        assert status == 201, body
        print(f"{name}, {attempts} log-ins per scenario, one address each:")
        for number, (scenario, username) in enumerate(SCENARIOS.items()):
            address = f"198.51.100.{number + 1}"
            events, size = log_size()
            began = time.monotonic()
            answers = Counter(log_in(server.port, address, username(n)) for n in range(attempts))
            seconds = time.monotonic() - began
            more_events, more_bytes = (a - b for a, b in zip(log_size(), (events, size),
                                                             strict=True))
            refused = sum(count for code, count in answers.items() if code >= 400)
            per = 1000 / refused if refused else 0
            met = "met" if more_events * per <= TARGET_EVENTS else "NOT met"
            print(f"  {scenario:36} {dict(sorted(answers.items()))} in {seconds:4.1f} s:"
                  f" {more_events * per:5.1f} events, {more_bytes * per / 1024:6.1f} KiB"
                  f" per 1,000 refused (target <= {TARGET_EVENTS} events: {met})")
    finally:
        server.stop()


def postgres_log(schema: str):
    def size() -> tuple[int, int]:
        with psycopg.connect(DATABASE_URL) as conn:
            return conn.execute(f'SELECT COUNT(*), COALESCE(SUM(octet_length(state)), 0)'
                                f' FROM "{schema}".wharf_events').fetchone()
    return size


def sqlite_log(path: Path):
    def size() -> tuple[int, int]:
        with sqlite3.connect(path) as conn:
            return conn.execute("SELECT COUNT(*), COALESCE(SUM(length(state)), 0)"
                                " FROM stored_events").fetchone()
    return size


def main() -> None:
    attempts = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    work_dir = Path(tempfile.mkdtemp(prefix="wharf-refused-"))
    schema = f"bench_{secrets.token_hex(6)}"
    trusted = {"WHARF_TRUSTED_PROXIES": "127.0.0.1/32"}
    try:
        run("PostgreSQL", {**wharf_environ(DATABASE_URL, schema, work_dir / "pg"), **trusted},
            postgres_log(schema), work_dir, attempts)
        sqlite = {key: value for key, value in
                  wharf_environ(DATABASE_URL, schema, work_dir / "sqlite").items()
                  if key not in ("WHARF_DATABASE_URL", "WHARF_DATABASE_SCHEMA")}
        run("SQLite", {**sqlite, **trusted}, sqlite_log(work_dir / "sqlite" / "wharf.sqlite3"),
            work_dir, attempts)
    finally:
        drop_schema(DATABASE_URL, schema)
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
