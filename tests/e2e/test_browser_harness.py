"""The browser harness itself: real gunicorn at http://localhost:PORT, headless Chromium, virtual
security keys (ctap2 and u2f) doing real WebAuthn ceremonies, and a cloned key.

The pages here are the app's own /api/openapi.json: any page on the origin is a secure context
in which `navigator.credentials` works; the product's story tests use its real pages instead.
"""

import base64
import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from tests.e2e.browser import (
    Authenticator,
    b64url,
    clone_credential,
    create_credential,
    get_assertion,
    new_page,
    screenshot,
    sign_count,
    unb64url,
)
from tests.e2e.processes import Deployment

pytestmark = pytest.mark.e2e

# A plain-object ceremony, as a page would write it by hand (no JSON helpers).
REGISTER_AND_ASSERT_JS = """async () => {
    const random = (n) => crypto.getRandomValues(new Uint8Array(n));
    const created = await navigator.credentials.create({publicKey: {
        challenge: random(32),
        rp: {id: "localhost", name: "x"},
        user: {id: random(16), name: "ada", displayName: "Ada"},
        pubKeyCredParams: [{type: "public-key", alg: -7}],
        authenticatorSelection: {residentKey: "discouraged", userVerification: "discouraged"},
        timeout: 10000,
    }});
    const counter = (data) => new DataView(data).getUint32(33, false);
    const asserted = await navigator.credentials.get({publicKey: {
        challenge: random(32),
        rpId: "localhost",
        allowCredentials: [{type: "public-key", id: created.rawId}],
        userVerification: "discouraged",
        timeout: 10000,
    }});
    return {
        created: created.toJSON(),
        createdCounter: counter(created.response.getAuthenticatorData()),
        asserted: asserted.toJSON(),
        assertedCounter: counter(asserted.response.authenticatorData),
    };
}"""


def random_challenge() -> str:
    return b64url(os.urandom(32))


def creation_options(user: str) -> dict:
    """PublicKeyCredentialCreationOptionsJSON, as a server hands it to the page."""
    return {"challenge": random_challenge(), "rp": {"id": "localhost", "name": "Wharf"},
            "user": {"id": b64url(user.encode()), "name": user, "displayName": user},
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
            "authenticatorSelection": {"residentKey": "discouraged",
                                       "userVerification": "discouraged"},
            "attestation": "none", "timeout": 10_000}


def request_options(credential_id: str) -> dict:
    """PublicKeyCredentialRequestOptionsJSON for one credential (id in base64url)."""
    return {"challenge": random_challenge(), "rpId": "localhost",
            "allowCredentials": [{"type": "public-key", "id": credential_id}],
            "userVerification": "discouraged", "timeout": 10_000}


def asserted_counter(assertion: dict) -> int:
    return sign_count(unb64url(assertion["response"]["authenticatorData"]))


def verify_signature(credential: dict, assertion: dict) -> None:
    """Check an assertion's ES256 signature with the public key from registration."""
    public_key = load_der_public_key(unb64url(credential["response"]["publicKey"]))
    response = assertion["response"]
    digest = hashes.Hash(hashes.SHA256())
    digest.update(unb64url(response["clientDataJSON"]))
    signed = unb64url(response["authenticatorData"]) + digest.finalize()
    public_key.verify(unb64url(response["signature"]), signed, ec.ECDSA(hashes.SHA256()))


def server_environ(deployment: Deployment, url: str) -> dict[str, str]:
    """The environment the gunicorn master serving `url` was started with (Linux /proc)."""
    port = url.rsplit(":", 1)[1]
    [process] = [p for p in deployment._processes if p.name == f"gunicorn-{port}"]
    raw = Path(f"/proc/{process.popen.pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)


def test_the_localhost_server_knows_its_own_origin(localhost_web, deployment):
    assert localhost_web.url.startswith("http://localhost:")
    assert server_environ(deployment, localhost_web.url)["WHARF_ORIGIN"] == localhost_web.url
    assert localhost_web.call("GET", "/api/openapi.json").status_code == 200


def test_the_page_is_a_secure_context_with_the_webauthn_json_api(localhost_web, page):
    response = page.goto(f"{localhost_web.url}/api/openapi.json")
    assert response.status == 200
    assert page.evaluate("window.location.origin") == localhost_web.url
    assert page.evaluate("window.isSecureContext") is True
    for method in ("parseCreationOptionsFromJSON", "parseRequestOptionsFromJSON"):
        assert page.evaluate(f"typeof PublicKeyCredential.{method}") == "function", method
    assert page.evaluate("typeof PublicKeyCredential.prototype.toJSON") == "function"


@pytest.mark.parametrize("protocol", ["ctap2", "u2f"])
def test_a_virtual_key_registers_then_signs_with_a_rising_counter(localhost_web, page,
                                                                   protocol):
    key = Authenticator(page, protocol=protocol)
    page.goto(f"{localhost_web.url}/api/openapi.json")

    result = page.evaluate(REGISTER_AND_ASSERT_JS)

    created, asserted = result["created"], result["asserted"]
    assert created["type"] == "public-key" and created["id"] == created["rawId"]
    client_data = json.loads(unb64url(created["response"]["clientDataJSON"]))
    assert client_data["type"] == "webauthn.create"
    assert client_data["origin"] == localhost_web.url
    assert created["response"]["publicKeyAlgorithm"] == -7
    assert asserted["id"] == created["id"]
    assert json.loads(unb64url(asserted["response"]["clientDataJSON"]))["type"] == "webauthn.get"
    assert result["assertedCounter"] > result["createdCounter"]
    assert asserted_counter(asserted) == result["assertedCounter"]

    [stored] = key.credentials()
    assert unb64url(created["id"]) == base64.b64decode(stored["credentialId"])
    assert stored["isResidentCredential"] is False
    assert stored.get("rpId") == ("localhost" if protocol == "ctap2" else None)  # u2f: a hash
    assert stored["signCount"] == result["assertedCounter"]
    assert base64.b64decode(stored["privateKey"])  # PKCS#8 DER, copyable into another key


def test_a_cloned_key_signs_with_a_lower_counter_than_the_original(localhost_web, page,
                                                                   chromium):
    key = Authenticator(page)
    page.goto(f"{localhost_web.url}/api/openapi.json")
    credential = create_credential(page, creation_options("grace"))
    for _ in range(3):
        last = get_assertion(page, request_options(credential["id"]))
    original_counter = asserted_counter(last)
    verify_signature(credential, last)
    assert original_counter == key.credential(credential["id"])["signCount"] >= 3

    thief_page = new_page(chromium)  # the attacker's own browser: no cookies of the owner's
    try:
        thief = Authenticator(thief_page)
        copy = clone_credential(key, thief, sign_count=0)
        assert copy["privateKey"] == key.credential(credential["id"])["privateKey"]
        thief_page.goto(f"{localhost_web.url}/api/openapi.json")
        cloned = get_assertion(thief_page, request_options(credential["id"]))
        assert cloned["id"] == credential["id"]
        verify_signature(credential, cloned)  # the same private key: a server cannot tell
        assert asserted_counter(cloned) < original_counter
        screenshot(thief_page, "browser-harness-cloned-key")
    finally:
        thief_page.context.close()

    # Removing a key takes its credentials with it: the owner's browser has no key left.
    key.remove()
    with pytest.raises(Exception, match="NotAllowedError"):
        get_assertion(page, request_options(credential["id"]) | {"timeout": 1000})
