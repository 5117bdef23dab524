"""What the audit log costs as the event log grows: 10k events against 1M, in one run.

On PostgreSQL, two throwaway schemas (created and dropped here), one holding ~10k events and one
~BIG_EVENTS (default 1M), each a year of simulated traffic written straight from the domain
aggregates (audit_story.py) with one "target" account of exactly 200 audit entries, all within
the last 14 days. Then, for each log:
  catch-up:  wiring.projector.catch_up() from empty views, all of them, in events/s;
  page:      wiring.audit_log.page(Filters(since=now-14d, account_id=target), Viewer(target), 50)
             and its page 2 through the cursor, p50/p95 of 300 after a warm-up, once
             `ANALYZE audit_log, accounts, projects` has run; the two logs' samples are
             interleaved round after round, so machine noise hits both;
  raw read:  recorder.select_notifications(position, 500, inclusive_of_start=False) over the
             whole (cached) log, rows/s; and the same plus mapper.to_domain_event (what any
             projection pays before its own work);
  rebuild:   wiring.projector.rebuild(name) of audit_log and of audit_chain, events in the log /
             seconds, all of it (replaying, comparing with the live view, in one transaction);
             the two reads and the audit_log rebuild they are compared with run in turn, round
             after round, so that no one of them meets a cache the others have not;
  verify:    audit_chain.verify(wiring.db, wiring.app.recorder), what `wharf audit verify` runs.
A timing shorter than 5 s is repeated for about 2 s (the alternated ones: at least 3 rounds) and
its median kept (x runs shown).
Printed, never asserted. Targets, each printed with whether it was met: the big log's page
p50 and p95 within 1.3x of the small log's; the audit_log rebuild at least 50% of the raw read
rate; catch-up of every view from empty at least 30,000 events/s on the big log.

Run: .venv/bin/python bench/audit_log.py [BIG_EVENTS]   (default 1_000_000, over half an hour
on a shared 2-core machine; 100000 for a quick check, about 10 minutes). Progress goes to
stderr.
"""

import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from audit_story import WINDOW, write_log

from wharf.bootstrap import bootstrap, initialise
from wharf.projections import audit_chain
from wharf.projections.audit_log import Filters, Viewer
from wharf.settings import Settings

POSTGRES_URL = os.environ.get("WHARF_BENCH_DATABASE_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")
SMALL = 10_000
REBUILD_SHARE, CATCH_UP_RATE = 0.50, 30_000  # the targets: of the raw read rate; events/s
PAGE_SIZE, ROUNDS, WARM_UP = 50, 300, 30
READ_BATCH = 500


@dataclass
class Store:
    name: str
    schema: str
    wiring: object = None
    target: str = ""
    events: int = 0
    figures: dict = field(default_factory=dict)  # label -> text
    catch_up_rate: float = 0.0  # events/s
    rebuild_share: float = 0.0  # of the raw read rate
    samples: dict = field(default_factory=dict)  # "page 1" / "page 2" -> ms


def rate(events: int, seconds: float) -> str:
    return f"{events / seconds:,.0f}/s ({seconds:.1f} s)"


def build(store: Store, size: int, end: datetime, tmp: str) -> None:
    """Write the log into the store's schema, catch all views up, ANALYZE."""
    name = store.name
    settings = Settings(data_dir=Path(tmp) / store.schema, database_url=POSTGRES_URL,
                        secret_key=b"bench-secret-key-0123456789", database_schema=store.schema)
    initialise(settings)
    store.wiring = wiring = bootstrap(settings, lambda: end)
    print(f"{name}: schema {store.schema}", file=sys.stderr)
    started = time.perf_counter()
    store.target = write_log(wiring.app, size, end, seed=size)
    store.events = wiring.app.recorder.max_notification_id()
    store.figures["events in the log"] = f"{store.events:,}"
    store.figures["written (app.save)"] = rate(store.events, time.perf_counter() - started)
    print(f"{name}: catching up all views", file=sys.stderr)
    started = time.perf_counter()
    wiring.projector.catch_up()
    seconds = time.perf_counter() - started
    store.figures["catch-up, all views"] = rate(store.events, seconds)
    store.catch_up_rate = store.events / seconds
    entries = wiring.db.query_one("SELECT COUNT(*) AS n FROM audit_log WHERE account_id = ?",
                                  (store.target,))["n"]
    total = wiring.db.query_one("SELECT COUNT(*) AS n FROM audit_log")["n"]
    store.figures["audit_log rows (target's)"] = f"{total:,} ({entries})"
    wiring.db.execute_script(["ANALYZE audit_log, accounts, projects"])


def page_timings(store: Store, end: datetime) -> tuple[float, float]:
    """One page 1 and its page 2: milliseconds each."""
    filters = Filters(since=end - WINDOW, account_id=store.target)
    viewer = Viewer(store.target)
    started = time.perf_counter()
    first = store.wiring.audit_log.page(filters, viewer, PAGE_SIZE)
    middle = time.perf_counter()
    second = store.wiring.audit_log.page(filters, viewer, PAGE_SIZE, first.next_cursor)
    finished = time.perf_counter()
    assert len(first.entries) == len(second.entries) == PAGE_SIZE
    return (middle - started) * 1e3, (finished - middle) * 1e3


def measure_pages(stores: list[Store], end: datetime) -> None:
    for _ in range(WARM_UP):
        for store in stores:
            page_timings(store, end)
    for store in stores:
        store.samples = {"page 1": [], "page 2": []}
    for n in range(ROUNDS):
        for store in stores if n % 2 == 0 else reversed(stores):
            first, second = page_timings(store, end)
            store.samples["page 1"].append(first)
            store.samples["page 2"].append(second)
    for store in stores:
        for label, values in store.samples.items():
            store.figures[f"{label}, p50 / p95 ms"] = f"{p(values, 50):.2f} / {p(values, 95):.2f}"


def read_all(store: Store, decode: bool) -> float:
    """Seconds to read the whole log a batch at a time (and decode every event)."""
    recorder, mapper = store.wiring.app.recorder, store.wiring.app.mapper
    position, count, started = 0, 0, time.perf_counter()
    while notifications := recorder.select_notifications(position, READ_BATCH,
                                                         inclusive_of_start=False):
        if decode:
            for notification in notifications:
                mapper.to_domain_event(notification)
        position, count = notifications[-1].id, count + len(notifications)
    seconds = time.perf_counter() - started
    assert count == store.events, (count, store.events)
    return seconds


class Progress:
    """Shows a rebuild's progress every 5%."""

    def __init__(self, label: str):
        self.label, self.shown = label, 0

    def __call__(self, done: int, of: int) -> None:
        if done - self.shown >= of / 20 or done == of:
            print(f"\r  {self.label}: {done}/{of}", end="", file=sys.stderr, flush=True)
            self.shown = done


def repeated(function) -> tuple[float, int, object]:
    """Median seconds of `function()` over enough runs for a second or two of timing (one run
    when it takes 5 s or more); the runs and the last result."""
    return alternated(function, rounds=1)[0]


def alternated(*functions, rounds: int = 3) -> list[tuple[float, int, object]]:
    """Each function run in turn, round after round: `rounds` rounds, then more while the
    slowest has under two seconds of timing and none of its runs took 5 s. Per function: the
    median seconds, the runs and the last result."""
    seconds = [[] for _ in functions]
    results = [None] * len(functions)

    def more() -> bool:
        slowest = max(seconds, key=sum)
        return len(slowest) < rounds or (sum(slowest) < 2 and slowest[0] < 5
                                         and len(slowest) < 20)

    while not seconds[0] or more():
        for index, function in enumerate(functions):
            started = time.perf_counter()
            results[index] = function()
            seconds[index].append(time.perf_counter() - started)
    return [(statistics.median(s), len(s), result) for s, result in zip(seconds, results)]


def rate_of(events: int, timing: tuple) -> str:
    seconds, runs, _ = timing
    return f"{events / seconds:,.0f}/s ({seconds:.2f} s{f', x{runs}' if runs > 1 else ''})"


def measure_throughput(store: Store) -> None:
    wiring, events, figures = store.wiring, store.events, store.figures
    read_all(store, decode=False)  # warm the cache: every pass below reads a warm log
    print(f"{store.name}: reading and rebuilding audit_log, in turn", file=sys.stderr)
    raw, decoded, rebuild = alternated(lambda: read_all(store, decode=False),
                                       lambda: read_all(store, decode=True),
                                       lambda: rebuild_once(store, "audit_log"))
    print(file=sys.stderr)
    figures["raw read (select_notifications)"] = rate_of(events, raw)
    figures["read + to_domain_event"] = rate_of(events, decoded)
    figures["rebuild audit_log"] = rate_of(events, rebuild)
    store.rebuild_share = raw[0] / rebuild[0]
    figures["rebuild / raw read"] = (f"{store.rebuild_share:.0%}"
                                     + (" (rebuilt rows differed!)" if rebuild[2] else ""))
    figures["rebuild audit_chain"] = rate_of(events, rebuilt(store, "audit_chain"))
    verify = repeated(lambda: audit_chain.verify(wiring.db, wiring.app.recorder))
    verdict = verify[2]
    figures["audit verify"] = rate_of(verdict.checked, verify) + (
        "" if verdict.ok and verdict.checked == events else f" NOT OK: {verdict}")


def rebuilt(store: Store, view: str) -> tuple:
    print(f"{store.name}: rebuilding {view}", file=sys.stderr)
    timing = repeated(lambda: rebuild_once(store, view))
    print(file=sys.stderr)
    return timing


def rebuild_once(store: Store, view: str):
    return store.wiring.projector.rebuild(view, Progress(f"{store.name} {view}"))


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(stores: list[Store]) -> None:
    small, big = stores
    width = max(len(text) for store in stores for text in (store.name, *store.figures.values()))
    print(f"\n  {'':34} {small.name:>{width}}  {big.name:>{width}}")
    for label, text in small.figures.items():
        print(f"  {label:34} {text:>{width}}  {big.figures.get(label, '-'):>{width}}")
    print()
    for label in ("page 1", "page 2"):
        for q in (50, 95):
            ratio = p(big.samples[label], q) / p(small.samples[label], q)
            verdict = "met" if ratio <= 1.3 else "MISSED"
            print(f"  {label} p{q}, {big.name} / {small.name}: {ratio:.2f}x"
                  f" (target <= 1.3x: {verdict})")
    print(f"  rebuild audit_log / raw read, {big.name}: {big.rebuild_share:.0%}"
          f" (target >= {REBUILD_SHARE:.0%}: {met(big.rebuild_share >= REBUILD_SHARE)})")
    print(f"  catch-up of every view from empty, {big.name}: {big.catch_up_rate:,.0f}/s"
          f" (target >= {CATCH_UP_RATE:,}/s: {met(big.catch_up_rate >= CATCH_UP_RATE)})")


def met(condition: bool) -> str:
    return "met" if condition else "MISSED"


def main() -> None:
    big = int(sys.argv[1].replace("_", "")) if len(sys.argv) > 1 else 1_000_000
    end = datetime.now(UTC).replace(microsecond=0)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Audit log at {SMALL:,} and {big:,} events, PostgreSQL; load average before: {load}"
          f" on {os.cpu_count()} CPUs")
    stores: list[Store] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for size in (SMALL, big):
                stores.append(Store(f"{size:,} events", f"bench_{uuid.uuid4().hex[:12]}"))
                build(stores[-1], size, end, tmp)
            print("measuring pages", file=sys.stderr)
            measure_pages(stores, end)
            for store in stores:
                measure_throughput(store)
        finally:
            for store in stores:
                if store.wiring is not None:
                    store.wiring.close()
            drop_schemas([store.schema for store in stores])
    report(stores)
    print(f"\n  page: {ROUNDS} samples per log after {WARM_UP} warm-up, {PAGE_SIZE} entries per"
          f" page; rates are events in the log / wall seconds, one process; load average"
          f" after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}.")


def drop_schemas(schemas: list[str]) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
