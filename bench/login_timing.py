"""Does a failed log-in take as long for an unknown username as for a wrong password, and as
long at a busy account (many events since it was last read from a snapshot) as at a quiet one?

Most failures at a made-up name are counted but not logged (one event per name and window); those
wait as long as logging a failure takes (Wharf's FailurePace), and this measures whether that holds.

In-process, on SQLite and on PostgreSQL, with production argon2 parameters and again with cheap
ones (so the rest of the path is not lost in argon2's noise). Prints the median and p95 of each
path and their ratio. Run: .venv/bin/python bench/login_timing.py [ROUNDS]
"""

import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from argon2 import PasswordHasher

from wharf.bootstrap import bootstrap, initialise
from wharf.domain.errors import InvalidCredentials
from wharf.domain.origin import Origin
from wharf.security.passwords import Passwords
from wharf.settings import Settings

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
PASSWORD = "correct horse battery staple"


class Clients:
    """A fresh address and a moment 35 s later for every attempt, so no brute-force limit
    (10 failures per 5 minutes per name and per address) ever answers instead of the path
    being measured."""

    def __init__(self):
        self.n, self.start = 0, datetime.now(UTC)

    def __call__(self) -> Origin:
        self.n += 1
        return Origin(None, f"10.{self.n // 65536 % 256}.{self.n // 256 % 256}.{self.n % 256}",
                      "bench", self.start + timedelta(seconds=35 * self.n))


origin = Clients()


def made_up_names():
    """A made-up name is locked after 100 failures, as an account is: a new one every 50."""
    n = 0
    while True:
        n += 1
        yield f"nobody{n // 50}"


made_up = made_up_names().__next__


def timed(action, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        try:
            action()
        except InvalidCredentials:
            pass
        samples.append((time.perf_counter() - start) * 1000)
    return samples


class BusyAccounts:
    """Accounts that each just wrote BUSY events (a flood of refused log-ins, as the log holds
    them), made before anything is timed and used for USES failed log-ins each: every one of
    those meets at least BUSY - USES events written since the account's last snapshot, unless
    snapshots come more often than that."""

    BUSY, USES = 150, 40

    def __init__(self, wiring, rounds: int):
        self.names = [self._make(wiring, f"busy{n}") for n in range(-(-rounds // self.USES))]
        self.used = 0

    def name(self) -> str:
        self.used += 1
        return self.names[(self.used - 1) // self.USES]

    def _make(self, wiring, username: str) -> str:
        app = wiring.app
        account_id = app.register(origin(), username, PASSWORD, f"{username}@example.com")
        account = app.repository.get(account_id)
        for _ in range(self.BUSY):
            account.fail_login(origin(), reason="rate_limited")  # recorded, never counted
        app.save(account)
        wiring.projector.catch_up()
        return username


def measure(settings: Settings, rounds: int, passwords: Passwords | None = None) -> None:
    initialise(settings)
    wiring = bootstrap(settings, passwords=passwords)
    try:
        wiring.app.register(origin(), "alice", PASSWORD, "alice@example.com")
        busy = BusyAccounts(wiring, rounds)
        paths = {
            "wrong password": lambda: wiring.app.log_in(origin(), "alice", "not the password"),
            "busy account": lambda: wiring.app.log_in(origin(), busy.name(), "not the password"),
            "unknown username": lambda: wiring.app.log_in(origin(), made_up(), "not the password"),
            "right password": lambda: wiring.app.log_in(origin(), "alice", PASSWORD),
        }
        results = {name: [] for name in paths}
        for _ in range(rounds // 10):  # interleave, so drift in machine load hits every path
            for name, action in paths.items():
                results[name] += timed(action, 10)
        report(results, "wrong password")
        print("  the part that differs, reading the account (argon2's noise left out):")
        report(reads(wiring, busy, rounds), "quiet account")
    finally:
        wiring.close()


def reads(wiring, busy: BusyAccounts, rounds: int) -> dict[str, list[float]]:
    """Loading each kind of account as a failed log-in does, timed alone."""
    app = wiring.app
    quiet = app.register(origin(), "quiet", PASSWORD, "quiet@example.com")
    busiest = app._account_named(busy.names[-1]).id  # noqa: SLF001 - its id, nothing else
    samples = {"quiet account": [], "busy account": []}
    for _ in range(rounds):
        for name, account_id in (("quiet account", quiet), ("busy account", busiest)):
            start = time.perf_counter()
            app.repository.get(account_id)
            samples[name].append((time.perf_counter() - start) * 1000)
    return samples


def report(results: dict[str, list[float]], baseline: str) -> None:
    base = statistics.median(results[baseline])
    for name, samples in results.items():
        p50 = statistics.median(samples)
        p95 = statistics.quantiles(samples, n=20)[18]
        print(f"  {name:17} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  "
              f"p50 ratio to {baseline} {p50 / base:5.2f}")


# The rest of the path, without argon2's time and noise: what logging or pausing costs shows.
CHEAP = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    for hashing, passwords in (("production argon2", None), ("cheap argon2", CHEAP)):
        with tempfile.TemporaryDirectory() as tmp:
            print(f"SQLite, {hashing}, {rounds} log-ins per path:")
            measure(Settings(data_dir=Path(tmp), secret_key=b"bench"), rounds, passwords)
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            print(f"PostgreSQL, {hashing}, {rounds} log-ins per path:")
            try:
                measure(Settings(data_dir=Path(tmp), secret_key=b"bench",
                                 database_url=POSTGRES_URL, database_schema=schema),
                        rounds, passwords)
            finally:
                with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
