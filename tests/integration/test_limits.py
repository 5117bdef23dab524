"""Brute-force limits: per account, per client address and in all, shared by every process,
fail closed."""

from datetime import timedelta
from uuid import UUID

import pytest

from tests.conftest import fast_passwords
from tests.integration.conftest import PASSWORD
from tests.integration.test_two_factor import code, enrolled, password_step
from wharf.bootstrap import bootstrap
from wharf.domain.errors import RateLimited
from wharf.domain.limits import MAX_CONSECUTIVE_FAILURES
from wharf.domain.origin import Origin, cli_origin
from wharf.projections.database import stamp


def wrong_password(api, username: str = "alice", ip: str = "192.0.2.10"):
    return api.call("POST", "/api/session", json={"username": username, "password": "wrong!!!"},
                    remote_addr=ip)


def test_ten_wrong_passwords_in_five_minutes_lock_the_account_out_for_a_while(api, clock):
    api.register("alice")
    for n in range(10):
        assert wrong_password(api, ip=f"198.51.100.{n}").status_code == 401
    clock.advance(seconds=10)

    limited = api.call("POST", "/api/session", json={"username": "alice", "password": PASSWORD})

    assert limited.status_code == 429
    assert limited.json["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) == 290
    clock.advance(seconds=290)
    assert api.call("POST", "/api/session", json={"username": "alice", "password": PASSWORD}
                    ).status_code == 201


def test_ten_failures_from_one_address_stop_it_whatever_the_username(api, clock):
    api.register("alice")
    for n in range(10):
        assert wrong_password(api, username=f"nobody{n}").status_code == 401

    limited = wrong_password(api, username="alice")
    elsewhere = api.call("POST", "/api/session", json={"username": "alice", "password": PASSWORD},
                         remote_addr="203.0.113.1")

    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 300
    assert elsewhere.status_code == 201


def test_second_factor_failures_are_limited_per_account(api, clock):
    _, secret, _ = enrolled(api, clock)  # logged in from 192.0.2.10: her address
    for n in range(5):
        result = api.call("POST", "/api/session/totp", remote_addr=f"198.51.100.{n}",
                          json={"ticket": password_step(api)["ticket"], "code": "000000"})
        assert result.status_code == 401

    limited = api.call("POST", "/api/session/totp", remote_addr="198.51.100.99",
                       json={"ticket": password_step(api)["ticket"], "code": code(secret, clock)})
    at_home = api.call("POST", "/api/session/totp",
                       json={"ticket": password_step(api)["ticket"], "code": code(secret, clock)})

    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 300
    assert at_home.status_code == 201  # strangers' failures hold back strangers
    clock.advance(minutes=5)
    assert got_through(api.call("POST", "/api/session/totp", remote_addr="198.51.100.99", json={
        "ticket": password_step(api)["ticket"], "code": code(secret, clock)}))


def test_second_factor_failures_are_limited_per_address(api, clock):
    secrets = {}
    for name in ("alice", "bob", "carol"):
        secrets[name] = enrolled(api, clock, name)[1]
    failures = 0
    for name in ("alice", "bob", "carol"):
        for _ in range(4):
            api.call("POST", "/api/session/totp", remote_addr="198.51.100.99",
                     json={"ticket": password_step(api, name)["ticket"], "code": "000000"})
            failures += 1
            if failures == 10:
                break

    limited = api.call("POST", "/api/session/totp", remote_addr="198.51.100.99",
                       json={"ticket": password_step(api, "carol")["ticket"],
                             "code": code(secrets["carol"], clock)})

    assert limited.status_code == 429


SPACED = {"minutes": 5, "seconds": 1}  # past the five-minute windows of the batch before


def wrong_codes(api, name: str, count: int, ip: str = "198.51.100.20") -> None:
    for _ in range(count):
        result = api.call("POST", "/api/session/totp", remote_addr=ip,
                          json={"ticket": password_step(api, name)["ticket"], "code": "000000"})
        assert result.status_code == 401, result.json


def right_code(api, clock, name: str, secret: str, ip: str = "198.51.100.20"):
    return api.call("POST", "/api/session/totp", remote_addr=ip,
                    json={"ticket": password_step(api, name)["ticket"],
                          "code": code(secret, clock)})


def got_through(result) -> bool:
    """The right code passed the limits: from an address the account never logged in from,
    that holds the log-in for its emailed confirmation (tests/integration/test_new_devices.py)."""
    return result.status_code == 202 and result.json["status"] == "device-confirmation-sent"


def waits_until(result, moment, clock) -> None:
    assert result.status_code == 429 and result.json["code"] == "rate_limited", result.json
    assert int(result.headers["Retry-After"]) == (moment - clock()).total_seconds()


def test_twenty_second_factor_failures_in_an_hour_hold_the_account_back_for_that_hour(api,
                                                                                       clock):
    _, secret, _ = enrolled(api, clock)
    first = clock()
    for _ in range(5):  # four at a time: never five in five minutes
        wrong_codes(api, "alice", 4)
        clock.advance(**SPACED)

    waits_until(right_code(api, clock, "alice", secret), first + timedelta(hours=1), clock)
    clock.now = first + timedelta(hours=1)
    assert got_through(right_code(api, clock, "alice", secret))


def test_fifty_second_factor_failures_in_a_day_hold_the_account_back_for_that_day(api, clock):
    _, secret, _ = enrolled(api, clock)
    first = clock()
    for hour in range(4):  # sixteen an hour at most: never twenty in an hour
        for _ in range(4 if hour < 3 else 1):
            wrong_codes(api, "alice", 4 if hour < 3 else 2)
            clock.advance(**SPACED)
        if hour < 3:
            clock.now = first + timedelta(hours=hour + 1)

    waits_until(right_code(api, clock, "alice", secret), first + timedelta(days=1), clock)
    clock.now = first + timedelta(days=1)
    assert got_through(right_code(api, clock, "alice", secret))


def test_fifty_second_factor_failures_from_one_address_in_an_hour_hold_it_back(api, clock):
    secrets = {name: enrolled(api, clock, name)[1] for name in ("alice", "bob", "carol")}
    first, failed = clock(), 0
    while failed < 50:  # nine at a time, three an account: no other limit is reached
        for name in secrets:
            count = min(3, 50 - failed)
            wrong_codes(api, name, count, ip="203.0.113.50")
            failed += count
        clock.advance(**SPACED)

    there = right_code(api, clock, "carol", secrets["carol"], ip="203.0.113.50")
    elsewhere = right_code(api, clock, "carol", secrets["carol"], ip="203.0.113.51")

    waits_until(there, first + timedelta(hours=1), clock)
    assert got_through(elsewhere)


def test_refused_attempts_write_nothing_and_are_not_counted(api, clock):
    account_id = api.register("alice")
    for _ in range(10):
        wrong_password(api)
    logged = api.wiring.app.recorder.max_notification_id()

    refused = [wrong_password(api).status_code for _ in range(5)]

    assert refused == [429] * 5
    assert api.wiring.app.recorder.max_notification_id() == logged
    events = [e for e in api.wiring.app.events.get(UUID(account_id))
              if type(e).__name__ == "LoginFailed"]
    assert [e.reason for e in events] == ["password"] * 10
    assert api.wiring.app.repository.get(UUID(account_id)).consecutive_failures == 10


def test_when_the_counts_cannot_be_read_nobody_gets_in(api, clock):
    api.register("alice")
    with api.wiring.db.transaction() as cur:
        cur.execute("DROP TABLE login_failures")

    refused = api.call("POST", "/api/session", json={"username": "alice", "password": PASSWORD})
    wrong = wrong_password(api, "ghost")

    assert refused.status_code == wrong.status_code == 503
    assert refused.headers["Retry-After"]
    with api.wiring.db.transaction() as cur:
        assert cur.execute("SELECT COUNT(*) AS n FROM sessions").fetchone()["n"] == 0


def failures_in_all(api, at, how_many: int) -> None:
    """`how_many` failed log-ins at `at`, anywhere, as the operational table counts them."""
    with api.wiring.db.transaction() as cur:
        for _ in range(how_many):
            cur.execute("INSERT INTO login_failures (subject, kind, at, expires_at)"
                        " VALUES ('*', 'password', ?, ?)",
                        (stamp(at), stamp(at + timedelta(minutes=5))))


def test_a_thousand_failed_log_ins_in_five_minutes_hold_back_every_stranger(api, clock):
    api.register("alice")
    api.register("bob")
    api.call("POST", "/api/session", json={"username": "bob", "password": PASSWORD},
             remote_addr="192.0.2.20")  # bob's address from now on
    failures_in_all(api, clock.now - timedelta(minutes=1), 999)
    assert wrong_password(api, "alice", ip="198.51.100.1").status_code == 401  # the 1000th

    stranger = api.call("POST", "/api/session", json={"username": "bob", "password": PASSWORD},
                        remote_addr="203.0.113.9")
    made_up = wrong_password(api, "ghost", ip="203.0.113.10")
    in_another_process = bootstrap(api.wiring.settings, clock, passwords=fast_passwords())
    try:
        with pytest.raises(RateLimited):
            in_another_process.app.log_in(Origin(None, "203.0.113.11", "test", clock.now),
                                          "bob", PASSWORD)
    finally:
        in_another_process.close()
    at_home = api.call("POST", "/api/session", json={"username": "bob", "password": PASSWORD},
                       remote_addr="192.0.2.20")

    assert stranger.status_code == made_up.status_code == 429
    assert stranger.headers["Retry-After"] == made_up.headers["Retry-After"] == "240"
    assert at_home.status_code == 201
    clock.advance(seconds=240)
    assert api.call("POST", "/api/session", json={"username": "bob", "password": PASSWORD},
                    remote_addr="203.0.113.9").status_code == 201


def test_the_ceiling_counts_failed_log_ins_only(api, clock):
    api.register("alice")
    failures_in_all(api, clock.now - timedelta(minutes=1), 999)
    api.log_in("alice")
    api.call("POST", "/api/session/reauthenticate", api.log_in("alice"),
             json={"password": "not it at all"})

    assert api.call("POST", "/api/session", json={"username": "alice", "password": PASSWORD},
                    remote_addr="203.0.113.9").status_code == 201


def test_a_hundred_failures_in_a_row_lock_the_account_until_an_admin_unlocks_it(api, clock):
    api.register("alice")
    for n in range(MAX_CONSECUTIVE_FAILURES):
        clock.advance(minutes=31)  # patient enough for every moving window
        assert wrong_password(api, ip=f"10.0.{n // 250}.{n % 250}").status_code == 401
    clock.advance(days=2)

    locked = api.call("POST", "/api/session", json={"username": "alice", "password": PASSWORD})
    assert locked.status_code == 403 and locked.json["code"] == "account_locked"

    api.wiring.app.unlock(cli_origin(clock.now), "alice")
    assert api.call("POST", "/api/session", json={"username": "alice", "password": PASSWORD}
                    ).status_code == 201


def test_a_success_resets_the_consecutive_count(api, clock):
    api.register("alice")
    for n in range(MAX_CONSECUTIVE_FAILURES - 1):
        clock.advance(minutes=31)
        wrong_password(api, ip=f"10.1.{n // 250}.{n % 250}")
    clock.advance(days=1)
    api.log_in("alice")
    clock.advance(minutes=31)
    wrong_password(api)

    assert api.log_in("alice")


def test_password_guesses_through_re_authentication_are_limited_too(api, clock):
    api.register("alice")
    stolen = api.log_in("alice")
    for _ in range(10):
        result = api.call("POST", "/api/session/reauthenticate", stolen,
                          json={"password": "guess guess"})
        assert result.status_code == 403

    limited = api.call("POST", "/api/session/reauthenticate", stolen, json={"password": PASSWORD})
    change = api.call("POST", "/api/account/password", stolen,
                      json={"current_password": PASSWORD, "new_password": "a new long secret"})

    assert limited.status_code == change.status_code == 429


def test_a_made_up_username_is_held_back_exactly_like_a_real_one(api, clock):
    api.register("alice")
    answers = {}
    for name in ("alice", "ghost"):
        for n in range(10):
            wrong_password(api, username=name, ip=f"198.51.100.{n}")
        limited = wrong_password(api, username=name, ip="198.51.100.200")
        answers[name] = (limited.status_code, limited.json, limited.headers["Retry-After"])

    assert answers["alice"] == answers["ghost"]
    assert answers["ghost"][0] == 429
