"""TOTP (RFC 6238) behind one small interface; pyotp computes, Wharf decides.

Secrets are 160 bits, codes 6 digits, SHA1, 30 s steps. A code matching the current step or one
either side is accepted; one matching only 2..10 steps away is reported as clock drift.
"""

import hashlib
import hmac
import secrets
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno

STEP_SECONDS = 30
DIGITS = 6
ACCEPTED_DRIFT = 1
REPORTED_DRIFT = 10


@dataclass(frozen=True)
class Match:
    step: int    # the absolute time step the code belongs to
    offset: int  # steps away from now

    @property
    def in_window(self) -> bool:
        return abs(self.offset) <= ACCEPTED_DRIFT


def new_secret() -> str:
    return b32encode(secrets.token_bytes(20)).decode()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=4, title="TOTP enrolment QR code")


def code_at(secret: str, moment: float, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    return pyotp.TOTP(secret, digits=digits, digest=digest, interval=STEP_SECONDS).at(moment)


def hotp(secret: str, counter: int, digits: int = DIGITS) -> str:
    return pyotp.HOTP(secret, digits=digits).at(counter)


def find(secret: str, code: str, at: datetime) -> Match | None:
    """The step within REPORTED_DRIFT of `at` whose code is `code`, checking every step."""
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):  # not "١٢٣٤٥٦"
        return None
    now_step = int(at.timestamp()) // STEP_SECONDS
    found = None
    for offset in sorted(range(-REPORTED_DRIFT, REPORTED_DRIFT + 1), key=abs):
        candidate = code_at(secret, (now_step + offset) * STEP_SECONDS)
        if hmac.compare_digest(candidate, code) and found is None:
            found = Match(now_step + offset, offset)
    return found


