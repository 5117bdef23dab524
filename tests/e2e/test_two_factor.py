"""Two-factor log-in over HTTP, with codes from a real authenticator (oathtool).

Every test enrols its own account with the code of the 30 s step it starts in (`step`) and logs
in with the next step's code (`step + STEP`): both are within the one step of drift the server
accepts even when a step boundary passes mid-test, and the log-in code is never a replay of
the enrolment code. Brute-force limits have their own module, so their counts start at zero.
"""

import time

import pytest

from tests.e2e.client import PASSWORD, Api, current_step, oathtool
from tests.e2e.client import TOTP_STEP as STEP
from tests.e2e.contract import Contract
from tests.e2e.racing import Call, Outcome, race

pytestmark = pytest.mark.e2e

@pytest.fixture
def step() -> float:
    """The start of the 30 s TOTP step this test began in (Unix time)."""
    return current_step()


def test_an_owner_enrols_an_authenticator_app_and_then_needs_its_code_to_log_in(web, mail, step):
    web.register("tara")
    web.verify_email(mail, "tara@example.com")
    token = web.sudo(web.token("tara"))

    started = web.call("POST", "/api/account/totp", token)
    secret = started.json()["secret"]
    confirmed = web.call("POST", "/api/account/totp/confirm", token,
                         json={"code": oathtool(secret, step), "label": "Phone"})
    password_step = web.call("POST", "/api/session",
                             json={"username": "tara", "password": PASSWORD})
    ticket = password_step.json()["ticket"]
    second_step = web.second_step("totp", ticket, oathtool(secret, step + STEP))

    assert started.status_code == 201
    assert started.json()["uri"].startswith("otpauth://totp/")
    assert f"secret={secret}" in started.json()["uri"]
    assert "<svg" in started.json()["qr_svg"]
    assert confirmed.status_code == 200
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 8
    assert password_step.status_code == 202
    assert password_step.json()["methods"] == ["totp", "recovery-code"]
    assert "token" not in password_step.json()
    assert second_step.status_code == 201, second_step.text
    assert second_step.json()["recovery_codes_left"] is None
    me = web.call("GET", "/api/account", second_step.json()["token"])
    assert me.json()["username"] == "tara"
    assert [m["label"] for m in me.json()["two_factor"]["methods"]] == ["Phone"]
    added = mail.wait_for("tara@example.com", "two-factor method was added").get_content()
    assert "totp (Phone)" in added
    assert mail.wait_for("tara@example.com", "New recovery codes were generated")


def test_a_used_ticket_cannot_open_a_second_session(web, mail, step):
    secret, _ = web.two_factor_user("uma", mail, step)
    ticket = web.ticket("uma")
    assert web.second_step("totp", ticket, oathtool(secret, step + STEP)).status_code == 201

    again = web.second_step("totp", ticket, oathtool(secret, step + 2 * STEP))

    assert again.status_code == 400
    assert again.json()["code"] == "invalid_token"


def test_a_totp_code_accepted_by_one_server_is_refused_as_a_replay_by_the_other(
        two_servers, mail, step):
    a, b = two_servers
    secret, _ = a.two_factor_user("victor", mail, step)
    code = oathtool(secret, step + STEP)
    assert a.second_step("totp", a.ticket("victor"), code).status_code == 201

    replayed = b.second_step("totp", b.ticket("victor"), code)

    assert replayed.status_code == 401
    assert replayed.json()["code"] == "totp_replayed"
    assert "already been used" in replayed.json()["detail"]


def test_two_servers_sent_the_same_code_at_the_same_instant_accept_it_only_once(
        two_servers, mail, step):
    a, b = two_servers
    secret, recovery_codes = a.two_factor_user("wendy", mail, step)
    code, recovery_code = oathtool(secret, step + STEP), recovery_codes[0]
    calls = {api: [Call("/api/session/totp", {"ticket": api.ticket("wendy"), "code": code}),
                   Call("/api/session/recovery-code",
                        {"ticket": api.ticket("wendy"), "code": recovery_code})]
             for api in (a, b)}

    totp_round, recovery_round = race((a.url, calls[a]), (b.url, calls[b]))

    assert sorted(totp_round, key=lambda o: o.status) == [
        Outcome(201, None), Outcome(401, "totp_replayed")]
    assert sorted(recovery_round, key=lambda o: o.status) == [
        Outcome(201, None), Outcome(401, "burned_recovery_code")]


def test_a_code_from_a_clock_three_minutes_slow_is_refused_as_out_of_sync(web, mail, step):
    secret, _ = web.two_factor_user("xavier", mail, step)
    ticket = web.ticket("xavier")

    slow = web.second_step("totp", ticket, oathtool(secret, time.time() - 180))
    in_time = web.second_step("totp", ticket, oathtool(secret, step + STEP))

    assert slow.status_code == 401
    assert slow.json()["code"] == "out_of_sync"
    assert "out of sync" in slow.json()["detail"]
    assert in_time.status_code == 201, in_time.text


def test_a_recovery_code_logs_in_once_and_is_then_refused_as_burned(web, mail, step):
    _, codes = web.two_factor_user("yara", mail, step)

    used = web.second_step("recovery-code", web.ticket("yara"), codes[0])
    burned = web.second_step("recovery-code", web.ticket("yara"), codes[0])

    assert used.status_code == 201, used.text
    assert used.json()["recovery_codes_left"] == 7
    assert burned.status_code == 401
    assert burned.json()["code"] == "burned_recovery_code"
    left = web.call("GET", "/api/account/recovery-codes", used.json()["token"])
    assert left.json() == {"recovery_codes_left": 7}
    notice = mail.wait_for("yara@example.com", "A recovery code was used").get_content()
    assert "127.0.0.1" in notice
    assert "7 recovery codes left" in notice
    assert codes[0] not in notice


def test_new_recovery_codes_need_a_fresh_password_and_retire_the_old_ones(web, mail, step):
    secret, old = web.two_factor_user("zeno", mail, step)
    token = web.second_step("totp", web.ticket("zeno"), oathtool(secret, step + STEP)).json()[
        "token"]

    unconfirmed = web.call("POST", "/api/account/recovery-codes", token)
    confirmed = web.call("POST", "/api/account/recovery-codes", web.sudo(token))
    new = confirmed.json()["recovery_codes"]
    retired = web.second_step("recovery-code", web.ticket("zeno"), old[1])
    current = web.second_step("recovery-code", web.ticket("zeno"), new[1])

    assert unconfirmed.status_code == 403
    assert unconfirmed.json()["code"] == "reauthentication_required"
    assert confirmed.status_code == 201
    assert len(set(new)) == 8 and not set(new) & set(old)
    assert retired.status_code == 401
    assert retired.json()["code"] == "invalid_recovery_code"
    assert current.status_code == 201
    assert current.json()["recovery_codes_left"] == 7


def test_an_account_whose_email_is_unverified_cannot_enrol(web):
    web.register("abel")
    token = web.token("abel")

    without_sudo = web.call("POST", "/api/account/totp", token)
    unverified = web.call("POST", "/api/account/totp", web.sudo(token))

    assert without_sudo.status_code == 403
    assert without_sudo.json()["code"] == "reauthentication_required"
    assert unverified.status_code == 403
    assert "verify your primary email" in unverified.json()["detail"]
    assert web.token("abel")  # the password alone still logs in


def test_the_only_two_factor_method_cannot_be_removed_while_uploads_require_it(web, mail, step):
    secret, _ = web.two_factor_user("bea", mail, step)
    token = web.second_step("totp", web.ticket("bea"), oathtool(secret, step + STEP)).json()[
        "token"]

    refused = web.call("DELETE", "/api/account/totp", web.sudo(token))

    assert refused.status_code == 409
    assert web.ticket("bea")  # the password alone still leads only to the second step


def test_every_two_factor_answer_is_documented_in_the_served_openapi_document(web, mail, step):
    api = Api(web.url)
    contract = Contract(api.call("GET", "/api/openapi.json").json())
    api.register("carl")
    unverified = api.token("carl")
    api.call("POST", "/api/account/totp", unverified)
    api.call("POST", "/api/account/totp", api.sudo(unverified))
    api.verify_email(mail, "carl@example.com")
    api.responses.clear()

    api.call("POST", "/api/account/totp/confirm", unverified, json={"code": "123456"})
    started = api.call("POST", "/api/account/totp", unverified).json()
    api.call("POST", "/api/account/totp/confirm", unverified, json={"code": "12345"})
    api.call("POST", "/api/account/totp/confirm", unverified,
             json={"code": oathtool(started["secret"], step)})
    api.call("GET", "/api/account/recovery-codes", unverified)
    codes = api.call("POST", "/api/account/recovery-codes", unverified).json()["recovery_codes"]
    api.call("DELETE", "/api/account/totp", unverified)
    ticket = api.call("POST", "/api/session", json={"username": "carl", "password": PASSWORD}
                      ).json()["ticket"]
    api.call("POST", "/api/session/totp", json={"ticket": ticket, "code": "12345"})
    api.call("POST", "/api/session/totp", json={"ticket": "forged", "code": "123456"})
    api.call("POST", "/api/session/recovery-code", json={"ticket": ticket, "code": "nope"})
    token = api.call("POST", "/api/session/totp", json={
        "ticket": ticket, "code": oathtool(started["secret"], step + STEP)}).json()["token"]
    api.call("POST", "/api/session/totp", json={"ticket": ticket, "code": "123456"})
    api.call("POST", "/api/session/recovery-code", json={
        "ticket": api.ticket("carl"), "code": codes[0]})
    api.call("POST", "/api/account/recovery-codes", token)
    api.call("POST", "/api/account/totp", token)

    assert {r.status_code for r in api.responses} == {200, 201, 202, 400, 401, 403, 409}
    assert [p for r in api.responses for p in contract.problems(r)] == []
