"""Load from separate client processes: a new connection per request, latencies in milliseconds.

A plan is a module-level generator function (so it can cross into a spawned process) that
yields the requests of one client. Every client starts at the same wall-clock moment and stops at
a shared deadline, or earlier when its plan runs out.
"""

import http.client
import json
import math
import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

START_DELAY = 0.5  # seconds for every client process to be ready before the shared start


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: dict | None = None
    token: str | None = None
    expect: int = 200
    data: bytes | None = None  # a raw body instead of `body`; say its type in `headers`
    headers: dict[str, str] | None = None  # sent as they are, after the ones made here


class UnexpectedStatus(Exception):
    pass


def send(port: int, request: Request) -> tuple[int, bytes]:
    headers = {}
    payload = None
    if request.body is not None:
        payload = json.dumps(request.body).encode()
        headers["Content-Type"] = "application/json"
    if request.token:
        headers["Authorization"] = f"Bearer {request.token}"
    if request.data is not None:
        payload = request.data
    headers.update(request.headers or {})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(request.method, request.path, body=payload, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def call(port: int, request: Request):
    """Send one request; return its JSON body (or None); raise if the status is not expected."""
    status, body = send(port, request)
    if status != request.expect:
        raise UnexpectedStatus(f"{request.method} {request.path} -> {status}: {body[:300]!r}")
    return json.loads(body) if body else None


@dataclass(frozen=True)
class ClientResult:
    latencies_ms: list[float]  # successful requests only
    failures: int
    first_failure: str | None
    started_at: float
    finished_at: float
    ran_out: bool  # the plan ended before the deadline


def run_client(port: int, plan: Callable[..., Iterator[Request]], args: tuple,
               start_at: float, deadline: float) -> ClientResult:
    requests = plan(*args)
    time.sleep(max(0.0, start_at - time.time()))
    latencies, failures, first_failure, ran_out = [], 0, None, True
    started_at = time.time()
    for request in requests:
        if time.time() >= deadline:
            ran_out = False
            break
        begin = time.perf_counter()
        try:
            status, body = send(port, request)
        except OSError as error:
            status, body = None, repr(error).encode()
        elapsed_ms = (time.perf_counter() - begin) * 1000
        if status == request.expect:
            latencies.append(elapsed_ms)
        else:
            failures += 1
            first_failure = first_failure or f"{request.path} -> {status}: {body[:200]!r}"
    return ClientResult(latencies, failures, first_failure, started_at, time.time(), ran_out)


def machine_busy(seconds: float = 1.0) -> float | None:
    """Share of all CPUs busy over `seconds` (Linux /proc/stat); None where it cannot be read."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            ticks = [int(n) for n in stat.readline().split()[1:]]
        return sum(ticks), ticks[3] + ticks[4]  # total, idle + iowait

    try:
        total, idle = sample()
        time.sleep(seconds)
        total_after, idle_after = sample()
    except (OSError, ValueError, IndexError):
        return None
    elapsed = total_after - total
    return 1 - (idle_after - idle) / elapsed if elapsed else None


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass(frozen=True)
class Summary:
    name: str
    latencies_ms: list[float]  # successful requests only
    failures: int
    seconds: float
    clients_ran_out: int
    first_failure: str | None

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p95_ms(self) -> float:
        return percentile(self.latencies_ms, 95)

    def __add__(self, other: "Summary") -> "Summary":
        """Two runs of the same scenario as one (rounds interleaved with another scenario)."""
        return Summary(self.name, self.latencies_ms + other.latencies_ms,
                       self.failures + other.failures, self.seconds + other.seconds,
                       self.clients_ran_out + other.clients_ran_out,
                       self.first_failure or other.first_failure)


class Load:
    """A pool of client processes, spawned once and reused by every scenario."""

    def __init__(self, concurrency: int):
        self.concurrency = concurrency
        self._pool = ProcessPoolExecutor(concurrency,
                                         mp_context=multiprocessing.get_context("spawn"))
        list(self._pool.map(time.sleep, [0.2] * concurrency))  # spawn them all now

    def run(self, name: str, port: int, plan: Callable[..., Iterator[Request]],
            per_client_args: list[tuple], seconds: float) -> Summary:
        start_at = time.time() + START_DELAY
        futures = [self._pool.submit(run_client, port, plan, args, start_at, start_at + seconds)
                   for args in per_client_args]
        results = [future.result() for future in futures]
        latencies = [ms for result in results for ms in result.latencies_ms]
        wall = max(r.finished_at for r in results) - min(r.started_at for r in results)
        return Summary(name, latencies, sum(r.failures for r in results), wall,
                       sum(r.ran_out for r in results),
                       next((r.first_failure for r in results if r.first_failure), None))

    def submit(self, function, *args):
        return self._pool.submit(function, *args)

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)
