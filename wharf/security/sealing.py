"""Secrets Wharf must read back (TOTP seeds) are sealed with AES-256-GCM before they reach the log.

The key is derived (HKDF-SHA256) from the server secret, so the store alone reveals nothing.
"""

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class Sealer:
    """Seals with the current secret; opens with it or any retired one still listed."""

    def __init__(self, secret_key: bytes, purpose: bytes, previous: tuple[bytes, ...] = ()):
        if not secret_key:
            raise ValueError("a server secret key is required")
        self._aeads = [AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                   info=b"wharf:seal:" + purpose).derive(key))
                       for key in (secret_key, *previous)]
        self._purpose = purpose

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aeads[0].encrypt(nonce, plaintext.encode(), self._purpose)
        return base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str) -> str:
        raw = base64.b64decode(sealed)
        for aead in self._aeads:
            try:
                return aead.decrypt(raw[:12], raw[12:], self._purpose).decode()
            except InvalidTag:
                continue
        raise ValueError("sealed with another key")
