"""Changing the password ends every other session, on every server, at once."""

import pytest

from tests.e2e.client import PASSWORD

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a brand new passphrase for the harbour"


def _change(api, token, current=PASSWORD, new=NEW_PASSWORD):
    return api.call("POST", "/api/account/password", token,
                    json={"current_password": current, "new_password": new})


def test_a_password_change_ends_the_other_session_everywhere_but_keeps_this_one(two_servers, mail):
    a, b = two_servers
    a.register("pat", "pat@example.com")
    kept, other = a.token("pat"), b.token("pat")

    assert _change(a, kept).status_code == 204

    ended = b.call("GET", "/api/account", other)
    assert ended.status_code == 401
    assert a.call("GET", "/api/account", other).status_code == 401
    assert b.call("GET", "/api/account", kept).json()["username"] == "pat"
    listed = b.call("GET", "/api/account/sessions", kept).json()["sessions"]
    assert [s["current"] for s in listed] == [True]
    assert mail.wait_for("pat@example.com", "password was changed")


def test_after_a_password_change_only_the_new_password_logs_in(two_servers):
    a, b = two_servers
    a.register("quinn")
    token = a.token("quinn")

    assert _change(a, token).status_code == 204

    old = b.call("POST", "/api/session", json={"username": "quinn", "password": PASSWORD})
    assert old.status_code == 401
    assert b.call("GET", "/api/account", b.token("quinn", NEW_PASSWORD)).status_code == 200


def test_a_wrong_current_password_changes_nothing_and_ends_no_session(two_servers):
    a, b = two_servers
    a.register("robin")
    kept, other = a.token("robin"), b.token("robin")

    refused = _change(a, kept, current="not the password at all")

    assert refused.status_code == 403
    assert refused.json()["code"] == "wrong_password"
    assert b.call("GET", "/api/account", other).status_code == 200
    assert b.token("robin", PASSWORD)
