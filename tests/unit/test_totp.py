"""Wharf's TOTP module against the RFC test vectors, and its drift and replay rules."""

import hashlib
from base64 import b32encode
from datetime import UTC, datetime

import pytest

from wharf.security import totp

RFC_SEED = b32encode(b"12345678901234567890").decode()
RFC_SEED_256 = b32encode(b"12345678901234567890123456789012").decode()
RFC_SEED_512 = b32encode(b"1234567890" * 6 + b"1234").decode()


@pytest.mark.parametrize(("moment", "sha1", "sha256", "sha512"), [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
])
def test_rfc_6238_appendix_b(moment, sha1, sha256, sha512):
    assert totp.code_at(RFC_SEED, moment, digits=8, digest=hashlib.sha1) == sha1
    assert totp.code_at(RFC_SEED_256, moment, digits=8, digest=hashlib.sha256) == sha256
    assert totp.code_at(RFC_SEED_512, moment, digits=8, digest=hashlib.sha512) == sha512


def test_rfc_4226_appendix_d():
    expected = ["755224", "287082", "359152", "969429", "338314",
                "254676", "287922", "162583", "399871", "520489"]
    assert [totp.hotp(RFC_SEED, counter) for counter in range(10)] == expected


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_secrets_are_160_bits_of_base32():
    secrets = {totp.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(len(s) == 32 for s in secrets)  # 20 bytes


def test_the_current_step_and_one_either_side_are_accepted():
    secret, now = totp.new_secret(), 1_800_000_000
    for offset in (-1, 0, 1):
        match = totp.find(secret, totp.code_at(secret, now + 30 * offset), at(now))
        assert match.in_window and match.offset == offset
        assert match.step == now // 30 + offset


@pytest.mark.parametrize("offset", [-10, -2, 2, 10])
def test_a_code_two_to_ten_steps_away_is_recognised_as_drift(offset):
    secret, now = totp.new_secret(), 1_800_000_000
    match = totp.find(secret, totp.code_at(secret, now + 30 * offset), at(now))
    assert match.offset == offset and not match.in_window


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 456"])
def test_malformed_codes_match_nothing(code):
    assert totp.find(totp.new_secret(), code, at(1_800_000_000)) is None


def test_a_code_eleven_steps_away_is_simply_wrong():
    secret, now = totp.new_secret(), 1_800_000_000
    code = totp.code_at(secret, now + 30 * 11)
    match = totp.find(secret, code, at(now))
    assert match is None or abs(match.offset) <= 10  # a collision is allowed, never step 11


def test_the_qr_code_is_an_svg_of_the_uri():
    uri = totp.provisioning_uri(totp.new_secret(), "alice", "Wharf")
    assert uri.startswith("otpauth://totp/Wharf:alice?secret=") and "issuer=Wharf" in uri
    assert totp.qr_svg(uri).startswith("<svg")
