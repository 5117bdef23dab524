"""What a TOTP log-in step and the brute-force limiter cost, against a bare pyotp verify.

In-process, on PostgreSQL (a throwaway schema), in one run:
  (a) pyotp.TOTP(secret).verify(code, valid_window=1): the bare check;
  (b) wharf.security.totp.find(secret, code, at): every step within +-10, to tell drift apart;
  (c) Wharf.log_in_with_totp: the whole second step (load, unseal, find, save, catch the views up);
  (d) Wharf._admit(origin, "second_factor", account): the limits, with failures on record.
(a) and (b) are timed with the right code and with a wrong one; (c) and (d) against (a)'s right
code. Each (c) sample has its own ticket from an untimed password step and its own 30 s step:
the injected time moves 30 s per sample, so no code is ever a replay.
Printed, never asserted. Run: .venv/bin/python bench/two_factor_cost.py [ROUNDS]
"""

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pyotp
from argon2 import PasswordHasher

from wharf.bootstrap import bootstrap, initialise
from wharf.domain.account import SECOND_FACTOR
from wharf.domain.errors import SecondFactorFailed
from wharf.domain.origin import Origin
from wharf.security import totp
from wharf.security.passwords import Passwords
from wharf.settings import Settings

POSTGRES_URL = os.environ.get("WHARF_BENCH_DATABASE_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "correct horse battery staple"
IP = "192.0.2.7"
STEP = timedelta(seconds=totp.STEP_SECONDS)
PER_ROUND = {"a": 50, "b": 50, "c": 1, "d": 5}  # samples of each kind per round, interleaved


class Clock:
    """The injected time: one 30 s TOTP step further on each time it is asked to move."""

    def __init__(self):
        now = int(time.time())
        self.at = datetime.fromtimestamp(now - now % totp.STEP_SECONDS + 5, UTC)

    def origin(self, actor_id=None, session_id=None) -> Origin:
        return Origin(actor_id, IP, "wharf-bench", self.at, session_id)

    def next_step(self) -> None:
        self.at += STEP


def cheap_passwords() -> Passwords:
    """The password step is never timed, so its argon2 parameters only cost setup time."""
    return Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def enrolled(app, clock: Clock, username: str) -> tuple[uuid.UUID, str]:
    """A verified account with TOTP enabled: (account id, base32 secret)."""
    account_id = app.register(clock.origin(), username, PASSWORD, f"{username}@example.com")
    account = app.repository.get(account_id)
    nonce = next(iter(account.emails.values()))["nonce"]
    app.verify_email(clock.origin(), app.verification_tokens.issue(account_id, nonce))
    session = app.log_in(clock.origin(), username, PASSWORD)
    acting = clock.origin(account_id, session.session_id)
    app.reauthenticate(acting, session.session_id, PASSWORD)
    secret = app.start_totp(acting).secret
    app.confirm_totp(acting, totp.code_at(secret, clock.at.timestamp()), "bench")
    clock.next_step()
    return account_id, secret


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def timed(function, *args) -> float:
    """Milliseconds one call takes."""
    start = time.perf_counter()
    function(*args)
    return (time.perf_counter() - start) * 1000


def pyotp_verify(secret: str, code: str) -> bool:
    return pyotp.TOTP(secret).verify(code, valid_window=1)


def measure(app, clock: Clock, rounds: int) -> dict[str, list[float]]:
    samples = {k: [] for k in ("a right", "a wrong", "b right", "b wrong", "c", "d")}
    _, secret = enrolled(app, clock, "stepper")
    limited_id, limited_secret = enrolled(app, clock, "limited")
    _, neighbour_secret = enrolled(app, clock, "neighbour")
    for account, account_secret, failures in (("limited", limited_secret, 4),
                                              ("neighbour", neighbour_secret, 5)):
        ticket = app.log_in(clock.origin(), account, PASSWORD).ticket
        for _ in range(failures):  # below both limits: 5 per account, 10 per address
            try:
                app.log_in_with_totp(clock.origin(), ticket,
                                     wrong(totp.code_at(account_secret, clock.at.timestamp())))
            except SecondFactorFailed:
                pass

    for _ in range(rounds):
        code = totp.code_at(secret, time.time())  # (a) and (b) use the real clock
        bad, now = wrong(code), datetime.now(UTC)
        for _ in range(PER_ROUND["a"]):
            samples["a right"].append(timed(pyotp_verify, secret, code))
            samples["a wrong"].append(timed(pyotp_verify, secret, bad))
        for _ in range(PER_ROUND["b"]):
            samples["b right"].append(timed(totp.find, secret, code, now))
            samples["b wrong"].append(timed(totp.find, secret, bad, now))
        for _ in range(PER_ROUND["c"]):
            ticket = app.log_in(clock.origin(), "stepper", PASSWORD).ticket
            step_code = totp.code_at(secret, clock.at.timestamp())
            samples["c"].append(timed(app.log_in_with_totp, clock.origin(), ticket, step_code))
            clock.next_step()
        account = app.repository.get(limited_id)
        origin = clock.origin(limited_id)
        for _ in range(PER_ROUND["d"]):
            samples["d"].append(timed(app._admit, origin, SECOND_FACTOR, account))
    return samples


def p(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def report(samples: dict[str, list[float]]) -> None:
    lines = [
        ("a right", "(a) pyotp verify, right code", "a right"),
        ("a wrong", "(a) pyotp verify, wrong code", "a wrong"),
        ("b right", "(b) totp.find, right code", "a right"),
        ("b wrong", "(b) totp.find, wrong code", "a wrong"),
        ("c", "(c) log_in_with_totp, PostgreSQL", "a right"),
        ("d", "(d) _admit, second factor", "a right"),
    ]
    print(f"  {'':36} {'n':>5} {'p50':>10} {'p95':>10}   ratio to (a), p50 / p95")
    for key, label, base in lines:
        s, b = samples[key], samples[base]
        print(f"  {label:36} {len(s):5} {fmt(p(s, 50))} {fmt(p(s, 95))}   "
              f"{p(s, 50) / p(b, 50):9.1f}x / {p(s, 95) / p(b, 95):.1f}x"
              + ("" if key == base else f"  (vs {base})"))


def fmt(ms: float) -> str:
    return f"{ms * 1000:7.1f} us" if ms < 1 else f"{ms:7.2f} ms"


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Two-factor cost, {rounds} rounds, PostgreSQL schema {schema}; "
          f"load average before: {load} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), secret_key=b"bench-secret-key-0123456789",
                            database_url=POSTGRES_URL, database_schema=schema)
        try:
            initialise(settings)
            wiring = bootstrap(settings, passwords=cheap_passwords())
            try:
                started = time.perf_counter()
                samples = measure(wiring.app, Clock(), rounds)
                elapsed = time.perf_counter() - started
            finally:
                wiring.close()
        finally:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    report(samples)
    print(f"  {elapsed:.1f} s of measuring. (c): one account logs in every sample, gaining two"
          " events (its TwoFactor one);\n  a snapshot every 200 events bounds what each load"
          " replays. (d): 9 failures on record for the address, 4 for the account.")


if __name__ == "__main__":
    main()
