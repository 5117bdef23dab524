"""`/api/health` and a log-in, without and then with slow clients holding connections open.

Run: .venv/bin/python bench/slow_clients.py   (figures are printed, never asserted)

Wharf runs as `wharf serve` runs it (the Procfile's `web`), on SQLite in a temporary data
directory, or on a throwaway PostgreSQL schema with `--database-url`. `--gunicorn-args` adds
gunicorn settings through GUNICORN_CMD_ARGS (e.g. `"--worker-class sync"`), to compare worker
models with the same clients.
"""

import argparse
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from load import machine_busy, percentile
from servers import VENV_BIN, drop_schema, free_port, init_store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.e2e.slow_clients import KINDS, SlowClients  # noqa: E402

PASSWORD = "bench-slow-clients-password-7d1e"
ANSWER_WAIT = 10.0  # seconds a probe waits for its answer; longer counts as failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL (a throwaway schema); default SQLite")
    parser.add_argument("--slow", type=int, default=50, help="slow connections")
    parser.add_argument("--interval", type=float, default=3.0,
                        help="seconds between the bytes each slow client sends")
    parser.add_argument("--seconds", type=float, default=20.0, help="probing time per phase")
    parser.add_argument("--gunicorn-args", default="", help="added as GUNICORN_CMD_ARGS")
    args = parser.parse_args(argv)

    work_dir = Path(tempfile.mkdtemp(prefix="wharf-bench-slow-"))
    schema = f"bench_{secrets.token_hex(6)}"
    environ = {**os.environ, "WHARF_DATA_DIR": str(work_dir / "var"),
               "WHARF_SECRET_KEY": "bench-secret-key-not-for-production",
               "GUNICORN_CMD_ARGS": args.gunicorn_args}
    if args.database_url:
        environ |= {"WHARF_DATABASE_URL": args.database_url, "WHARF_DATABASE_SCHEMA": schema}
    print(f"machine busy before the run: {machine_busy():.0%}; store: "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}; gunicorn extra: "
          f"{args.gunicorn_args or '(none)'}")
    server = None
    try:
        init_store(environ)
        port = free_port()
        server = start_serve(environ, port, work_dir / "serve.log")
        register(port, "bench-slow")
        report("without slow clients", probe(port, args.seconds))
        with SlowClients("127.0.0.1", port, args.slow, args.interval,
                         seconds=args.seconds + 3 * args.interval) as slow:
            time.sleep(min(2.0, args.interval))  # every slow connection has been accepted
            results = probe(port, args.seconds)
        report(f"with {args.slow} slow clients (a byte every {args.interval:g} s)", results)
        report_slow(slow)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=40)
        if args.database_url:
            drop_schema(args.database_url, schema)
        shutil.rmtree(work_dir, ignore_errors=True)
    return 0


def start_serve(environ: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    with log_path.open("wb") as log:
        server = subprocess.Popen([str(VENV_BIN / "wharf"), "serve", "--bind",
                                   f"127.0.0.1:{port}"], env=environ, stdout=log,
                                  stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"wharf serve exited early:\n{log_path.read_text()[-3000:]}")
        try:
            if request(port, "GET", "/api/health")[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("wharf serve did not answer within 30 s")


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWER_WAIT)
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"Content-Type": "application/json"} if body else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def register(port: int, username: str) -> None:
    status, body = request(port, "POST", "/api/accounts", {
        "username": username, "password": PASSWORD, "email": f"{username}@example.com"})
    assert status == 201, body


def probe(port: int, seconds: float) -> dict[str, list[float | None]]:
    """A health check, then a log-in, one after the other until `seconds` pass; each one's
    time in ms, or None when it failed or took longer than ANSWER_WAIT."""
    probes = {"GET /api/health": ("GET", "/api/health", None, 200),
              "POST /api/session": ("POST", "/api/session",
                                    {"username": "bench-slow", "password": PASSWORD}, 201)}
    results = {name: [] for name in probes}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name, (method, path, body, expected) in probes.items():
            begin = time.perf_counter()
            try:
                status = request(port, method, path, body)[0]
            except OSError:
                status = None
            elapsed = (time.perf_counter() - begin) * 1000
            results[name].append(elapsed if status == expected else None)
        time.sleep(0.2)
    return results


def report(phase: str, results: dict[str, list[float | None]]) -> None:
    print(f"\n{phase}:")
    for name, times in results.items():
        answered = [t for t in times if t is not None]
        print(f"  {name:<18} {len(times):>4} sent, {len(times) - len(answered):>3} failed;"
              f" p50 {percentile(answered, 50):7.1f} ms, p95 {percentile(answered, 95):7.1f} ms,"
              f" max {max(answered, default=float('nan')):7.1f} ms")


def report_slow(slow: SlowClients) -> None:
    print("  slow connections, by kind: cut off by the server / held longest (s) / answered")
    for kind in KINDS:
        conns = [c for c in slow.connections if c.kind == kind]
        if not conns:
            continue
        cut = sum(c.closed_after is not None for c in conns)
        answers = Counter(c.answer.split(b"\r\n", 1)[0].decode(errors="replace") or "nothing"
                          for c in conns if c.closed_after is not None)
        print(f"    {kind:<8} {cut:>3}/{len(conns)} cut off, held at most"
              f" {slow.held_longest(kind):5.1f} s; {dict(answers) or ''}")


if __name__ == "__main__":
    sys.exit(main())
