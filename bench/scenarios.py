"""What one client process does in each scenario; module-level so spawned processes can run it."""

import time
from collections.abc import Iterator

import argon2_cost
from load import Request, call

ROOM_PER_ACCOUNT = 9  # an account holds at most 10 addresses and is seeded with one
WARM_UP_READS = 20
VISIBILITY_TIMEOUT = 5.0  # seconds; a change not visible by then is a bug, not a slow read


def hello() -> Iterator[Request]:
    while True:
        yield Request("GET", "/")


def log_in(username: str, password: str) -> Iterator[Request]:
    credentials = {"username": username, "password": password}
    while True:
        yield Request("POST", "/api/session", credentials, expect=201)


def read_account(token: str) -> Iterator[Request]:
    while True:
        yield Request("GET", "/api/account", token=token)


def add_emails(tokens: list[str], tag: str) -> Iterator[Request]:
    """Round-robin over this client's own accounts (no two clients write the same aggregate)."""
    for n in range(ROOM_PER_ACCOUNT):
        for i, token in enumerate(tokens):
            yield Request("POST", "/api/account/emails", {"email": f"{tag}-{i}-{n}@example.com"},
                          token, expect=201)


def login_versus_argon2(port: int, username: str, password: str,
                        rounds: int) -> tuple[str, list[float], list[float]]:
    """Alternate one login (nothing else running) with one argon2 verify in this process.

    Returns (argon2 parameters, login ms, verify ms); alternating keeps both under the same
    conditions, so their ratio holds even on a machine that other work is slowing down.
    """
    parameters, verify = argon2_cost.production_verify()
    credentials = {"username": username, "password": password}
    login_ms, verify_ms = [], []
    for _ in range(rounds):
        begin = time.perf_counter()
        call(port, Request("POST", "/api/session", credentials, expect=201))
        login_ms.append((time.perf_counter() - begin) * 1000)
        begin = time.perf_counter()
        verify()
        verify_ms.append((time.perf_counter() - begin) * 1000)
    return parameters, login_ms, verify_ms


def read_your_writes(write_port: int, read_port: int, token: str, seconds: float,
                     max_samples: int) -> tuple[list[float], list[float], int]:
    """Add an address on one server, then read the account on another until it shows.

    Returns (write ms, write-to-visible ms, reads that did not yet show it). Each address is
    removed again afterwards, outside the timing, so one account serves every sample.
    """
    for _ in range(WARM_UP_READS):  # both of the reading server's workers open their pools
        call(read_port, Request("GET", "/api/account", token=token))
    write_ms, visible_ms, stale_reads = [], [], 0
    deadline = time.time() + seconds
    for n in range(max_samples):
        if time.time() >= deadline:
            break
        address = f"ryw-{n}@example.com"
        begin = time.perf_counter()
        call(write_port, Request("POST", "/api/account/emails", {"email": address}, token, 201))
        written = time.perf_counter()
        while not _shows(call(read_port, Request("GET", "/api/account", token=token)), address):
            stale_reads += 1
            if time.perf_counter() - begin > VISIBILITY_TIMEOUT:
                raise RuntimeError(f"{address} not visible after {VISIBILITY_TIMEOUT} s")
        visible = time.perf_counter()
        write_ms.append((written - begin) * 1000)
        visible_ms.append((visible - begin) * 1000)
        call(write_port, Request("DELETE", f"/api/account/emails/{address}", token=token,
                                 expect=204))
    return write_ms, visible_ms, stale_reads


def _shows(account: dict, address: str) -> bool:
    return any(email["email"] == address for email in account["emails"])
