"""Does asking for a password reset take as long for an unknown name as for a real account?

Through real processes: `wharf serve` (gunicorn, gevent workers) on a throwaway PostgreSQL
schema, over loopback. ROUNDS requests per path (default 200), interleaved in a shuffled order
so drift in machine load hits both: a verified account's username (a reset link is queued) and
a name no account holds. Each request comes from its own client address (X-Forwarded-For, from a
trusted loopback proxy) and each name is asked at most 5 times, so no limit answers instead of
the path being measured. Prints p50/p95 of each path and their ratio, and checks that every
answer had the same status and body.

Run: .venv/bin/python bench/password_reset_timing.py [ROUNDS] [--database-url URL]
"""

import argparse
import json
import os
import random
import secrets
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from uuid import UUID

import psycopg
from load import Request, send
from servers import drop_schema, free_port, init_store
from slow_clients import start_serve

from wharf.security.tokens import VerificationTokens

SECRET = "bench-secret-key-not-for-production"
PASSWORD = "correct horse battery staple"
PER_NAME = 5  # the per-name limit: a day's worth


def ask(port: int, name: str, n: int) -> tuple[float, int, bytes]:
    address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    request = Request("POST", "/api/password-reset", {"username_or_email": name}, expect=202,
                      headers={"X-Forwarded-For": address})
    start = time.perf_counter()
    status, body = send(port, request)
    return (time.perf_counter() - start) * 1000, status, body


def verified_accounts(port: int, url: str, schema: str, count: int) -> list[str]:
    names = [f"bench{i}" for i in range(count)]
    for name in names:
        status, body = send(port, Request("POST", "/api/accounts", {
            "username": name, "password": PASSWORD, "email": f"{name}@example.com"}, expect=201))
        assert status == 201, body
    tokens = VerificationTokens(SECRET.encode())
    with psycopg.connect(url) as conn:
        rows = conn.execute(f'SELECT account_id, params FROM "{schema}".outbox'
                            " WHERE template = 'verify-email'").fetchall()
    for account_id, params in rows:
        token = tokens.issue(UUID(account_id), json.loads(params)["nonce"])
        status, _ = send(port, Request("POST", "/api/account/emails/verify", {"token": token},
                                       expect=204))
        assert status == 204
    return names


def report(results: dict[str, list[float]]) -> None:
    p50s = {}
    for path, samples in results.items():
        p50s[path] = statistics.median(samples)
        p95 = statistics.quantiles(samples, n=20)[18]
        print(f"  {path:14} n={len(samples)}  p50 {p50s[path]:6.2f} ms  p95 {p95:6.2f} ms")
    print(f"  p50 ratio unknown/known: {p50s['unknown name'] / p50s['known account']:.3f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rounds", type=int, nargs="?", default=200)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args(argv)
    work_dir = Path(tempfile.mkdtemp(prefix="wharf-bench-reset-"))
    schema = f"bench_{secrets.token_hex(6)}"
    environ = {**os.environ, "WHARF_DATA_DIR": str(work_dir / "var"), "WHARF_SECRET_KEY": SECRET,
               "WHARF_DATABASE_URL": args.database_url, "WHARF_DATABASE_SCHEMA": schema,
               "WHARF_TRUSTED_PROXIES": "127.0.0.1/32"}
    server = None
    try:
        init_store(environ)
        port = free_port()
        server = start_serve(environ, port, work_dir / "serve.log")
        count = -(-args.rounds // PER_NAME)
        known = verified_accounts(port, args.database_url, schema, count)
        unknown = [f"nobody{i}-{secrets.token_hex(3)}" for i in range(count)]
        plan = [("known account", n) for n in known] * PER_NAME \
            + [("unknown name", n) for n in unknown] * PER_NAME
        random.shuffle(plan)
        for warm in range(10):  # connections, caches and the workers' first requests
            ask(port, f"warm{warm}", 60000 + warm)
        results = {"known account": [], "unknown name": []}
        answers = set()
        for n, (path, name) in enumerate(plan):
            if len(results[path]) >= args.rounds:
                continue
            elapsed, status, body = ask(port, name, n + 1)
            results[path].append(elapsed)
            answers.add((status, body))
        print(f"POST /api/password-reset through wharf serve on PostgreSQL, {args.rounds} per path:")
        report(results)
        print(f"  distinct answers (status, body): {len(answers)}"
              f" {'(identical)' if len(answers) == 1 else sorted(answers)}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=40)
        drop_schema(args.database_url, schema)
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
