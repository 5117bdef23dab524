"""Forgotten passwords over HTTP: gunicorn, the projection process delivering the outbox, and
PostgreSQL. The link is read from the delivered email, as its owner would read it."""

import pytest

from tests.e2e.client import PASSWORD

pytestmark = pytest.mark.e2e

NEW = "a brand new passphrase here"


def reset_link(web, mail, name: str) -> str:
    """Ask for a reset for `name`, then read the link's token from the delivered email."""
    asked = web.call("POST", "/api/password-reset", json={"username_or_email": name})
    assert asked.status_code == 202, asked.text
    body = mail.wait_for(f"{name}@example.com", "Reset your password").get_content()
    return body.split("/account/password-reset?token=")[1].split()[0]


def verified(web, mail, name: str) -> None:
    web.register(name)
    web.verify_email(mail, f"{name}@example.com")


def complete(web, token: str, password: str = NEW):
    return web.call("POST", "/api/password-reset/complete",
                    json={"token": token, "new_password": password})


def test_a_reset_by_the_emailed_link_ends_every_session_and_works_once(web, mail):
    verified(web, mail, "ada")
    session = web.token("ada")
    token = reset_link(web, mail, "ada")

    assert complete(web, token).status_code == 200

    for _ in range(4):  # every worker sees it, whichever answers
        assert web.call("GET", "/api/session", session).status_code == 401
    web.token("ada", NEW)
    mail.wait_for("ada@example.com", "Your password was reset")
    again = complete(web, token, "yet another passphrase")
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_token"


def test_the_link_is_refused_after_a_log_in(web, mail):
    verified(web, mail, "bea")
    token = reset_link(web, mail, "bea")
    web.token("bea")

    refused = complete(web, token)

    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_token"


def test_the_link_is_refused_after_a_password_change(web, mail):
    verified(web, mail, "cy")
    session = web.token("cy")
    token = reset_link(web, mail, "cy")
    changed = web.call("POST", "/api/account/password", session,
                       json={"current_password": PASSWORD, "new_password": "changed passphrase"})
    assert changed.status_code == 204

    assert complete(web, token).status_code == 400


def test_known_and_unknown_names_get_the_same_status_and_body(web, mail):
    verified(web, mail, "dee")

    known = web.call("POST", "/api/password-reset", json={"username_or_email": "dee"})
    unknown = web.call("POST", "/api/password-reset", json={"username_or_email": "nobody-here"})

    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert known.headers["Content-Type"] == unknown.headers["Content-Type"]


def test_a_new_verification_link_replaces_the_old(web, mail):
    web.register("eve")
    old = mail.verification_token("eve@example.com")
    session = web.token("eve")

    assert web.call("POST", "/api/account/emails/eve@example.com/verification",
                    session).status_code == 202

    assert web.call("POST", "/api/account/emails/verify", json={"token": old}).status_code == 400


def test_a_reset_does_not_skip_the_second_factor(web, mail):
    from tests.e2e.client import current_step

    web.two_factor_user("hal", mail, current_step())
    token = reset_link(web, mail, "hal")

    assert complete(web, token).status_code == 200

    step = web.call("POST", "/api/session", json={"username": "hal", "password": NEW})
    assert step.status_code == 202
    assert "totp" in step.json()["methods"]
