"""A mixed workload against Wharf under gunicorn, from separate client processes on loopback.

What is measured: for `--seconds` (default 60) after a `--warmup` (default 5 s), `--clients`
client processes (default 4) each loop over a weighted mix of actions against one gunicorn
server (`--workers`, default 2, sync, `--config python:wharf.http.gunicorn_conf` as `wharf
serve` runs it) on PostgreSQL, with `wharf projections run` beside it:

  history 30%  GET /api/account/events?limit=20, its next page (cursor) when there is one, and
               GET /api/projects/{name}/events?limit=20, as the project's Owner;
  upload  30%  POST /legacy/ with a real wheel (tests/e2e/packages.py), Basic __token__: every
               other one a new version (1.0.N) with a token scoped to the project (200), the
               others with the Owner's token scoped to their other project (403 "not valid for
               project", the expected answer: the whole decision runs, nothing is stored);
  login   25%  POST /api/session (202, ticket; production argon2id) then POST /api/session/totp
               (201) with pyotp's code for the current 30 s step;
  mint    15%  POST /api/account/tokens (sudo, unique description) then DELETE it (204).

Each client has its own accounts (verified email, TOTP, seeded through the application with
cheap argon2; their enrolment is dated two TOTP steps back, so every step of the run is new to
them). A TOTP step is accepted once per account, so a client logs an account in at most once
per 30 s step; when all of its accounts have been used in the current step the log-in is
deferred (counted) and another action is drawn: raise `--logins-per-client` if that happens. A
seeded account's first log-in rehashes its cheap password hash with the production parameters
(costing what a production verify costs). Log-ins from one address queue behind each other
(Wharf's per-address lock), and every client here is 127.0.0.1.

Printed: per request and per kind, count, req/s, p50/p95/p99 ms and errors (unexpected
status, connection errors, a 403 for another reason), which should be zero; overall req/s; the
same per action (a log-in is both of its requests); the server's own counts by route and status
over the measured window (GET /metrics); warnings, errors, 5xx and worker (re)starts in the
server's and the projections' logs since the warm-up; every worker's VmRSS (and the projections
process's) every 2 s, with the growth from the first 15 s to the last 15 s, lowest sample
against lowest sample (a worker hashing a password holds argon2id's 64 MiB for a moment), flagged
over 10%; the load average before and after. The schema and the processes are removed at the end,
whatever happened.

Run: .venv/bin/python bench/mixed_load.py [--seconds 60] [--workers 2] [--clients 4]
What to look for: errors 0, no 5xx in the server's counts, no growth flag (a worker that keeps
growing over a run twice as long leaks), and a load average that shows the machine was not
busy with other work (on 2 CPUs, one above 2 before the run makes the latencies noise).
"""

import argparse
import os
import re
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from load import Load, Request, machine_busy, percentile, send
from mixed_workload import MIX, Plan, Sample, drive, seed_clients
from servers import (
    init_store,
    start_gunicorn,
    start_projections,
    tear_down,
    wharf_environ,
)

ACTION_PARTS = {"history": "2-3 reads", "upload": "1 upload", "login": "password + TOTP",
                "mint": "mint + revoke"}
SUDO_SECONDS = 30 * 60  # the window opened at seeding; the run must end inside it
MEMORY_EVERY = 2.0  # seconds between RSS samples
MEMORY_EDGE = 15.0  # growth: the lowest sample of the first 15 s against that of the last 15 s
GROWTH_FLAG = 0.10
METRICS_TOKEN = "bench-metrics-token"
WHARF_APP = "wharf.http.app:get_app()"
LOG_PROBLEMS = re.compile(r'"level":"(warning|error|critical)"|"status":5\d\d|Traceback|'
                          r"WORKER TIMEOUT|Booting worker|Worker exiting", re.IGNORECASE)


# -- watching the server: memory, metrics, log --------------------------------------------------

def children_of(parent: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent:
            pids.append(int(stat.parent.name))
    return sorted(pids)


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def sample_memory(master: int, projections: int, start: float,
                  until: float) -> list[tuple[float, dict[str, int]]]:
    """VmRSS (KiB) of every worker (a child of the master) and of the projections process,
    every MEMORY_EVERY seconds from `start` to `until`; as (seconds since start, {label: KiB})."""
    series, at = [], start
    while at <= until + 0.01:
        time.sleep(max(0.0, at - time.time()))
        labels = {f"worker {pid}": pid for pid in children_of(master)}
        labels[f"projections {projections}"] = projections
        rss = {label: rss_kib(pid) for label, pid in labels.items()}
        series.append((at - start, {label: kib for label, kib in rss.items() if kib}))
        at += MEMORY_EVERY
    return series


def scrape(port: int) -> Counter:
    """wharf_http_requests_total from GET /metrics, by (route, method, status)."""
    status, body = send(port, Request("GET", "/metrics", token=METRICS_TOKEN))
    if status != 200:
        raise RuntimeError(f"GET /metrics -> {status}: {body[:200]!r}")
    counts = Counter()
    for line in body.decode().splitlines():
        if line.startswith("wharf_http_requests_total{"):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', line))
            counts[labels["route"], labels["method"], labels["status"]] += float(line.split()[-1])
    return counts


def log_problems(path: Path, offset: int) -> list[str]:
    """Warnings, errors, 5xx answers and worker (re)starts logged past `offset` bytes."""
    with path.open("rb") as log:
        log.seek(offset)
        lines = log.read().decode(errors="replace").splitlines()
    return [line for line in lines if LOG_PROBLEMS.search(line)]


# -- the run --------------------------------------------------------------------------------------

@dataclass
class Run:
    seconds: float
    samples: list[Sample]  # measured window only
    actions: list[Sample]  # measured window only
    deferred: int
    memory: list[tuple[float, dict[str, int]]]
    server_counts: Counter
    log_lines: dict[str, list[str]]  # from the start of the warm-up
    boot_workers: list[int]  # worker pids before the load


def parse_args(argv: list[str] | None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "WHARF_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--seconds", type=float, default=60.0, help="measured time")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured time before it")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--logins-per-client", type=int, default=250,
                        help="TOTP accounts per client; each logs in at most once per 30 s")
    args = parser.parse_args(argv)
    if args.seconds + args.warmup > SUDO_SECONDS - 5 * 60:
        parser.error("the run must end within the sudo window opened at seeding (30 min)")
    if args.seconds < 2 * MEMORY_EDGE:
        parser.error(f"--seconds must be at least {2 * MEMORY_EDGE:g} for the memory growth")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on a plain `kill` too
    schema = f"bench_{secrets.token_hex(6)}"
    work_dir = Path(tempfile.mkdtemp(prefix="wharf-mixed-"))
    environ = {**wharf_environ(args.database_url, schema, work_dir / "var"),
               "WHARF_METRICS_TOKEN": METRICS_TOKEN}
    before = os.getloadavg(), machine_busy()
    servers, load, failed = [], None, False
    try:
        init_store(environ)
        servers.append(start_gunicorn(
            "wharf", WHARF_APP, environ, work_dir, "/api/ready", workers=args.workers,
            extra_args=("--no-control-socket", "--config", "python:wharf.http.gunicorn_conf")))
        servers.append(start_projections(environ, work_dir))
        begin = time.monotonic()
        plans = seed_clients(environ, args.clients, args.logins_per_client)
        progress(f"seeded {args.clients} owners and {args.clients * args.logins_per_client} "
                 f"TOTP accounts in {time.monotonic() - begin:.1f} s")
        load = Load(args.clients)
        run = measure(load, servers, plans, args)
        report(args, before, run, os.getloadavg())
        return 0
    except BaseException:
        failed = True
        raise
    finally:
        tear_down(servers, load, args.database_url, schema, work_dir, failed)


def measure(load: Load, servers, plans: list[Plan], args) -> Run:
    """Start the clients; scrape /metrics and sample memory over the measured window."""
    server, projections = servers
    boot_workers = children_of(server.process.pid)
    offsets = {s.name: s.log_path.stat().st_size for s in servers}  # from the warm-up on
    start_at = time.time() + 2.0  # every client has built its first wheel by then
    measure_from = start_at + args.warmup
    deadline = measure_from + args.seconds
    futures = [load.submit(drive, server.port, plan, start_at, deadline) for plan in plans]
    time.sleep(max(0.0, measure_from - time.time()))
    counts_before = scrape(server.port)
    memory = sample_memory(server.process.pid, projections.process.pid, measure_from, deadline)
    runs = [future.result() for future in futures]
    counts = scrape(server.port)
    counts.subtract(counts_before)
    def window(samples: list[Sample]) -> list[Sample]:
        return [s for s in samples if measure_from <= s.at < deadline]

    samples = window([s for r in runs for s in r.samples])
    actions = window([a for r in runs for a in r.actions])
    deferred = sum(measure_from <= t < deadline for r in runs for t in r.deferred)
    logs = {s.name: log_problems(s.log_path, offsets[s.name]) for s in servers}
    return Run(args.seconds, samples, actions, deferred, memory, +counts, logs, boot_workers)


# -- the report ------------------------------------------------------------------------------------

def latency_row(label: str, samples: list[Sample], seconds: float) -> str:
    ok = [s.ms for s in samples if s.error is None]
    errors = len(samples) - len(ok)
    cells = "".join(f"{percentile(ok, p):>9.1f}" for p in (50, 95, 99))
    return f"{label:<48}{len(samples):>7}{len(samples) / seconds:>8.1f}{cells}{errors:>8}"


def report_requests(run: Run) -> None:
    by_kind = defaultdict(list)
    for sample in run.samples:
        by_kind[sample.kind].append(sample)
    print(f"{'kind / request':<48}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'p99 ms':>9}{'errors':>8}")
    for kind in MIX:
        samples = by_kind.get(kind, [])
        print(latency_row(f"{kind} (all its requests)", samples, run.seconds))
        for name in sorted({s.name for s in samples}):
            print(latency_row(f"  {name}", [s for s in samples if s.name == name], run.seconds))
    print(latency_row("all requests", run.samples, run.seconds))
    print(f"\n{'per action (all of its requests)':<48}{'count':>7}{'per s':>8}{'p50 ms':>9}"
          f"{'p95 ms':>9}{'p99 ms':>9}{'failed':>8}")
    for kind in MIX:
        print(latency_row(f"{kind} ({ACTION_PARTS[kind]})",
                          [a for a in run.actions if a.kind == kind], run.seconds))
    print(latency_row("all actions", run.actions, run.seconds))
    errors = Counter((s.kind, s.name, s.error) for s in run.samples if s.error)
    print(f"\nerrors: {sum(errors.values()) or 'none'}")
    for (kind, name, error), count in errors.most_common(20):
        print(f"  {count:>5} x {kind}: {name}: {error}")
    if run.deferred:
        print(f"log-ins deferred (every account of the client used in this 30 s step): "
              f"{run.deferred}; raise --logins-per-client")


def report_server(run: Run) -> None:
    print("\nthe server's own counts over the measured window (GET /metrics), by route:")
    for (route, method, status), count in sorted(run.server_counts.items()):
        flag = "   <-- 5xx" if status.startswith("5") else ""
        print(f"  {method:<7}{route:<44}{status:>4}{int(count):>8}{flag}")
    for name, lines in run.log_lines.items():
        print(f"{name} log since the warm-up: {len(lines)} warning/error/5xx/worker-start line(s)"
              + "".join(f"\n    {line[:300]}" for line in lines[:10]))


def report_memory(run: Run) -> bool:
    """Print each process's RSS series and growth; True when none grew past GROWTH_FLAG.

    Growth compares the lowest sample of the last MEMORY_EDGE seconds with the lowest of the
    first: a worker hashing a password holds argon2id's 64 MiB for a moment, so a single
    sample can sit 64 MiB above the worker's resident floor; the floor is what a leak raises.
    """
    print(f"\nVmRSS (MiB) every {MEMORY_EVERY:g} s over the measured window; growth = lowest "
          f"sample of the last {MEMORY_EDGE:g} s over lowest of the first {MEMORY_EDGE:g} s "
          f"(a sample taken during a password hash is up to 64 MiB higher: argon2id's memory)")
    flat = True
    for label in sorted({label for _, rss in run.memory for label in rss}):
        series = [(t, rss[label] / 1024) for t, rss in run.memory if label in rss]
        first = [mib for t, mib in series if t <= MEMORY_EDGE]
        last = [mib for t, mib in series if t >= run.seconds - MEMORY_EDGE]
        print(f"  {label}: " + " ".join(f"{mib:.1f}" for _, mib in series))
        if not first or not last:
            print("    not alive for the whole window: restarted?  <-- FLAG")
            flat = False
            continue
        growth = min(last) / min(first) - 1
        mean_growth = (sum(last) / len(last)) / (sum(first) / len(first)) - 1
        flag = "  <-- FLAG: grew more than 10%" if growth > GROWTH_FLAG else ""
        flat = flat and not flag
        print(f"    first {MEMORY_EDGE:g} s {min(first):.1f} -> last {MEMORY_EDGE:g} s "
              f"{min(last):.1f} MiB: {growth:+.1%}{flag}   (means: {mean_growth:+.1%})")
    return flat


def report(args, before, run: Run, load_after: tuple[float, float, float]) -> None:
    load_before, busy = before
    mix = ", ".join(f"{kind} {share:.0%}" for kind, share in MIX.items())
    print(f"\nWharf mixed load: gunicorn --workers {args.workers} (sync, wharf.http.gunicorn_conf) "
          f"and wharf projections run, on PostgreSQL;\n{args.clients} client processes on "
          f"loopback, one connection per request, {args.seconds:g} s measured after "
          f"{args.warmup:g} s of warm-up;\nactions drawn: {mix}; {args.logins_per_client} TOTP "
          f"accounts per client\nload average before: {fmt_load(load_before)} on "
          f"{os.cpu_count()} CPUs; CPU busy just before: "
          f"{'unknown' if busy is None else f'{busy:.0%}'}\n")
    report_requests(run)
    report_server(run)
    workers_now = sorted({int(label.split()[1]) for _, rss in run.memory for label in rss
                          if label.startswith("worker")})
    if workers_now != run.boot_workers:
        print(f"worker pids changed: {run.boot_workers} at the start, {workers_now} sampled")
    flat = report_memory(run)
    print(f"memory verdict: {'no process grew more than 10%' if flat else 'GROWTH FLAGGED'}")
    print(f"\nload average after: {fmt_load(load_after)}")


def fmt_load(load: tuple[float, float, float]) -> str:
    return " ".join(f"{n:.2f}" for n in load) + " (1, 5, 15 min)"


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
