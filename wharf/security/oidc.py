"""OpenID Connect identity tokens (the JWTs a CI run gets from its issuer), verified with PyJWT.

Only configured issuers are trusted. An issuer's keys come from the `jwks_uri` of its discovery
document, are kept per process, and are fetched again on an unknown key id at most once a
minute (so a rotation is picked up without a restart, and nobody can make us hammer an issuer).
NOTE: the algorithm is fixed, RS256: `none` and HMAC (which a public key would "verify") are
refused before any key is looked up. Times are checked against the injected clock.
"""

import json
import threading
import urllib.request
from datetime import datetime, timedelta
from typing import Callable

import jwt

ALGORITHM = "RS256"
LEEWAY = 60  # seconds of clock skew allowed on exp, nbf and iat
REFETCH_EVERY = timedelta(minutes=1)
MAX_DOCUMENT_BYTES = 256 * 1024
MAX_TOKEN_CHARS = 16 * 1024


class OidcRefused(Exception):
    """Why an identity token is refused; `str()` is the description the client is shown and
    `code` PyPI's error code."""

    code = "invalid-token"


class MalformedToken(OidcRefused):
    pass


class UntrustedIssuer(OidcRefused):
    pass


class UnknownKey(OidcRefused):
    pass


class BadSignature(OidcRefused):
    pass


class WrongAudience(OidcRefused):
    pass


class OutOfTime(OidcRefused):
    """Expired, not yet valid, or issued in the future."""


class IssuerUnavailable(OidcRefused):
    """The issuer's discovery document or keys could not be fetched (503, not a refusal)."""


def fetch_json(url: str) -> dict:
    """A JSON object over HTTPS (the default trust store, which honours SSL_CERT_FILE)."""
    if not url.startswith("https://"):
        raise IssuerUnavailable(f"refusing to fetch {url!r}: not https")
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - https only
            body = response.read(MAX_DOCUMENT_BYTES + 1)
        document = json.loads(body) if len(body) <= MAX_DOCUMENT_BYTES else None
    except (OSError, ValueError):
        raise IssuerUnavailable(f"could not fetch {url}") from None
    if not isinstance(document, dict):
        raise IssuerUnavailable(f"{url} did not answer a JSON object")
    return document


class _KeySet:
    """One issuer's keys by id, and when they were last fetched."""

    def __init__(self):
        self.keys: dict[str, jwt.PyJWK] = {}
        self.fetched_at: datetime | None = None
        self.lock = threading.Lock()


class IdentityTokens:
    def __init__(self, issuers: tuple[str, ...], audience: str,
                 fetch: Callable[[str], dict] = fetch_json):
        self.audience = audience
        self._fetch = fetch
        self._key_sets = {issuer: _KeySet() for issuer in issuers}

    def verify(self, token: str, now: datetime) -> dict:
        """The claims of a genuine identity token, valid now and meant for us."""
        header, unverified = _unverified(token)
        if header.get("alg") != ALGORITHM:
            raise BadSignature(f"the token's algorithm must be {ALGORITHM},"
                               f" not {str(header.get('alg'))[:20]!r}")
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or issuer not in self._key_sets:
            raise UntrustedIssuer("the token's issuer is not trusted here")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise UnknownKey("the token names no signing key (kid)")
        key = self._key(issuer, kid, now)
        try:
            claims = jwt.decode(token, key.key, algorithms=[ALGORITHM], audience=self.audience,
                                issuer=issuer, options={"verify_exp": False,
                                                        "verify_nbf": False,
                                                        "verify_iat": False,
                                                        "require": ["exp", "iat", "jti"]})
        except jwt.InvalidAudienceError:
            raise WrongAudience(f"the token's audience is not {self.audience!r}") from None
        except jwt.InvalidSignatureError:
            raise BadSignature("the token's signature does not match the issuer's key") from None
        except jwt.PyJWTError as error:
            raise MalformedToken(f"the token is invalid: {error}") from None
        _check_times(claims, now)
        return claims

    def _key(self, issuer: str, kid: str, now: datetime) -> jwt.PyJWK:
        key_set = self._key_sets[issuer]
        with key_set.lock:
            if kid not in key_set.keys and (key_set.fetched_at is None
                                            or now - key_set.fetched_at >= REFETCH_EVERY):
                key_set.keys = self._keys_of(issuer)
                key_set.fetched_at = now
            key = key_set.keys.get(kid)
        if key is None:
            raise UnknownKey(f"the issuer has no key {kid[:64]!r}")
        return key

    def _keys_of(self, issuer: str) -> dict[str, jwt.PyJWK]:
        try:
            discovery = self._fetch(f"{issuer}/.well-known/openid-configuration")
            jwks_uri = discovery.get("jwks_uri")
            if discovery.get("issuer") != issuer or not isinstance(jwks_uri, str):
                raise IssuerUnavailable(f"{issuer}'s discovery document is not its own")
            keys = self._fetch(jwks_uri).get("keys")
        except OSError:
            raise IssuerUnavailable(f"could not reach {issuer}") from None
        if not isinstance(keys, list):
            raise IssuerUnavailable(f"{issuer}'s key set has no keys")
        found = {}
        for entry in keys:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA" \
                    or not isinstance(entry.get("kid"), str):
                continue  # a key we would never accept a token from
            try:
                found[entry["kid"]] = jwt.PyJWK(entry, ALGORITHM)
            except jwt.PyJWTError:
                continue
        return found


def _unverified(token: str) -> tuple[dict, dict]:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise MalformedToken("the token is not a JWT")
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise MalformedToken("the token is not a JWT") from None
    return header, claims


def _check_times(claims: dict, now: datetime) -> None:
    moment = now.timestamp()
    times = {name: claims.get(name) for name in ("exp", "iat", "nbf")}
    for name, value in times.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or abs(value) > 2 ** 40):
            raise MalformedToken(f"the token's {name} is not a time")
    if moment >= times["exp"] + LEEWAY:
        raise OutOfTime("the token has expired")
    if times["nbf"] is not None and moment < times["nbf"] - LEEWAY:
        raise OutOfTime("the token is not yet valid (nbf)")
    if moment < times["iat"] - LEEWAY:
        raise OutOfTime("the token was issued in the future (iat)")
