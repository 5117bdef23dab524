"""Opaque bearer secrets: session tokens and signed emailed links (email verification, unlock,
password reset).

Session tokens are 256-bit random values; only their SHA-256 is stored. Emailed tokens are
derived (HMAC-SHA256 with the server secret, a key per purpose) from the account id and a random
nonce recorded in the event, so no usable link is ever stored.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from wharf.domain.errors import InvalidToken


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_nonce() -> str:
    return secrets.token_hex(16)


# What an emailed link is for: each purpose signs under a key of its own.
EMAIL_VERIFICATION, ACCOUNT_UNLOCK = b"email-verification", b"account-unlock"
NEW_DEVICE, RECOVERY_CANCEL, ROLE_INVITATION = b"new-device", b"recovery-cancel", b"role-invitation"


class VerificationTokens:
    def __init__(self, secret_key: bytes, previous: tuple[bytes, ...] = (),
                 purpose: bytes = EMAIL_VERIFICATION):
        if not secret_key:
            raise ValueError("a server secret key is required")
        # One key per purpose: a token made for one never opens another's door.
        self._keys = [hashlib.sha256(b"wharf:" + purpose + b":" + key).digest()
                      for key in (secret_key, *previous)]

    def issue(self, account_id: UUID, nonce: str) -> str:
        body = account_id.bytes + bytes.fromhex(nonce)
        return _b64(body + self._mac(self._keys[0], body))

    def open(self, token: str) -> tuple[UUID, str]:
        """Return (account id, nonce) of a genuine token; the aggregate decides if it is live."""
        raw = _unb64(token)
        body, mac = raw[:32], raw[32:]
        if len(raw) != 64 or not any(hmac.compare_digest(mac, self._mac(key, body))
                                     for key in self._keys):
            raise InvalidToken("this link is invalid")
        return UUID(bytes=body[:16]), body[16:].hex()

    @staticmethod
    def _mac(key: bytes, body: bytes) -> bytes:
        return hmac.new(key, body, hashlib.sha256).digest()


class ResetTokens:
    """Password-reset links: HMAC-SHA256, under a key derived from the server secret, over the
    account id, the request's time and the account's markers (last log-in, last password
    change). Only the id and the time travel in the clear; nothing secret is stored anywhere,
    and a link dies when a marker moves."""

    def __init__(self, secret_key: bytes, previous: tuple[bytes, ...] = ()):
        if not secret_key:
            raise ValueError("a server secret key is required")
        self._keys = [hashlib.sha256(b"wharf:password-reset:" + key).digest()
                      for key in (secret_key, *previous)]

    def issue(self, account_id: UUID, issued_at: datetime, markers) -> str:
        body = account_id.bytes + _micros(issued_at).to_bytes(8, "big", signed=True)
        return _b64(body + self._mac(self._keys[0], body, markers))

    @staticmethod
    def open(token: str) -> tuple[UUID, datetime] | None:
        """The (account id, issue time) a token claims, not yet checked; None when malformed."""
        raw = _unb64(token)
        if len(raw) != 56:
            return None
        micros = int.from_bytes(raw[16:24], "big", signed=True)
        try:
            return UUID(bytes=raw[:16]), EPOCH + timedelta(microseconds=micros)
        except OverflowError:
            return None

    def genuine(self, token: str, markers) -> bool:
        raw = _unb64(token)
        body, mac = raw[:24], raw[24:]
        return len(raw) == 56 and any(
            hmac.compare_digest(mac, self._mac(key, body, markers)) for key in self._keys)

    @staticmethod
    def _mac(key: bytes, body: bytes, markers) -> bytes:
        state = b"".join(_micros(m).to_bytes(8, "big", signed=True) if m else b"\0" * 8
                         for m in markers)
        return hmac.new(key, body + state, hashlib.sha256).digest()


class CeremonyTokens:
    """A passkey log-in's challenge, handed to the browser with its expiry under an HMAC, so
    that beginning a log-in stores nothing; completing it spends the challenge, once."""

    def __init__(self, secret_key: bytes, previous: tuple[bytes, ...] = ()):
        if not secret_key:
            raise ValueError("a server secret key is required")
        self._keys = [hashlib.sha256(b"wharf:passkey-login:" + key).digest()
                      for key in (secret_key, *previous)]

    def issue(self, challenge: str, expires_at: datetime) -> str:
        body = _micros(expires_at).to_bytes(8, "big", signed=True) + _unb64(challenge)
        return _b64(body + hmac.new(self._keys[0], body, hashlib.sha256).digest())

    def open(self, token: str, now: datetime) -> str:
        """The challenge of a genuine, unexpired token."""
        raw = _unb64(token)
        body, mac = raw[:-32], raw[-32:]
        if len(raw) != 72 or not any(
                hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).digest())
                for key in self._keys):
            raise InvalidToken("this passkey request is invalid: start again")
        if EPOCH + timedelta(microseconds=int.from_bytes(body[:8], "big", signed=True)) <= now:
            raise InvalidToken("this passkey request expired: start again")
        return _b64(body[8:])


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    """Decode unpadded url-safe base64; anything malformed decodes to nothing."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        return b""


class Pseudonyms:
    """Stable keyed digests that let the log correlate a value without ever holding it."""

    def __init__(self, secret_key: bytes):
        if not secret_key:
            raise ValueError("a server secret key is required")
        self._key = hashlib.sha256(b"wharf:pseudonym:" + secret_key).digest()

    def of(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()


def new_ticket(account_id: UUID) -> tuple[UUID, str]:
    """A second-step log-in ticket: it names its account and itself, the rest is random."""
    ticket_id = uuid4()
    return ticket_id, _b64(account_id.bytes + ticket_id.bytes + secrets.token_bytes(32))


def parse_ticket(ticket: str) -> tuple[UUID, UUID] | None:
    raw = _unb64(ticket)
    if len(raw) != 64:
        return None
    return UUID(bytes=raw[:16]), UUID(bytes=raw[16:32])
