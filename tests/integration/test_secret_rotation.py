"""Rotating WHARF_SECRET_KEY: what was made under the retired secret keeps working while the
secret is listed in WHARF_PREVIOUS_SECRET_KEYS, and API tokens stop once it is dropped."""

from dataclasses import replace

import pytest

from tests.conftest import fast_passwords
from tests.integration.conftest import Api
from tests.integration.test_api_tokens import mint, project, refusal
from tests.integration.test_two_factor import code, enrolled, password_step
from wharf.bootstrap import bootstrap

NEW_SECRET = b"the-new-secret-key-0123456789"


@pytest.fixture
def rotate(settings, clock):
    opened = []

    def rotate(previous: tuple[bytes, ...]) -> Api:
        rotated = replace(settings, secret_key=NEW_SECRET, previous_secret_keys=previous)
        opened.append(bootstrap(rotated, clock, passwords=fast_passwords()))
        return Api(opened[-1])

    yield rotate
    for wiring in opened:
        wiring.close()


def test_everything_made_under_the_old_secret_keeps_working_while_it_is_listed(
        api, settings, clock, rotate):
    session, secret, recovery_codes = enrolled(api, clock)
    project(api, session, "sampleproject")
    old_token = mint(api, session).json["token"]
    api.call("POST", "/api/account/emails", session, json={"email": "second@example.com"})
    link_token = api.verification_token("second@example.com")

    rotated = rotate((settings.secret_key,))

    assert rotated.call("POST", "/api/session/totp", json={
        "ticket": password_step(rotated)["ticket"], "code": code(secret, clock)}
    ).status_code == 201
    assert rotated.call("POST", "/api/session/recovery-code", json={
        "ticket": password_step(rotated)["ticket"], "code": recovery_codes[0]}
    ).status_code == 201
    assert rotated.call("POST", "/api/account/emails/verify",
                        json={"token": link_token}).status_code == 204
    assert rotated.wiring.upload_authority.decide(old_token, "sampleproject", clock())
    new_token = mint(rotated, session, description="after rotation").json["token"]

    retired = rotate(())
    assert "retired" in refusal(retired, old_token)
    assert retired.wiring.upload_authority.decide(new_token, "sampleproject", clock())
