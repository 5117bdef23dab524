"""Removing TOTP where uploads do not require two factors (WHARF_UPLOADS_REQUIRE_2FA=0)."""

import pytest

from tests.e2e.client import TOTP_STEP as STEP
from tests.e2e.client import current_step, oathtool

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def extra_environ() -> dict[str, str]:
    return {"WHARF_UPLOADS_REQUIRE_2FA": "0"}


def test_removing_the_only_method_ends_every_other_session_and_the_password_suffices_again(
        two_servers, mail):
    a, b = two_servers
    step = current_step()
    secret, recovery_codes = a.two_factor_user("mia", mail, step)
    kept = a.second_step("totp", a.ticket("mia"), oathtool(secret, step + STEP)).json()["token"]
    other = b.second_step("recovery-code", b.ticket("mia"), recovery_codes[0]).json()["token"]

    removed = a.call("DELETE", "/api/account/totp", a.sudo(kept))

    assert removed.status_code == 204
    assert b.call("GET", "/api/account", other).status_code == 401
    assert b.call("GET", "/api/account", kept).json()["two_factor"]["methods"] == []
    assert b.log_in("mia")["token"]  # 201 at once: no second step
    notice = mail.wait_for("mia@example.com", "two-factor method was removed").get_content()
    assert "Every other session was ended" in notice


def test_enrolling_again_after_removal_brings_back_the_second_step_with_new_recovery_codes(
        web, mail):
    step = current_step()
    first_secret, old_codes = web.two_factor_user("ned", mail, step)
    token = web.second_step("totp", web.ticket("ned"),
                            oathtool(first_secret, step + STEP)).json()["token"]
    assert web.call("DELETE", "/api/account/totp", web.sudo(token)).status_code == 204

    _, new_codes = web.enrol_totp(token, step)
    old_code = web.second_step("recovery-code", web.ticket("ned"), old_codes[1])
    new_code = web.second_step("recovery-code", web.ticket("ned"), new_codes[1])

    assert len(new_codes) == 8 and not set(new_codes) & set(old_codes)
    assert old_code.status_code == 401
    assert old_code.json()["code"] == "invalid_recovery_code"
    assert new_code.status_code == 201
