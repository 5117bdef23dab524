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
    def __init__(self, secret_key: bytes, purpose: bytes):
        if not secret_key:
            raise ValueError("a server secret key is required")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"wharf:seal:" + purpose).derive(secret_key)
        self._aead = AESGCM(key)
        self._purpose = purpose

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), self._purpose)
        return base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str) -> str:
        raw = base64.b64decode(sealed)
        try:
            return self._aead.decrypt(raw[:12], raw[12:], self._purpose).decode()
        except InvalidTag:
            raise ValueError("sealed with another key") from None
