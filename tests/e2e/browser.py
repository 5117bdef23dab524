"""Headless Chromium for end-to-end browser tests, with virtual WebAuthn authenticators.

Debian's `chromium` driven by Playwright (`executable_path`; Playwright never downloads a
browser here). Pages must be served from `http://localhost:PORT` (see
`Deployment.start_server(host="localhost")`): WebAuthn needs a secure context and an RP id that
is a domain, and `localhost` is both.

    authenticator = Authenticator(page, protocol="ctap2")   # or "u2f"
    page.goto(url)                                          # the page's JS runs the ceremony
    [credential] = authenticator.credentials()
    thief = Authenticator(other_page)
    clone_credential(authenticator, thief, sign_count=0)    # same key, lower counter

Binary fields in the DevTools protocol (credentialId, privateKey, userHandle) are standard
base64 with padding; WebAuthn's JSON (`credential.toJSON()`) uses base64url without padding.
`b64` and `b64url` convert between them.
"""

import base64
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DEFAULT_TIMEOUT_MS = 10_000


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, in a fresh temporary profile (Playwright's default)."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `apt-get install chromium` (scripts/test does)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_ARGS)


def new_page(browser: Browser) -> Page:
    """A page in a new browser context: no cookies or storage shared with any other test."""
    context = browser.new_context()
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context.new_page()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as test-artifacts/screenshots/NAME.png (at the repository root)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name).strip('_')}.png"
    page.screenshot(path=str(path), full_page=True, timeout=30_000)  # a busy CI machine is slow
    return path


def b64(data: bytes | str) -> str:
    """Standard base64 with padding, as the DevTools protocol wants; str input is base64url."""
    if isinstance(data, str):
        data = unb64url(data)
    return base64.b64encode(data).decode()


def b64url(data: bytes | str) -> str:
    """base64url without padding, as WebAuthn JSON uses; str input is standard base64."""
    if isinstance(data, str):
        data = base64.b64decode(data)
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_count(authenticator_data: bytes) -> int:
    """The signature counter of authenticatorData: bytes 33..37, big-endian."""
    return int.from_bytes(authenticator_data[33:37], "big")


class Authenticator:
    """A virtual security key attached to one page through its own DevTools session.

    Its credentials live as long as the authenticator (at most as long as the page's context).
    Presence is simulated: ceremonies complete without any click.
    """

    def __init__(self, page: Page, protocol: str = "ctap2", *, resident_keys: bool = False,
                 user_verification: bool = True, user_verified: bool = True):
        if protocol not in ("ctap2", "u2f"):
            raise ValueError(f"protocol must be ctap2 or u2f, not {protocol!r}")
        if protocol == "u2f" and resident_keys:
            raise ValueError("a u2f authenticator cannot hold resident keys")
        self.page = page
        self.protocol = protocol
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable", {"enableUI": False})
        options = {"protocol": protocol, "transport": "usb", "hasResidentKey": resident_keys,
                   "hasUserVerification": user_verification, "isUserVerified": user_verified,
                   "automaticPresenceSimulation": True}
        self.id: str | None = self.cdp.send("WebAuthn.addVirtualAuthenticator",
                                            {"options": options})["authenticatorId"]

    def _send(self, method: str, **params) -> dict:
        if self.id is None:
            raise RuntimeError("this authenticator has been removed")
        return self.cdp.send(method, {"authenticatorId": self.id, **params})

    def credentials(self) -> list[dict]:
        """Every credential it holds: {credentialId, isResidentCredential, privateKey (PKCS#8),
        signCount, rpId, userHandle, ...}, binary fields in standard base64. A u2f key reports
        no rpId and no userHandle (U2F keeps only the RP id's hash and no user)."""
        return self._send("WebAuthn.getCredentials")["credentials"]

    def credential(self, credential_id: bytes | str) -> dict:
        """One credential by id (bytes, or base64url text as in `credential.toJSON().id`)."""
        wanted = credential_id if isinstance(credential_id, bytes) else unb64url(credential_id)
        for credential in self.credentials():
            if base64.b64decode(credential["credentialId"]) == wanted:
                return credential
        raise KeyError(f"no credential {b64url(wanted)} in authenticator {self.id}")

    def add_credential(self, *, credential_id: bytes | str, private_key: bytes | str,
                       rp_id: str = "localhost", sign_count: int = 0,
                       user_handle: bytes | str | None = None, resident: bool = False) -> None:
        """Add a credential. `private_key` is PKCS#8 DER (bytes) or its standard base64;
        `credential_id` and `user_handle` are bytes or standard base64 (as getCredentials
        returns them)."""
        def encoded(value: bytes | str) -> str:
            return base64.b64encode(value).decode() if isinstance(value, bytes) else value

        credential = {"credentialId": encoded(credential_id), "isResidentCredential": resident,
                      "rpId": rp_id, "privateKey": encoded(private_key), "signCount": sign_count}
        if user_handle is not None:
            credential["userHandle"] = encoded(user_handle)
        self._send("WebAuthn.addCredential", credential=credential)

    def set_user_verified(self, verified: bool) -> None:
        self._send("WebAuthn.setUserVerified", isUserVerified=verified)

    def remove(self) -> None:
        """Detach the authenticator: its credentials are gone and ceremonies stop finding it."""
        if self.id is not None:
            self._send("WebAuthn.removeVirtualAuthenticator")
            self.id = None


def clone_credential(source: Authenticator, target: Authenticator, *,
                     credential_id: bytes | str | None = None, sign_count: int = 0,
                     rp_id: str = "localhost") -> dict:
    """Copy one credential, private key included, from `source` into `target` with the given
    (usually lower) signCount: a cloned security key, for clone-detection tests.

    Without `credential_id`, `source` must hold exactly one credential. `rp_id` is used when
    the source does not report one (u2f credentials). Returns the copy as
    `target` reports it. Put `target` on another page (an attacker's browser), or `remove()`
    `source` first: with two authenticators holding the same credential on one page, which
    one answers is up to Chromium.
    """
    if credential_id is None:
        [original] = source.credentials()
    else:
        original = source.credential(credential_id)
    target.add_credential(credential_id=original["credentialId"],
                          private_key=original["privateKey"],
                          rp_id=original.get("rpId", rp_id),
                          sign_count=sign_count, user_handle=original.get("userHandle"),
                          resident=original["isResidentCredential"])
    return target.credential(base64.b64decode(original["credentialId"]))


_CREATE_JS = """async (options) => {
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
    return (await navigator.credentials.create({publicKey})).toJSON();
}"""
_GET_JS = """async (options) => {
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
    return (await navigator.credentials.get({publicKey})).toJSON();
}"""


def create_credential(page: Page, options: dict) -> dict:
    """Run `navigator.credentials.create` in the page with PublicKeyCredentialCreationOptionsJSON
    (binary fields as base64url text); return `credential.toJSON()`. The page must be on the
    RP's origin."""
    return page.evaluate(_CREATE_JS, options)


def get_assertion(page: Page, options: dict) -> dict:
    """Run `navigator.credentials.get` with WebAuthn JSON request options; return
    `credential.toJSON()` (response.authenticatorData etc. in base64url)."""
    return page.evaluate(_GET_JS, options)
