"""Logging in and out, listing and ending sessions, re-authentication, password changes."""

from uuid import UUID, uuid4

import falcon.testing

from tests.conftest import fast_passwords
from tests.integration.conftest import PASSWORD
from wharf.bootstrap import bootstrap
from wharf.http.app import create_app
from wharf.http.endpoint import SESSION
from wharf.http.routes import ROUTES


def test_login_returns_a_token_that_works_as_bearer_and_as_cookie(api):
    api.register("alice")
    result = api.call("POST", "/api/session", json={"username": "alice", "password": PASSWORD})

    cookie = result.cookies["wharf_session"]
    assert result.status_code == 201
    assert cookie.value == result.json["token"]
    assert cookie.http_only and cookie.secure and cookie.same_site == "Strict"
    by_bearer = api.call("GET", "/api/session", result.json["token"])
    by_cookie = api.call("GET", "/api/session", cookies={"wharf_session": cookie.value})
    assert by_bearer.json["username"] == by_cookie.json["username"] == "alice"


def test_only_a_hash_of_the_session_token_is_stored(api):
    api.register("alice")
    token = api.log_in("alice")

    with api.wiring.db.transaction() as cur:
        stored = cur.execute("SELECT token_hash FROM sessions").fetchall()
    notifications = api.wiring.app.recorder.select_notifications(1, 1000)
    assert token not in str(stored)
    assert all(token.encode() not in n.state for n in notifications)


def test_wrong_password_and_unknown_user_get_the_same_answer(api):
    api.register("alice")

    wrong_password = api.call("POST", "/api/session",
                              json={"username": "alice", "password": "not the password"})
    unknown_user = api.call("POST", "/api/session",
                            json={"username": "nobody", "password": "not the password"})

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json == unknown_user.json
    assert wrong_password.json["detail"] == "invalid username or password"


def test_a_failed_login_is_an_event(api):
    account_id = api.register("alice")
    api.call("POST", "/api/session", json={"username": "alice", "password": "not the password"})

    account = api.wiring.app.repository.get(UUID(account_id))
    failures = [e for e in api.wiring.app.events.get(account.id)
                if type(e).__name__ == "LoginFailed"]
    assert [(f.reason, f.ip) for f in failures] == [("password", "192.0.2.10")]


def test_logout_ends_the_session_and_the_old_token_is_refused(api):
    api.register("alice")
    token = api.log_in("alice")

    assert api.call("DELETE", "/api/session", token).status_code == 204
    assert api.call("GET", "/api/account", token).status_code == 401


def test_sessions_expire_after_their_lifetime(api, clock):
    api.register("alice")
    token = api.log_in("alice")
    clock.advance(hours=11, minutes=59)
    assert api.call("GET", "/api/account", token).status_code == 200

    clock.advance(minutes=1)

    assert api.call("GET", "/api/account", token).status_code == 401


def test_sessions_are_listed_with_where_they_came_from_and_can_be_ended(api, clock):
    api.register("alice")
    laptop = api.log_in("alice")
    phone = api.call("POST", "/api/session", json={"username": "alice", "password": PASSWORD},
                     headers={"User-Agent": "phone/1.0"}, remote_addr="198.51.100.7").json
    clock.advance(minutes=5)
    api.call("GET", "/api/account", phone["token"], remote_addr="198.51.100.8")

    listed = api.call("GET", "/api/account/sessions", laptop).json["sessions"]
    by_id = {s["id"]: s for s in listed}
    assert len(listed) == 2
    assert by_id[phone["session_id"]]["ip"] == "198.51.100.7"
    assert by_id[phone["session_id"]]["last_ip"] == "198.51.100.8"
    assert by_id[phone["session_id"]]["user_agent"] == "phone/1.0"
    assert by_id[phone["session_id"]]["last_seen"] > by_id[phone["session_id"]]["created_at"]
    assert [s["current"] for s in listed].count(True) == 1

    ended = api.call("DELETE", f"/api/account/sessions/{phone['session_id']}", laptop)

    assert ended.status_code == 204
    assert api.call("GET", "/api/account", phone["token"]).status_code == 401
    assert api.call("GET", "/api/account", laptop).status_code == 200


def test_nobody_can_end_someone_elses_session(api):
    api.register("alice")
    api.register("mallory")
    alice = api.call("POST", "/api/session",
                     json={"username": "alice", "password": PASSWORD}).json
    mallory = api.log_in("mallory")

    for target in (alice["session_id"], str(uuid4()), "not-a-uuid"):
        result = api.call("DELETE", f"/api/account/sessions/{target}", mallory)
        assert result.status_code == 404, target
    assert api.call("GET", "/api/account", alice["token"]).status_code == 200


def test_reauthentication_opens_a_thirty_minute_sudo_window(api, clock):
    api.register("alice")
    token = api.log_in("alice")

    wrong = api.call("POST", "/api/session/reauthenticate", token, json={"password": "nope nope"})
    right = api.call("POST", "/api/session/reauthenticate", token, json={"password": PASSWORD})

    assert wrong.status_code == 403 and wrong.json["code"] == "wrong_password"
    assert right.status_code == 200
    session_id = api.call("GET", "/api/session", token).json["session_id"]
    account = api.wiring.app.repository.get(
        UUID(api.call("GET", "/api/account", token).json["id"]))
    assert account.in_sudo_window(UUID(session_id), clock.now)
    clock.advance(minutes=30)
    assert not account.in_sudo_window(UUID(session_id), clock.now)


def test_changing_the_password_ends_every_other_session(api):
    api.register("alice")
    current, other = api.log_in("alice"), api.log_in("alice")

    changed = api.call("POST", "/api/account/password", current,
                       json={"current_password": PASSWORD, "new_password": "a brand new secret"})

    assert changed.status_code == 204
    assert api.call("GET", "/api/account", other).status_code == 401
    assert api.call("GET", "/api/account", current).status_code == 200
    assert api.call("POST", "/api/session", json={"username": "alice", "password": PASSWORD}
                    ).status_code == 401
    assert api.log_in("alice", "a brand new secret")
    assert any("password was changed" in m["Subject"] for m in api.mail())


def test_changing_the_password_needs_the_current_one_and_a_good_new_one(api):
    api.register("alice")
    token = api.log_in("alice")

    wrong = api.call("POST", "/api/account/password", token,
                     json={"current_password": "wrong wrong", "new_password": "a new secret!"})
    weak = api.call("POST", "/api/account/password", token,
                    json={"current_password": PASSWORD, "new_password": "qwerty123"})

    assert wrong.status_code == 403
    assert weak.status_code == 400 and weak.json["code"] == "weak_password"


def test_login_rehashes_a_password_hashed_with_old_parameters(api, wiring, settings, clock):
    account_id = api.register("alice")
    stronger = bootstrap(settings, clock)  # library default argon2 parameters
    try:
        client = falcon.testing.TestClient(create_app(stronger))
        assert client.simulate_post("/api/session", json={
            "username": "alice", "password": PASSWORD}).status_code == 201
        account = stronger.app.repository.get(UUID(account_id))
        assert not stronger.app.passwords.needs_rehash(account.password_hash)
        assert fast_passwords().needs_rehash(account.password_hash)
    finally:
        stronger.close()


def test_a_cookie_authenticated_change_must_come_from_our_origin(api):
    api.register("alice")
    cookie = {"wharf_session": api.log_in("alice")}
    ours = api.wiring.settings.origin

    for headers in ({}, {"Origin": "https://evil.example"}, {"Origin": "null"}):
        refused = api.call("DELETE", "/api/session", cookies=cookie, headers=headers)
        assert refused.status_code == 403, headers
        assert refused.json["code"] == "cross_site_request"
    assert api.call("GET", "/api/account", cookies=cookie).status_code == 200

    assert api.call("DELETE", "/api/session", cookies=cookie,
                    headers={"Origin": ours}).status_code == 204


def test_a_failed_login_at_an_unknown_username_is_logged_without_the_name(api):
    typo = "my secret passphrase"  # people type passwords into the username field
    api.call("POST", "/api/session", json={"username": typo, "password": "not the password"})
    api.call("POST", "/api/session", json={"username": typo.upper(), "password": "again"})

    events = [api.wiring.app.mapper.to_domain_event(n)
              for n in api.wiring.app.recorder.select_notifications(1, 100)]
    logged = [e for e in events if type(e).__module__ == "wharf.domain.unknown_username"]
    counted = api.wiring.db.query("SELECT subject FROM login_failures WHERE subject LIKE 'name:%'")
    assert [(type(e).__name__, e.ip) for e in logged] == [("FirstFailureLogged", "192.0.2.10")]
    assert len(counted) == 2  # both counted, the second not logged: one event a window
    assert len({row["subject"] for row in counted}) == 1  # the same name, whatever its case
    assert all(typo not in row["subject"].lower() for row in counted)
    assert all(typo.encode() not in n.state and b"MY SECRET" not in n.state
               for n in api.wiring.app.recorder.select_notifications(1, 100))


def test_what_a_session_reads_from_the_api_may_not_be_kept_by_a_cache(api):
    session = api.user("alice")
    readable = [path for path, resource in ROUTES
                if getattr(resource, "endpoints", {}).get("GET") is not None
                and resource.endpoints["GET"].auth == SESSION and "{" not in path]
    assert "/api/account" in readable and "/api/account/tokens" in readable

    for path in readable:
        for credentials in ({"token": session}, {"cookies": {"wharf_session": session}}):
            result = api.call("GET", path, **credentials)  # a refusal too (admin pages)
            assert result.status_code in (200, 403), (path, result.text)
            assert result.headers.get("Cache-Control") == "no-store", path
