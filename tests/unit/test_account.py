"""The Account aggregate's rules, without any store."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from wharf.domain.account import MAX_EMAILS, Account
from wharf.domain.errors import Conflict, InvalidInput, InvalidToken, NotFound
from wharf.domain.origin import Origin

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def at(moment: datetime = NOW) -> Origin:
    return Origin(None, "192.0.2.1", "tests", moment)


def new_account() -> Account:
    account = Account.register(at(), uuid4(), "alice", "hash")
    account.add_email(at(), "alice@example.com", "alice@example.com", "aa" * 16,
                      NOW + timedelta(hours=1))
    return account


def test_the_first_email_is_primary_and_unverified():
    account = new_account()
    assert account.emails["alice@example.com"]["primary"]
    assert not account.emails["alice@example.com"]["verified"]


def test_an_email_is_verified_with_its_nonce_once_and_before_it_expires():
    account = new_account()
    with pytest.raises(InvalidToken):
        account.verify_email(at(), "bb" * 16)
    with pytest.raises(InvalidToken, match="expired"):
        account.verify_email(at(NOW + timedelta(hours=1)), "aa" * 16)

    assert account.verify_email(at(), "aa" * 16) == "alice@example.com"
    with pytest.raises(InvalidToken, match="already been used"):
        account.verify_email(at(), "aa" * 16)


def test_only_a_verified_email_becomes_primary_and_the_primary_cannot_be_removed():
    account = new_account()
    account.add_email(at(), "b@example.com", "b@example.com", "cc" * 16, NOW + timedelta(hours=1))
    with pytest.raises(Conflict):
        account.make_primary(at(), "b@example.com")
    with pytest.raises(Conflict):
        account.remove_email(at(), "alice@example.com")
    with pytest.raises(NotFound):
        account.remove_email(at(), "nobody@example.com")
    account.verify_email(at(), "cc" * 16)
    account.make_primary(at(), "b@example.com")
    account.remove_email(at(), "alice@example.com")
    assert list(account.emails) == ["b@example.com"]


def test_an_account_holds_a_bounded_number_of_emails():
    account = new_account()
    for n in range(MAX_EMAILS - 1):
        account.add_email(at(), f"{n}@example.com", f"{n}@example.com", "dd" * 16, NOW)
    with pytest.raises(InvalidInput):
        account.add_email(at(), "more@example.com", "more@example.com", "dd" * 16, NOW)


def test_a_password_change_ends_every_other_live_session():
    account = new_account()
    keep, other = uuid4(), uuid4()
    account.log_in(at(), keep, "h1", NOW + timedelta(hours=12))
    account.log_in(at(), other, "h2", NOW + timedelta(hours=12))

    account.change_password(at(), "new-hash", keep_session_id=keep)

    assert account.pending_events[-1].ended_session_ids == [other]
    assert set(account.sessions) == {str(keep)}


def test_expired_sessions_are_forgotten_and_cannot_be_ended_or_reauthenticated():
    account = new_account()
    old = uuid4()
    account.log_in(at(), old, "h1", NOW + timedelta(hours=12))
    later = at(NOW + timedelta(hours=13))
    with pytest.raises(NotFound):
        account.reauthenticate(later, old, NOW + timedelta(hours=14))
    account.log_in(later, uuid4(), "h2", NOW + timedelta(hours=25))
    assert str(old) not in account.sessions


def test_the_sudo_window_closes_on_time():
    account = new_account()
    session = uuid4()
    account.log_in(at(), session, "h", NOW + timedelta(hours=12))
    account.reauthenticate(at(), session, NOW + timedelta(minutes=30))
    assert account.in_sudo_window(session, NOW + timedelta(minutes=29))
    assert not account.in_sudo_window(session, NOW + timedelta(minutes=30))
    assert not account.in_sudo_window(uuid4(), NOW)
