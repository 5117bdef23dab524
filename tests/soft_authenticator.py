"""A test-only WebAuthn authenticator (P-256), answering as a browser's toJSON() would.

No maintained software authenticator works with fido2 2.x, so this one is built from
`cryptography` and fido2's own data classes. Browser tests use Chromium's virtual authenticator.
"""

import hashlib
import os
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

FLAG = AuthenticatorData.FLAG


@dataclass
class SoftKey:
    origin: str
    rp_id: str = "localhost"
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    sign_count: int = 0
    flags: int = FLAG.UP
    aaguid: bytes = bytes(16)

    def clone(self, sign_count: int) -> "SoftKey":
        """The same credential, as a copy that lags behind (a cloned key)."""
        return SoftKey(self.origin, self.rp_id, self.credential_id, self.private_key,
                       sign_count, self.flags, self.aaguid)

    def register(self, options: dict, *, origin: str | None = None,
                 challenge: str | None = None) -> dict:
        public_key = ES256.from_cryptography_key(self.private_key.public_key())
        attested = AttestedCredentialData.create(self.aaguid, self.credential_id, public_key)
        auth_data = AuthenticatorData.create(self._rp_hash(), self.flags | FLAG.AT,
                                             self.sign_count, attested)
        client_data = self._client_data("webauthn.create", options, origin, challenge)
        attestation = AttestationObject.create("none", auth_data, {})
        return self._credential({"clientDataJSON": websafe_encode(client_data),
                                 "attestationObject": websafe_encode(attestation),
                                 "transports": ["usb"]})

    def assert_(self, options: dict, *, origin: str | None = None,
                challenge: str | None = None, step: int = 1,
                user_handle: bytes | None = None) -> dict:
        """An assertion; a passkey's (discoverable credential) also carries its user handle."""
        self.sign_count += step
        auth_data = AuthenticatorData.create(self._rp_hash(), self.flags, self.sign_count)
        client_data = self._client_data("webauthn.get", options, origin, challenge)
        signature = self.private_key.sign(
            bytes(auth_data) + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        answer = {"clientDataJSON": websafe_encode(client_data),
                  "authenticatorData": websafe_encode(auth_data),
                  "signature": websafe_encode(signature)}
        if user_handle is not None:
            answer["userHandle"] = websafe_encode(user_handle)
        return self._credential(answer)

    def _client_data(self, kind: str, options: dict, origin: str | None,
                     challenge: str | None) -> bytes:
        challenge = challenge or options["publicKey"]["challenge"]
        return bytes(CollectedClientData.create(kind, websafe_decode(challenge),
                                                origin or self.origin))

    def _rp_hash(self) -> bytes:
        return hashlib.sha256(self.rp_id.encode()).digest()

    def _credential(self, response: dict) -> dict:
        encoded = websafe_encode(self.credential_id)
        return {"id": encoded, "rawId": encoded, "type": "public-key", "response": response,
                "clientExtensionResults": {}, "authenticatorAttachment": "cross-platform"}

