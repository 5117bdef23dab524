"""Security keys (WebAuthn), with fido2 as the relying party, behind one narrow interface.

The browser sends `PublicKeyCredential.toJSON()`; what fido2 does not check is checked here:
the exact origin, the backup flags (WebAuthn Level 3 §6.1.3) and the credential id's length.
The sign counter rule needs the stored key, so the TwoFactor aggregate applies it.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit
from uuid import UUID

from fido2.server import Fido2Server
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestedCredentialData,
    AuthenticationResponse,
    PublicKeyCredentialRpEntity,
    RegistrationResponse,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

REQUIRED = UserVerificationRequirement.REQUIRED

MAX_CREDENTIAL_ID_BYTES = 1023
TRANSPORTS = {"usb", "nfc", "ble", "smart-card", "hybrid", "internal"}


class WebAuthnError(ValueError):
    """The browser's answer does not prove possession of the key; `str()` is safe to show."""


@dataclass(frozen=True)
class NewKey:
    credential_id: str  # url-safe base64, no padding
    credential_data: str  # AttestedCredentialData (AAGUID, id, COSE public key), url-safe base64
    aaguid: str
    sign_count: int
    transports: list[str]
    backup_eligible: bool
    backup_state: bool


@dataclass(frozen=True)
class Assertion:
    credential_id: str
    sign_count: int
    backup_eligible: bool
    backup_state: bool


class RelyingParty:
    def __init__(self, origin: str, name: str, user_verification: str = "discouraged"):
        self._origin = origin
        rp = PublicKeyCredentialRpEntity(id=urlsplit(origin).hostname, name=name)
        self._uv = UserVerificationRequirement(user_verification)
        self._server = Fido2Server(rp, verify_origin=self._same_origin)

    def _same_origin(self, origin: str) -> bool:
        return origin == self._origin

    def registration(self, user_id: UUID, username: str, existing: list[str],
                     passkey: bool = False) -> tuple[dict, str]:
        """Creation options for the browser (JSON) and the challenge to keep server-side. A
        passkey is a discoverable credential made with user verification."""
        options, state = self._server.register_begin(
            {"id": user_id.bytes, "name": username, "displayName": username},
            [_descriptor(c) for c in existing], user_verification=self._uv_for(passkey),
            resident_key_requirement=ResidentKeyRequirement.REQUIRED if passkey else None,
            extensions={"credProps": True} if passkey else None)
        return dict(options["publicKey"]), state["challenge"]

    def authentication(self, credential_ids: list[str]) -> tuple[dict, str]:
        options, state = self._server.authenticate_begin(
            [_descriptor(c) for c in credential_ids], user_verification=self._uv)
        return dict(options["publicKey"]), state["challenge"]

    def passkey_authentication(self) -> tuple[dict, str]:
        """Options naming no credential (the authenticator offers its passkeys for this site),
        user verification required."""
        options, state = self._server.authenticate_begin(None, user_verification=REQUIRED)
        return dict(options["publicKey"]), state["challenge"]

    def verify_registration(self, challenge: str, response: dict,
                            passkey: bool = False) -> NewKey:
        try:
            parsed = RegistrationResponse.from_dict(response)
            auth_data = self._server.register_complete(self._state(challenge, passkey), parsed)
        except (ValueError, TypeError, KeyError) as error:
            raise WebAuthnError(f"the security key's answer was refused: {_reason(error)}") \
                from None
        if passkey and _discoverable(response) is False:
            raise WebAuthnError("the key made a credential it cannot offer by itself, so it"
                                " cannot be a passkey; register it as a security key instead")
        _check_backup_flags(auth_data)
        credential = auth_data.credential_data
        if len(credential.credential_id) > MAX_CREDENTIAL_ID_BYTES:
            raise WebAuthnError("the credential id is longer than 1023 bytes")
        return NewKey(
            credential_id=websafe_encode(credential.credential_id),
            credential_data=websafe_encode(bytes(credential)),
            aaguid=str(UUID(bytes=bytes(credential.aaguid))),
            sign_count=auth_data.counter,
            transports=_transports(response),
            backup_eligible=auth_data.is_backup_eligible(),
            backup_state=auth_data.is_backed_up())

    def verify_assertion(self, challenge: str, credentials: list[str], response: dict,
                         passkey: bool = False) -> Assertion:
        """Check the signature with one of `credentials` (credential_data values); a passkey's
        answer must also report user verification."""
        keys = [AttestedCredentialData(websafe_decode(c)) for c in credentials]
        try:
            parsed = AuthenticationResponse.from_dict(response)
            used = self._server.authenticate_complete(self._state(challenge, passkey), keys,
                                                      parsed)
        except (ValueError, TypeError, KeyError) as error:
            raise WebAuthnError(f"the security key's answer was refused: {_reason(error)}") \
                from None
        auth_data = parsed.response.authenticator_data
        _check_backup_flags(auth_data)
        return Assertion(credential_id=websafe_encode(used.credential_id),
                         sign_count=auth_data.counter,
                         backup_eligible=auth_data.is_backup_eligible(),
                         backup_state=auth_data.is_backed_up())

    def _uv_for(self, passkey: bool) -> UserVerificationRequirement:
        return REQUIRED if passkey else self._uv

    def _state(self, challenge: str, passkey: bool = False) -> dict:
        return {"challenge": challenge, "user_verification": self._uv_for(passkey)}


def answered_credential(response: dict) -> tuple[str, bytes | None]:
    """Which credential a log-in answer names (url-safe base64) and the user handle it carries;
    only a lookup key: the signature is what proves it."""
    try:
        parsed = AuthenticationResponse.from_dict(response)
    except (ValueError, TypeError, KeyError):
        raise WebAuthnError("the passkey's answer was refused: it is malformed") from None
    if len(parsed.raw_id) > MAX_CREDENTIAL_ID_BYTES:
        raise WebAuthnError("the credential id is longer than 1023 bytes")
    return websafe_encode(parsed.raw_id), parsed.response.user_handle


def _discoverable(response: dict) -> bool | None:
    """The browser's credProps answer: whether the new credential is discoverable, if it says."""
    results = response.get("clientExtensionResults")
    props = results.get("credProps") if isinstance(results, dict) else None
    rk = props.get("rk") if isinstance(props, dict) else None
    return rk if isinstance(rk, bool) else None


def _descriptor(credential_id: str) -> dict:
    return {"type": "public-key", "id": websafe_decode(credential_id)}


def _check_backup_flags(auth_data) -> None:
    # Level 3: a credential that is not backup eligible can never be backed up.
    if auth_data.is_backed_up() and not auth_data.is_backup_eligible():
        raise WebAuthnError("the security key reports a backup state it cannot have")


def _transports(response: dict) -> list[str]:
    inner = response.get("response")
    listed = inner.get("transports") if isinstance(inner, dict) else None
    if not isinstance(listed, list):
        return []
    return sorted({t for t in listed if isinstance(t, str) and t in TRANSPORTS})


def _reason(error: Exception) -> str:
    """fido2's messages name the failed check; anything else is a malformed answer."""
    text = str(error) if isinstance(error, ValueError) else ""
    known = ("challenge", "origin", "RP ID", "flag", "signature", "credential", "type")
    if any(word in text for word in known) and len(text) < 100:
        return text.rstrip(".").lower()
    return "it is malformed"
