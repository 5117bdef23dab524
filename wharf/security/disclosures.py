"""Reports of API tokens found in public (GitHub's secret scanning format, as PyPI takes them).

A report is a JSON list of {token, type, url}, signed over its raw bytes with ECDSA P-256 /
SHA-256 by a reporter whose public key is configured; the headers name the key and carry the
base64 DER signature. Anything unsigned, badly signed or malformed is ignored as a whole.
"""

import base64
import binascii
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key

KEY_HEADER = "GITHUB-PUBLIC-KEY-IDENTIFIER"
SIGNATURE_HEADER = "GITHUB-PUBLIC-KEY-SIGNATURE"
MAX_REPORTS = 100


@dataclass(frozen=True)
class Disclosure:
    token: str
    url: str

    def __repr__(self) -> str:
        return f"Disclosure(url={self.url!r})"


class Reporters:
    def __init__(self, keys: dict[str, str]):
        self._keys = {}
        for key_id, pem in keys.items():
            key = load_pem_public_key(pem.encode())
            if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
                raise ValueError(f"reporter key {key_id!r} must be an ECDSA P-256 public key")
            self._keys[key_id] = key

    def verified(self, body: bytes, key_id: str | None, signature: str | None) -> list:
        """The report's disclosures when its signature is good; otherwise none at all."""
        key = self._keys.get(key_id or "")
        if key is None or not signature:
            return []
        try:
            key.verify(base64.b64decode(signature, validate=True), body,
                       ec.ECDSA(hashes.SHA256()))
            reports = json.loads(body)
        except (InvalidSignature, binascii.Error, ValueError):
            return []
        if not isinstance(reports, list):
            return []
        return [Disclosure(r["token"], r["url"]) for r in reports[:MAX_REPORTS]
                if isinstance(r, dict) and isinstance(r.get("token"), str)
                and isinstance(r.get("url"), str) and len(r["url"]) <= 2000
                and "\x00" not in r["url"]]  # stored: PostgreSQL text holds no NUL
