"""One-time recovery codes: 8 codes of 64 random bits, shown once, stored as keyed digests."""

import hashlib
import hmac
import secrets

COUNT = 8


class RecoveryCodes:
    def __init__(self, secret_key: bytes):
        if not secret_key:
            raise ValueError("a server secret key is required")
        self._key = hashlib.sha256(b"wharf:recovery-codes:" + secret_key).digest()

    def generate(self) -> list[str]:
        return [secrets.token_hex(8) for _ in range(COUNT)]

    def digest(self, code: str) -> str:
        normalised = code.strip().lower().replace("-", "").replace(" ", "")
        return hmac.new(self._key, normalised.encode(), hashlib.sha256).hexdigest()
