"""API tokens as PyPI makes them: `pypi-` + a MACAROON_V2 macaroon, url-safe base64.

The identifier is the token's id. Its root key is never stored: it is derived (HKDF-SHA256)
from the server secret and the id, and the secret's fingerprint is recorded with the token, so
a rotated secret (kept in WHARF_PREVIOUS_SECRET_KEYS) still verifies the tokens it minted.

NOTE: caveat forms are PyPI's and are forever: JSON arrays whose fields are only ever appended.
  [0, expires_at, not_before]   [1, [normalized project names]]   [2, [project ids]]
  [3, user id]   [4, trusted publisher id] (a short-lived token minted for a publisher's run,
  appended after the others)   and PyPI's legacy v1 dicts. A caveat of any other form fails
  the token.
"""

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from packaging.utils import canonicalize_name
from pymacaroons import MACAROON_V2, Macaroon, Verifier
from pymacaroons.exceptions import MacaroonException


UNKNOWN_CAVEAT = "Invalid API Token: the token carries a caveat Wharf does not understand"


class TokenRefused(Exception):
    """Why a token cannot be used; `str()` is the message the client is shown, `code` the
    problem document's code."""

    code = "invalid_token"


class TokenRevoked(TokenRefused):
    code = "token_revoked"


@dataclass(frozen=True)
class Expiry:
    expires_at: int
    not_before: int


@dataclass(frozen=True)
class ProjectNames:
    names: tuple[str, ...]


@dataclass(frozen=True)
class ProjectIds:
    ids: tuple[str, ...]


@dataclass(frozen=True)
class RequestUser:
    user_id: str


@dataclass(frozen=True)
class Publisher:
    """PyPI's OIDC publisher caveat: the token was minted for this trusted publisher."""
    publisher_id: str


@dataclass(frozen=True)
class AnyUser:
    """PyPI's legacy `{"version": 1, "permissions": "user"}`: no restriction of its own."""


@dataclass(frozen=True)
class ParsedToken:
    token_id: UUID
    macaroon: Macaroon
    caveats: list  # of the dataclasses above


def fingerprint(secret: bytes) -> str:
    """Names a server secret without revealing it, so a token records which one minted it."""
    return hashlib.sha256(b"wharf:token-key-id:" + secret).hexdigest()[:16]


class TokenKeys:
    def __init__(self, secret: bytes, previous: tuple[bytes, ...] = ()):
        self.current = fingerprint(secret)
        self._secrets = {fingerprint(s): s for s in (*previous, secret)}
        # A token's key never changes, so the hot path derives it once per process.
        self.key = functools.lru_cache(maxsize=4096)(self._derive)

    def _derive(self, token_id: UUID, key_id: str) -> bytes | None:
        secret = self._secrets.get(key_id)
        if secret is None:
            return None
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"wharf:api-token",
                    info=token_id.bytes).derive(secret)


def mint(prefix: str, location: str, token_id: UUID, key: bytes, caveats: list) -> str:
    macaroon = Macaroon(location=location, identifier=str(token_id), key=key,
                        version=MACAROON_V2)
    for caveat in caveats:
        macaroon.add_first_party_caveat(json.dumps(caveat))
    return f"{prefix}-{macaroon.serialize()}"


def parse(token: str, prefix: str) -> ParsedToken:
    """The token's id and caveats, not yet verified; TokenRefused when it is not a token."""
    head, dash, body = token.partition("-")
    if head != prefix or not dash or not body or not body.isascii():
        raise TokenRefused("Invalid API Token: the token is malformed")
    try:
        macaroon = _macaroon(body)
        token_id = UUID(macaroon.identifier_bytes.decode("ascii"))
        # A caveat is JSON text; bytes that are not UTF-8 would crash pymacaroons' verifier.
        caveats = [_caveat(c.caveat_id_bytes.decode()) for c in macaroon.first_party_caveats()]
    except Exception:  # noqa: BLE001 - pymacaroons raises bare Exception on some garbage
        raise TokenRefused("Invalid API Token: the token is malformed") from None
    if macaroon.third_party_caveats():  # it would need a discharge macaroon nobody sends
        raise TokenRefused(UNKNOWN_CAVEAT)
    return ParsedToken(token_id, macaroon, caveats)


def _macaroon(body: str) -> Macaroon:
    """The V2 macaroon of which `body` is the one spelling, pymacaroons' own (as minted): base64
    that decodes alike (padding, '+' for '-', spare bits) or a V1 encoding of the same macaroon
    is not the token, and not what secret scanners look for."""
    macaroon = Macaroon.deserialize(body)
    if macaroon.version != MACAROON_V2 or macaroon.serialize() != body:
        raise ValueError("not the token's own spelling")
    return macaroon


def verify_signature(parsed: ParsedToken, key: bytes) -> None:
    """Check the HMAC chain (every caveat's meaning is checked separately, with its message)."""
    verifier = Verifier()
    verifier.satisfy_general(lambda caveat: True)
    try:
        verifier.verify(parsed.macaroon, key, discharge_macaroons=[])
    except MacaroonException:
        raise TokenRefused("Invalid API Token: the token's signature does not match") from None


def publisher_of(parsed: ParsedToken) -> str | None:
    """The trusted publisher a token was minted for (its first publisher caveat), if any."""
    return next((c.publisher_id for c in parsed.caveats if isinstance(c, Publisher)), None)


def check_caveats(caveats: list, *, now: datetime, user_id: UUID | None,
                  project_key: str | None, project_id: UUID | None,
                  publisher_id: str | None = None) -> None:
    """Refuse unless every caveat holds; with no `project_key`, the project's are not asked."""
    moment = int(now.timestamp())
    if project_key is None:
        caveats = [c for c in caveats if not isinstance(c, ProjectNames | ProjectIds)]
    for caveat in caveats:
        if caveat is None:
            raise TokenRefused(UNKNOWN_CAVEAT)
        if isinstance(caveat, Expiry) and moment < caveat.not_before:
            raise TokenRefused("Invalid API Token: the token is not yet valid")
        if isinstance(caveat, Expiry) and moment >= caveat.expires_at:
            raise TokenRefused("Invalid API Token: the token is expired")
        if isinstance(caveat, ProjectNames) and project_key not in caveat.names:
            raise TokenRefused(f"Invalid API Token: the token is not valid for project"
                               f" '{project_key}'")
        if isinstance(caveat, ProjectIds) and (project_id is None
                                               or str(project_id) not in caveat.ids):
            raise TokenRefused(f"Invalid API Token: the token is not valid for project"
                               f" '{project_key}'")
        if isinstance(caveat, RequestUser) and caveat.user_id != str(user_id):
            raise TokenRefused("Invalid API Token: the token is not valid for this user")
        if isinstance(caveat, Publisher) and caveat.publisher_id != publisher_id:
            raise TokenRefused("Invalid API Token: the token is not valid for this publisher")


def _caveat(raw: str):
    """One caveat in a known form, or None (which fails the token when checked)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if isinstance(value, list):
        return _array_caveat(value)
    if isinstance(value, dict):
        return _legacy_caveat(value)
    return None


def _array_caveat(value: list):
    tag, args = (value[0], value[1:]) if value else (None, [])
    if tag == 0 and len(args) == 2 and all(_is_int(a) for a in args):
        return Expiry(expires_at=args[0], not_before=args[1])
    if tag in (1, 2) and len(args) == 1 and _strings(args[0]):
        return ProjectNames(_names(args[0])) if tag == 1 else ProjectIds(tuple(args[0]))
    if tag == 3 and len(args) == 1 and isinstance(args[0], str):
        return RequestUser(args[0])
    if tag == 4 and len(args) == 1 and isinstance(args[0], str):
        return Publisher(args[0])
    return None


def _legacy_caveat(value: dict):
    if set(value) == {"exp", "nbf"} and _is_int(value["exp"]) and _is_int(value["nbf"]):
        return Expiry(expires_at=value["exp"], not_before=value["nbf"])
    if set(value) != {"version", "permissions"} or value["version"] != 1:
        return None
    permissions = value["permissions"]
    if permissions == "user":
        return AnyUser()
    if isinstance(permissions, dict) and set(permissions) == {"projects"} \
            and _strings(permissions["projects"]):
        return ProjectNames(_names(permissions["projects"]))
    return None


def _names(names: list[str]) -> tuple[str, ...]:
    return tuple(canonicalize_name(name) for name in names)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
