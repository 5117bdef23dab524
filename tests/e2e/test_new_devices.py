"""A new device's log-in over HTTP: held, its link read from the delivered email, refused from
another address, then opening the session from the address that logged in, once.

The servers trust 127.0.0.1 as a proxy, so each client speaks from an address of its own
(X-Forwarded-For). The 15-minute expiry is shown with an injected clock in
tests/integration/test_new_devices.py.
"""

import pytest

from tests.e2e.client import current_step, oathtool
from tests.e2e.client import TOTP_STEP as STEP
from tests.e2e.contract import Contract

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def extra_environ() -> dict[str, str]:
    return {"WHARF_TRUSTED_PROXIES": "127.0.0.1/32"}


def test_a_log_in_from_a_new_device_opens_only_through_the_emailed_link_there(web, mail):
    contract = Contract(web.call("GET", "/api/openapi.json").json())
    home, new, elsewhere = (web.from_address(ip) for ip in
                            ("198.51.100.40", "203.0.113.40", "192.0.2.140"))
    step = current_step()
    secret, _ = home.two_factor_user("nadia", mail, step)

    held = new.second_step("totp", new.ticket("nadia"), oathtool(secret, step + STEP))
    assert held.status_code == 202 and held.json()["status"] == "device-confirmation-sent"
    assert "token" not in held.json() and "wharf_session" not in held.cookies
    body = mail.wait_for("nadia@example.com", "new device").get_content()
    token = body.split("/login/confirm-device?token=")[1].split()[0]
    assert "203.0.113.40" in body

    refused = elsewhere.call("POST", "/api/session/device", json={"token": token})
    opened = new.call("POST", "/api/session/device", json={"token": token})
    again = new.call("POST", "/api/session/device", json={"token": token})

    assert refused.status_code == 403 and refused.json()["code"] == "new_device_elsewhere"
    assert opened.status_code == 201, opened.text
    assert new.call("GET", "/api/session", opened.json()["token"]).json()["username"] == "nadia"
    assert again.status_code == 400 and again.json()["code"] == "invalid_token"
    for answer in (held, refused, opened, again):
        assert contract.problems(answer) == [], answer.text
