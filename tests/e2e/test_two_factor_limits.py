"""Brute-force limits over HTTP: once a window holds its limit of failures, 429 and Retry-After.

Its own module, so its own schema: the per-address counts of other modules never reach it. The
servers trust 127.0.0.1 as a proxy, so each test sends its requests from client addresses of
its own (X-Forwarded-For) and no test's failures count against another's. The servers' clock
is real: these tests show each limit closing and what Retry-After promises, never the window
opening again five minutes later.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.client import PASSWORD, current_step, oathtool, oathtool_window
from tests.e2e.client import TOTP_STEP as STEP
from tests.e2e.contract import Contract

pytestmark = pytest.mark.e2e

WRONG_PASSWORD = "not the password at all"


@pytest.fixture(scope="module")
def extra_environ() -> dict[str, str]:
    return {"WHARF_TRUSTED_PROXIES": "127.0.0.1/32"}


@pytest.fixture
def step() -> float:
    return current_step()


@pytest.fixture(scope="module")
def contract(web) -> Contract:
    return Contract(web.call("GET", "/api/openapi.json").json())


def wrong_code(secret: str) -> str:
    """A well-formed code that matches no step within 12 of now: plainly invalid, not drift."""
    near = set(oathtool_window(secret, time.time() - 12 * STEP, 25))
    return next(code for code in (str(digit) * 6 for digit in range(10)) if code not in near)


def log_in(api, username: str, password: str):
    return api.call("POST", "/api/session", json={"username": username, "password": password})


def assert_rate_limited(response, contract: Contract) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "rate_limited"
    assert contract.problems(response) == []
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit()
    # The failures are seconds old, so the 5-minute window frees a little under 5 minutes on.
    assert 240 < int(retry_after) <= 300


def test_after_five_wrong_codes_even_the_right_one_must_wait_for_retry_after(
        web, contract, mail, step):
    home, away = web.from_address("198.51.100.1"), web.from_address("198.51.100.2")
    secret, recovery_codes = home.two_factor_user("cleo", mail, step)
    ticket, wrong, right = home.ticket("cleo"), wrong_code(secret), oathtool(secret, step + STEP)

    failures = [home.second_step("totp", ticket, wrong) for _ in range(5)]
    right_code = home.second_step("totp", ticket, right)
    recovery_code = home.second_step("recovery-code", ticket, recovery_codes[0])
    from_elsewhere = away.second_step("totp", away.ticket("cleo"), right)

    assert [(f.status_code, f.json()["code"]) for f in failures] == [(401, "invalid_totp")] * 5
    for refused in (right_code, recovery_code, from_elsewhere):
        assert_rate_limited(refused, contract)
    neighbour, _ = home.two_factor_user("dana", mail, step)  # the address itself is not held
    assert home.second_step("totp", home.ticket("dana"),
                            oathtool(neighbour, step + STEP)).status_code == 201


def test_ten_failed_second_steps_from_one_address_hold_back_every_account_there(
        web, contract, mail, step):
    shared, other = web.from_address("198.51.100.3"), web.from_address("198.51.100.4")
    secret_of = {name: shared.two_factor_user(name, mail, step)[0]
               for name in ("eli", "fay", "gus", "hal")}
    tickets = {name: shared.ticket(name) for name in secret_of}

    failures = (
        [shared.second_step("totp", tickets["eli"], wrong_code(secret_of["eli"]))
         for _ in range(4)]
        + [shared.second_step("recovery-code", tickets["fay"], "0123-4567-89ab-cdef")
           for _ in range(4)]
        + [shared.second_step("totp", tickets["gus"], oathtool(secret_of["gus"], time.time() - 180))
           for _ in range(2)])
    hal_right_code = oathtool(secret_of["hal"], step + STEP)
    held_back = shared.second_step("totp", tickets["hal"], hal_right_code)
    from_elsewhere = other.second_step("totp", other.ticket("hal"), hal_right_code)

    assert [f.json()["code"] for f in failures] == (
        ["invalid_totp"] * 4 + ["invalid_recovery_code"] * 4 + ["out_of_sync"] * 2)
    assert_rate_limited(held_back, contract)
    # The right code gets through there; an address new to hal holds it for the emailed link.
    assert from_elsewhere.status_code == 202, from_elsewhere.text
    assert from_elsewhere.json()["status"] == "device-confirmation-sent"
    assert contract.problems(from_elsewhere) == []


def test_after_ten_wrong_passwords_even_the_right_one_must_wait_for_retry_after(web, contract):
    web.register("ivy")
    addresses = [web.from_address(f"198.51.100.{10 + i}") for i in range(11)]

    failures = [log_in(api, "ivy", WRONG_PASSWORD) for api in addresses[:10]]
    right_password = log_in(addresses[10], "ivy", PASSWORD)

    assert [(f.status_code, f.json()["code"]) for f in failures] == [
        (401, "invalid_credentials")] * 10
    assert_rate_limited(right_password, contract)
    addresses[10].register("jon")  # the address itself is not held
    assert addresses[10].token("jon")


def test_ten_wrong_passwords_from_one_address_hold_back_every_account_there(web, contract):
    shared, other = web.from_address("198.51.100.40"), web.from_address("198.51.100.41")
    shared.register("kim")
    shared.register("lou")

    failures = ([log_in(shared, "kim", WRONG_PASSWORD) for _ in range(5)]
                + [log_in(shared, f"nobody{i}", WRONG_PASSWORD) for i in range(5)])
    held_back = log_in(shared, "lou", PASSWORD)
    unknown_name = log_in(shared, "nobody9", WRONG_PASSWORD)

    assert [f.status_code for f in failures] == [401] * 10
    assert_rate_limited(held_back, contract)
    assert_rate_limited(unknown_name, contract)
    assert other.token("lou")


def test_an_unknown_username_is_held_back_after_ten_failures_like_a_real_one(web, contract):
    addresses = [web.from_address(f"198.51.100.{50 + i}") for i in range(11)]

    failures = [log_in(api, "ghost", WRONG_PASSWORD) for api in addresses[:10]]
    eleventh = log_in(addresses[10], "ghost", WRONG_PASSWORD)

    assert [f.status_code for f in failures] == [401] * 10
    assert_rate_limited(eleventh, contract)


def simultaneously(*actions):
    """Run the actions in threads released together by a barrier; return their results."""
    barrier = threading.Barrier(len(actions))

    def run(action):
        barrier.wait(30)
        return action()

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(run, actions))


def test_two_simultaneous_failures_at_the_per_address_limit_let_only_one_through(
        two_servers, database):
    a, b = two_servers
    address = "198.51.100.70"
    on_a, on_b = a.from_address(address), b.from_address(address)
    for name in ("nia", "oto"):
        a.register(name)
    for i in range(9):
        assert log_in(on_a, f"nobody-{i}", WRONG_PASSWORD).status_code == 401

    answers = simultaneously(lambda: log_in(on_a, "nia", WRONG_PASSWORD),
                             lambda: log_in(on_b, "oto", WRONG_PASSWORD))

    assert sorted(r.status_code for r in answers) == [401, 429]
    counted = database.execute("SELECT count(*) FROM login_failures WHERE subject = %s",
                               (f"ip:{address}",)).fetchone()[0]
    assert counted == 10
