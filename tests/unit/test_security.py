"""Password policy, verification tokens, and where a request comes from."""

import ipaddress
from uuid import uuid4

import pytest

from wharf.domain.errors import InvalidToken, WeakPassword
from wharf.http.client import client_ip
from wharf.security.passwords import check_policy
from wharf.security.tokens import (
    ResetTokens,
    VerificationTokens,
    new_session_token,
    token_hash,
)


@pytest.mark.parametrize(("password", "rule"), [
    ("1234567", "at least 8 characters"), ("x" * 4097, "at most 4096 characters"),
    ("password", "too common"), ("Password1", "too common"), ("iloveyou", "too common")])
def test_short_long_or_common_passwords_are_refused_each_by_its_rule(password, rule):
    with pytest.raises(WeakPassword, match=rule):
        check_policy(password, username="alice")


@pytest.mark.parametrize("password", ["quiet-harbour-1987", "Quiet-Harbour-1987"])
def test_a_password_equal_to_the_username_is_refused_though_it_is_not_common(password):
    check_policy(password)  # no other rule refuses it: only the username rule can
    with pytest.raises(WeakPassword, match="must not be your username"):
        check_policy(password, username="quiet-harbour-1987")


@pytest.mark.parametrize("password", ["correct horse battery staple", "ü" * 8, "x" * 4096])
def test_long_passphrases_of_any_characters_are_accepted(password):
    check_policy(password, username="alice")


def test_a_verification_token_opens_only_with_the_same_secret_and_unaltered():
    account_id = uuid4()
    token = VerificationTokens(b"secret").issue(account_id, "ab" * 16)

    assert VerificationTokens(b"secret").open(token) == (account_id, "ab" * 16)
    with pytest.raises(InvalidToken):
        VerificationTokens(b"other").open(token)
    for forged in (token[:-1], token + "A", token.upper(), "", "!!!", "A" * 86):
        with pytest.raises(InvalidToken):
            VerificationTokens(b"secret").open(forged)


def test_a_reset_token_is_genuine_only_for_the_markers_it_was_issued_over():
    from datetime import UTC, datetime, timedelta

    account, issued = uuid4(), datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)
    markers = (issued - timedelta(days=1), None)
    token = ResetTokens(b"secret").issue(account, issued, markers)

    assert ResetTokens.open(token) == (account, issued)
    assert ResetTokens(b"secret").genuine(token, markers)
    assert ResetTokens(b"new", (b"secret",)).genuine(token, markers)  # a retired secret
    assert not ResetTokens(b"other").genuine(token, markers)
    assert not ResetTokens(b"secret").genuine(token, (issued, None))  # logged in since
    assert not ResetTokens(b"secret").genuine(token, (markers[0], issued))  # password changed
    assert not ResetTokens(b"secret").genuine(token[:-2], markers)
    assert ResetTokens.open("not a token") is None


def test_session_tokens_are_random_and_stored_as_a_digest():
    tokens = {new_session_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 43 for t in tokens)
    token = tokens.pop()
    assert token_hash(token) != token and len(token_hash(token)) == 64


PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy():
    assert client_ip("203.0.113.9", "198.51.100.1", PROXIES) == "203.0.113.9"
    assert client_ip("203.0.113.9", "198.51.100.1", ()) == "203.0.113.9"


def test_the_client_is_the_first_untrusted_hop_from_the_right():
    assert client_ip("10.0.0.1", "198.51.100.1", PROXIES) == "198.51.100.1"
    assert client_ip("10.0.0.1", "6.6.6.6, 198.51.100.1, 10.0.0.2", PROXIES) == "198.51.100.1"
    assert client_ip("10.0.0.1", "garbage, 10.0.0.2", PROXIES) == "10.0.0.2"
