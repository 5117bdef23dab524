"""The sudo window guards second factors and API tokens: a session whose password was not
confirmed within 30 minutes is refused each change below with `reauthentication_required`,
although the request is otherwise one that succeeds (it does, unchanged, once the password is
confirmed), and the refusal changes nothing."""

from tests.integration.test_api_tokens import mint
from tests.integration.test_security_keys import ORIGIN, add_key
from tests.integration.test_two_factor import code, verified_user
from tests.soft_authenticator import SoftKey

SUDO_REFUSED = "reauthentication_required"


def methods(api, session) -> list[tuple[str, str]]:
    listed = api.call("GET", "/api/account", session).json["two_factor"]["methods"]
    return sorted((method["method"], method["label"]) for method in listed)


def refused_for_sudo(result) -> bool:
    return result.status_code == 403 and result.json["code"] == SUDO_REFUSED


def test_confirming_totp_and_completing_a_key_need_the_sudo_window(api, clock):
    alice = verified_user(api, "alice")  # the sudo window opens now, for 30 minutes
    clock.advance(minutes=27)
    secret = api.call("POST", "/api/account/totp", alice).json["secret"]
    options = api.call("POST", "/api/account/webauthn/begin", alice).json  # 5 minutes to answer
    clock.advance(minutes=4)  # the window has closed; the key's challenge is still valid
    totp = {"code": code(secret, clock), "label": "Phone"}
    key = {"label": "Blue key", "credential": SoftKey(ORIGIN).register(options)}

    assert refused_for_sudo(api.call("POST", "/api/account/totp/confirm", alice, json=totp))
    assert refused_for_sudo(api.call("POST", "/api/account/webauthn/complete", alice, json=key))
    assert methods(api, alice) == []

    api.sudo(alice)
    assert api.call("POST", "/api/account/totp/confirm", alice, json=totp).status_code == 200
    assert api.call("POST", "/api/account/webauthn/complete", alice, json=key).status_code == 201
    assert methods(api, alice) == [("totp", "Phone"), ("webauthn", "Blue key")]


def test_removing_totp_a_key_or_a_token_needs_the_sudo_window(api, clock):
    alice = verified_user(api, "alice")
    secret = api.call("POST", "/api/account/totp", alice).json["secret"]
    api.call("POST", "/api/account/totp/confirm", alice,
             json={"code": code(secret, clock), "label": "Phone"})
    blue, _ = (add_key(api, alice, SoftKey(ORIGIN), label).json["id"]
               for label in ("Blue key", "Green key"))
    token = mint(api, alice).json["id"]
    clock.advance(minutes=31)
    removals = ["/api/account/totp", f"/api/account/webauthn/{blue}",
                f"/api/account/tokens/{token}"]

    assert all(refused_for_sudo(api.call("DELETE", path, alice)) for path in removals)
    assert methods(api, alice) == [("totp", "Phone"), ("webauthn", "Blue key"),
                                   ("webauthn", "Green key")]
    assert [t["id"] for t in api.call("GET", "/api/account/tokens", alice).json["tokens"]] \
        == [token]

    api.sudo(alice)
    assert [api.call("DELETE", path, alice).status_code for path in removals] == [204] * 3
    assert methods(api, alice) == [("webauthn", "Green key")]
    assert api.call("GET", "/api/account/tokens", alice).json["tokens"] == []

