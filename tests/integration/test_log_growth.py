"""Anonymous traffic cannot grow the permanent log without bound: a refused attempt writes
nothing, failures at made-up names are logged once a window, and the counts stay exact across
processes all the same."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import pytest

from tests.integration.conftest import PASSWORD
from wharf.bootstrap import bootstrap
from wharf.domain.errors import InvalidCredentials, RateLimited
from wharf.domain.origin import Origin
from wharf.security.passwords import Passwords

FLOOD = 1000


def events_in_log(api) -> int:
    return api.wiring.app.recorder.max_notification_id() or 0


def wrong_password(api, username: str, ip: str = "198.51.100.1"):
    return api.call("POST", "/api/session", json={"username": username, "password": "guess!!!"},
                    remote_addr=ip)


def test_a_thousand_log_ins_at_made_up_names_from_one_address_write_ten_events(api):
    before = events_in_log(api)

    answers = [wrong_password(api, f"nobody-{n}").status_code for n in range(FLOOD)]

    assert answers == [401] * 10 + [429] * (FLOOD - 10)
    assert events_in_log(api) - before == 10


def test_a_thousand_wrong_passwords_at_an_account_leave_ten_entries_in_its_history(api, clock):
    api.register("alice")
    before = events_in_log(api)

    answers = [wrong_password(api, "alice").status_code for _ in range(FLOOD)]

    assert answers == [401] * 10 + [429] * (FLOOD - 10)
    assert events_in_log(api) - before == 10
    clock.advance(minutes=5)
    history = api.call("GET", "/api/account/events", api.log_in("alice")).json["events"]
    assert [e["name"] for e in history].count("account:login:failure") == 10


def test_failures_at_a_made_up_name_are_logged_once_a_window(api, clock):
    before = events_in_log(api)
    for n in range(10):
        clock.advance(seconds=20)
        assert wrong_password(api, "ghost", f"198.51.100.{n}").status_code == 401
    in_one_window = events_in_log(api) - before
    clock.advance(minutes=2)
    assert wrong_password(api, "ghost", "198.51.100.99").status_code == 401

    assert in_one_window == 1
    assert events_in_log(api) - before == 2
    rows = api.wiring.db.query("SELECT name, details FROM audit_log WHERE account_id IS NULL")
    assert [row["name"] for row in rows] == ["account:login:failure"] * 2
    assert '"stands_for_failures_until"' in rows[0]["details"]


def test_a_failure_at_a_made_up_name_takes_as_long_as_one_at_an_account(api, clock):
    """One that logs nothing is padded to what the rest of a wrong password at an account takes
    lately, all but the hashing (bench/login_timing.py compares whole log-ins)."""
    api.register("alice")
    for n in range(5):
        wrong_password(api, "alice", f"198.51.100.{n}")
    wrong_password(api, "ghost", "198.51.100.50")  # the window's first: logged
    typical, logged = api.wiring.app.failure_pace.typical, events_in_log(api)

    began = time.perf_counter()
    wrong_password(api, "ghost", "198.51.100.51")  # counted only
    took = time.perf_counter() - began

    assert events_in_log(api) == logged
    assert took >= typical


@pytest.fixture
def two_processes(settings, clock):
    """Two wirings of one store, as two processes have; production argon2, so that both
    attempts are verifying the password at the same moment."""
    wirings = [bootstrap(settings, clock, passwords=Passwords()) for _ in range(2)]
    yield wirings
    for wiring in wirings:
        wiring.close()


def test_two_processes_failing_at_a_made_up_names_limit_let_only_one_through(
        api, clock, two_processes):
    for n in range(9):
        wrong_password(api, "ghost", f"198.51.100.{n}")
    barrier = threading.Barrier(2)

    def attempt(wiring, ip: str):
        barrier.wait(30)
        try:
            wiring.app.log_in(Origin(None, ip, "test", clock.now), "ghost", "guess!!!")
        except (InvalidCredentials, RateLimited) as error:
            return type(error)

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(attempt, two_processes, ["203.0.113.1", "203.0.113.2"]))

    assert sorted(o.__name__ for o in outcomes) == ["InvalidCredentials", "RateLimited"]
    rows = api.wiring.db.query("SELECT COUNT(*) AS n FROM login_failures WHERE subject LIKE"
                               " 'name:%'")
    assert rows[0]["n"] == 10


def test_an_account_flooded_before_this_release_still_loads_and_logs_in(api, clock):
    """Older releases logged every refused attempt: such a log still reads."""
    account_id = UUID(api.register("alice"))
    account = api.wiring.app.repository.get(account_id)
    for _ in range(30):
        account.fail_login(Origin(None, "198.51.100.1", "old", clock.now), reason="rate_limited")
    api.wiring.app.save(account)
    api.wiring.projector.catch_up()

    assert api.log_in("alice", PASSWORD)
