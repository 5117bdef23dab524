"""The Account's rules for a held log-in from a new device, without any store."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from wharf.domain.account import Account
from wharf.domain.devices import CONFIRM_WITHIN
from wharf.domain.errors import DeviceElsewhere, InvalidToken
from wharf.domain.origin import Origin

NOW = datetime(2026, 6, 1, tzinfo=UTC)
NEW = "203.0.113.7"
NONCE = "ab" * 16


def from_(ip: str = NEW, moment: datetime = NOW) -> Origin:
    return Origin(None, ip, "tests", moment)


def held() -> tuple[Account, object]:
    account = Account.register(from_("192.0.2.1"), uuid4(), "alice", "hash")
    ticket_id = uuid4()
    account.issue_ticket(from_(), ticket_id, "hash", NOW + timedelta(minutes=5), ["totp"])
    account.hold_new_device(from_(), NONCE, "totp", ticket_id, "Phone")
    return account, ticket_id


def test_a_hold_spends_its_ticket_and_remembers_the_address_and_method():
    account, ticket_id = held()

    assert str(ticket_id) not in account.tickets
    assert account.device_holds[NONCE] == {"ip": NEW, "expires_at": NOW + CONFIRM_WITHIN,
                                           "method": "totp", "label": "Phone", "unlocks": False}


def test_only_the_address_that_logged_in_confirms_and_only_once():
    account, _ = held()

    with pytest.raises(DeviceElsewhere):
        account.confirm_device(from_("198.51.100.1"), NONCE)
    assert account.confirm_device(from_(), NONCE)["method"] == "totp"
    with pytest.raises(InvalidToken, match="already been used"):
        account.confirm_device(from_(), NONCE)


def test_a_hold_expires_after_fifteen_minutes():
    account, _ = held()

    with pytest.raises(InvalidToken, match="expired"):
        account.confirm_device(from_(moment=NOW + timedelta(minutes=15)), NONCE)
    assert account.confirm_device(from_(moment=NOW + timedelta(minutes=14, seconds=59)), NONCE)


def test_an_unknown_nonce_confirms_nothing():
    account, _ = held()

    with pytest.raises(InvalidToken):
        account.confirm_device(from_(), "cd" * 16)


def test_a_password_change_or_a_freeze_kills_the_held_log_in():
    changed, _ = held()
    frozen, _ = held()

    changed.change_password(from_(), "new hash", keep_session_id=uuid4())
    frozen.freeze(from_(), "test")

    for account in (changed, frozen):
        with pytest.raises(InvalidToken, match="already been used"):
            account.check_device_link(from_(), NONCE)
