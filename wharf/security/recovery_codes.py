"""One-time recovery codes: 8 codes of 64 random bits, shown once, stored as keyed digests."""

import hashlib
import hmac
import secrets

COUNT = 8


class RecoveryCodes:
    def __init__(self, secret_key: bytes, previous: tuple[bytes, ...] = ()):
        if not secret_key:
            raise ValueError("a server secret key is required")
        self._keys = [hashlib.sha256(b"wharf:recovery-codes:" + key).digest()
                      for key in (secret_key, *previous)]

    def generate(self) -> list[str]:
        return [secrets.token_hex(8) for _ in range(COUNT)]

    def digest(self, code: str) -> str:
        """The digest stored for a new code (under the current secret)."""
        return self.candidates(code)[0]

    def candidates(self, code: str) -> list[str]:
        """The code's digest under the current secret, then under each retired one."""
        normalised = code.strip().lower().replace("-", "").replace(" ", "")
        return [hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()
                for key in self._keys]
