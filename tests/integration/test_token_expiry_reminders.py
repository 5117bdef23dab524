"""A token's owner is emailed once, 3 days before it expires: `wharf tokens remind-expiring`,
run on a schedule, records a reminder per token, so runs that repeat or race remind no one
twice."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import fast_passwords
from tests.integration.conftest import Api
from tests.integration.test_api_tokens import mint
from tests.integration.test_cli import wharf
from tests.integration.test_two_factor import enrolled
from wharf.bootstrap import bootstrap
from wharf.domain.origin import cli_origin


def remind(api, clock) -> int:
    return api.wiring.app.remind_expiring_tokens(cli_origin(clock()))


def reminders(api) -> list:
    return [m for m in api.mail() if "expires in 3 days" in m["Subject"]]


@pytest.fixture
def alice(api, clock) -> str:
    session, _, _ = enrolled(api, clock)
    return session


def test_the_owner_is_emailed_once_three_days_before_expiry(api, clock, alice):
    expires_at = clock.now + timedelta(days=5)
    minted = mint(api, alice, description="ci", expires_at=expires_at.isoformat())
    assert minted.status_code == 201, minted.json

    assert remind(api, clock) == 0  # 5 days left: not yet
    clock.advance(days=2, seconds=1)
    assert remind(api, clock) == 1
    assert remind(api, clock) == 0  # once only
    clock.advance(days=1)
    assert remind(api, clock) == 0

    [message] = reminders(api)
    assert message["To"] == "alice@example.com"
    body = message.get_content()
    assert '"ci"' in body and "expires at" in body and "pypi-" not in body


def test_tokens_without_expiry_revoked_or_expired_are_not_reminded(api, clock, alice):
    mint(api, alice, description="forever")
    revoked = mint(api, alice, description="revoked",
                   expires_at=(clock.now + timedelta(days=1)).isoformat()).json
    api.call("DELETE", f"/api/account/tokens/{revoked['id']}", alice)
    mint(api, alice, description="short", expires_at=(clock.now + timedelta(hours=1)).isoformat())
    clock.advance(hours=2)

    assert remind(api, clock) == 0
    assert reminders(api) == []


def test_the_reminder_is_in_the_owners_history(api, clock, alice):
    token = mint(api, alice, description="ci",
                 expires_at=(clock.now + timedelta(days=2)).isoformat()).json
    assert remind(api, clock) == 1

    history = api.call("GET", "/api/account/events", alice,
                       params={"name": "account:api_token:expiry_reminder"}).json["events"]
    assert [(e["token_id"], e["details"]["description"]) for e in history] == [
        (token["id"], "ci")]


def test_the_command_reminds_each_token_once(settings, clock):
    assert wharf(settings, "init").returncode == 0
    wiring = bootstrap(settings, clock, passwords=fast_passwords())
    try:
        api = Api(wiring)
        session, _, _ = enrolled(api, clock)
        soon = datetime.now(UTC) + timedelta(days=2)  # the command runs on the real clock
        assert mint(api, session, description="ci", expires_at=soon.isoformat()).status_code == 201

        first = wharf(settings, "tokens", "remind-expiring")
        again = wharf(settings, "tokens", "remind-expiring")

        assert first.returncode == 0 and "1 token owner(s) reminded" in first.stdout, first.stderr
        assert again.returncode == 0 and "0 token owner(s) reminded" in again.stdout
    finally:
        wiring.close()
