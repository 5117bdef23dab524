"""Wharf under gunicorn (2 sync workers) on PostgreSQL, against a bare Falcon hello-world.

Run: .venv/bin/python bench/http_load.py   (figures are printed, never asserted)
"""

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import scenarios
from load import Load, Summary, percentile
from seed import seed
from servers import BENCH_DIR, WORKERS, drop_schema, init_store, start_gunicorn, wharf_environ

WHARF_APP = "wharf.http.app:get_app()"
READ_TARGET = 0.40  # authenticated read req/s, as a share of hello-world's
READ_YOUR_WRITES_TARGET_MS = 20.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "WHARF_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--seconds", type=float, default=6.0, help="measured time per scenario")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured time per scenario")
    parser.add_argument("--clients", type=int, default=4, help="client processes (connections)")
    parser.add_argument("--write-accounts", type=int, default=40,
                        help="accounts per write client; each takes 9 more addresses")
    args = parser.parse_args(argv)

    schema = f"bench_{secrets.token_hex(6)}"
    work_dir = Path(tempfile.mkdtemp(prefix="wharf-bench-"))
    environ = wharf_environ(args.database_url, schema, work_dir / "var")
    servers, load = [], None
    try:
        init_store(environ)
        load = Load(args.clients)
        for name, app, env, ready in [
            ("hello", "hello:app", {**environ, "PYTHONPATH": str(BENCH_DIR)}, "/"),
            ("wharf-a", WHARF_APP, environ, "/api/openapi.json"),
            ("wharf-b", WHARF_APP, environ, "/api/openapi.json"),
        ]:
            servers.append(start_gunicorn(name, app, env, work_dir, ready))
        hello, wharf, other = servers
        begin = time.monotonic()
        seeded = seed(environ, wharf.port, args.clients, args.write_accounts)
        progress(f"seeded accounts in {time.monotonic() - begin:.1f} s")
        argon2_ms = argon2_verify_ms()

        plans = [
            ("hello-world", hello.port, scenarios.hello, [()] * args.clients, None),
            ("login", wharf.port, scenarios.log_in, seeded.logins, None),
            ("GET /api/account", wharf.port, scenarios.read_account,
             [(token,) for token in seeded.read_tokens], None),
            ("add email (write)", wharf.port, scenarios.add_emails,
             [(tokens, f"w{c}") for c, tokens in enumerate(seeded.write_tokens)],
             [(tokens, f"warm{c}") for c, tokens in enumerate(seeded.warm_write_tokens)]),
        ]
        results = []
        for name, port, plan, per_client, warm_per_client in plans:
            load.run(name, port, plan, warm_per_client or per_client, args.warmup)
            results.append(load.run(name, port, plan, per_client, args.seconds))
            progress(f"{name}: done")
        write_ms, visible_ms, stale = load.submit(
            scenarios.read_your_writes, wharf.port, other.port, seeded.read_your_writes_token,
            args.seconds, 2000).result()
        report(args, results, argon2_ms, write_ms, visible_ms, stale)
        return 0
    except Exception:
        for server in servers:
            progress(f"--- {server.name} log ---\n{server.log_tail()}")
        raise
    finally:
        for server in servers:
            server.stop()
        if load is not None:
            load.close()
        drop_schema(args.database_url, schema)
        shutil.rmtree(work_dir, ignore_errors=True)


def argon2_verify_ms(rounds: int = 5) -> float:
    """One verify with Wharf's production parameters, in this process, while servers idle."""
    from wharf.security.passwords import Passwords

    passwords = Passwords()
    stored = passwords.hash("bench-argon2-probe-4b1e")
    timings = []
    for _ in range(rounds):
        begin = time.perf_counter()
        passwords.verify(stored, "bench-argon2-probe-4b1e")
        timings.append((time.perf_counter() - begin) * 1000)
    return statistics.median(timings)


def report(args, results: list[Summary], argon2_ms: float, write_ms: list[float],
           visible_ms: list[float], stale: int) -> None:
    baseline = results[0].rate
    print(f"\nWharf HTTP benchmark: gunicorn --workers {WORKERS} (sync), PostgreSQL, "
          f"{args.clients} client processes, {args.seconds:g} s per scenario "
          f"(+{args.warmup:g} s warm-up), {os.cpu_count()} CPUs\n")
    print(f"{'scenario':<20}{'requests':>9}{'failed':>8}{'req/s':>10}{'p50 ms':>9}"
          f"{'p95 ms':>9}{'vs hello':>10}")
    for r in results:
        print(f"{r.name:<20}{r.requests:>9}{r.failures:>8}{r.rate:>10.1f}{r.p50_ms:>9.2f}"
              f"{r.p95_ms:>9.2f}{r.rate / baseline:>9.1%}")
        if r.first_failure:
            print(f"    first failure: {r.first_failure}")
        if r.clients_ran_out:
            print(f"    {r.clients_ran_out} client(s) ran out of accounts before the deadline; "
                  "raise --write-accounts")
    login = results[1]
    print(f"\nlogin: one argon2id verify (t=3, m=64 MiB, p=4) takes {argon2_ms:.1f} ms alone "
          f"= {argon2_ms / login.p50_ms:.0%} of login p50; "
          f"{WORKERS} workers cap login near {WORKERS * 1000 / argon2_ms:.1f} req/s")
    print(f"\nread-your-writes ({len(visible_ms)} writes on one server, each read back on "
          f"another, one client, no other load)")
    print(f"  write alone (POST /api/account/emails): p50 {percentile(write_ms, 50):.2f} ms, "
          f"p95 {percentile(write_ms, 95):.2f} ms")
    print(f"  command to view visible (write + read): p50 {percentile(visible_ms, 50):.2f} ms, "
          f"p95 {percentile(visible_ms, 95):.2f} ms; first read stale {stale} time(s)")
    read_share = results[2].rate / baseline
    ryw_p95 = percentile(visible_ms, 95)
    print("\ntargets (reported, not asserted):")
    print(f"  authenticated read >= {READ_TARGET:.0%} of hello-world req/s: {read_share:.1%} "
          f"-> {'met' if read_share >= READ_TARGET else 'NOT met'}")
    print(f"  read-your-writes p95 < {READ_YOUR_WRITES_TARGET_MS:g} ms: {ryw_p95:.2f} ms "
          f"-> {'met' if ryw_p95 < READ_YOUR_WRITES_TARGET_MS else 'NOT met'}")


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
