"""Accounts and sessions for the scenarios.

The login scenario's accounts are registered over HTTP, so their hashes carry the production
argon2id parameters. Every other account only needs a session token, so it is created through
the application service directly, with cheap argon2 parameters, to keep seeding to seconds.
"""

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from load import Request, call

from wharf.bootstrap import bootstrap, utc_now
from wharf.domain.origin import Origin
from wharf.security.passwords import Passwords
from wharf.settings import from_environ

SEED_PASSWORD = "bench-seed-password-1f6c"  # for the cheaply hashed accounts only


@dataclass(frozen=True)
class Seeded:
    logins: list[tuple[str, str]]  # (username, password), one per client
    read_tokens: list[str]  # one per client
    write_tokens: list[list[str]]  # per client, its own accounts
    many_write_tokens: list[list[str]]  # likewise, for the write scenario of many clients
    warm_write_tokens: list[list[str]]  # per client, used only while warming up
    read_your_writes_token: str


def seed(environ: dict[str, str], port: int, clients: int, write_accounts: int,
         many_writers: int) -> Seeded:
    logins = [_register_over_http(port, f"bench-login-{c}") for c in range(clients)]
    wiring = bootstrap(from_environ(environ), passwords=Passwords(
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)))
    try:
        def session(username: str, *, sudo: bool = False) -> str:
            origin = Origin(None, "127.0.0.1", "wharf-bench-seed", utc_now())
            wiring.app.register(origin, username, SEED_PASSWORD, f"{username}@example.com")
            new = wiring.app.log_in(origin, username, SEED_PASSWORD)
            if sudo:  # changing email addresses needs a recently confirmed password
                wiring.app.reauthenticate(origin.acting_as(new.account_id), new.session_id,
                                          SEED_PASSWORD)
            return new.token

        return Seeded(
            logins=logins,
            read_tokens=[session(f"bench-read-{c}") for c in range(clients)],
            write_tokens=[[session(f"bench-write-{c}-{i}", sudo=True)
                           for i in range(write_accounts)] for c in range(clients)],
            many_write_tokens=[[session(f"bench-many-{c}-{i}", sudo=True)
                                for i in range(-(-write_accounts * clients // many_writers))]
                               for c in range(many_writers)],
            warm_write_tokens=[[session(f"bench-warm-{c}", sudo=True)] for c in range(clients)],
            read_your_writes_token=session("bench-ryw", sudo=True),
        )
    finally:
        wiring.close()


def _register_over_http(port: int, username: str) -> tuple[str, str]:
    password = secrets.token_urlsafe(16)
    call(port, Request("POST", "/api/accounts", {"username": username, "password": password,
                                                 "email": f"{username}@example.com"}, expect=201))
    return username, password
