"""Admin rights: granted and revoked only from the command line, each emailed to the account
and in its history; a revoked admin is refused on the next request."""

from uuid import UUID

from tests.integration.test_cli import wharf
from tests.integration.test_two_factor import verified_user
from wharf.domain.account import Account


def test_a_grant_and_a_revoke_are_emailed_logged_and_obeyed(api, settings):
    session = verified_user(api, "dave")
    assert api.call("GET", "/api/admin/switches", session).status_code == 403

    granted = wharf(settings, "admin", "grant", "dave")
    assert granted.returncode == 0, granted.stderr
    assert api.call("GET", "/api/admin/switches", session).status_code == 200

    revoked = wharf(settings, "admin", "revoke", "dave")
    assert revoked.returncode == 0 and "no longer an admin" in revoked.stdout
    assert api.call("GET", "/api/admin/switches", session).status_code == 403
    again = wharf(settings, "admin", "revoke", "dave")
    assert again.returncode == 1 and "not an admin" in again.stderr

    subjects = [m["Subject"] for m in api.mail() if m["To"] == "dave@example.com"]
    assert "[Wharf] Your account was made an administrator" in subjects
    assert "[Wharf] Your account's administrator rights were revoked" in subjects
    names = [e["name"] for e in api.call("GET", "/api/account/events", session).json["events"]]
    assert names[:2] == ["account:admin:revoke", "account:admin:grant"]


def test_a_grant_recorded_before_grants_were_emailed_sends_nothing(api, clock):
    """Older AdminGranted events carry no `told`: a rebuilt outbox must not mail them now."""
    account = api.wiring.app.repository.get(UUID(api.register("erin")))
    account.trigger_event(Account.AdminGranted, actor_id=None, ip="", user_agent="wharf-cli",
                          timestamp=clock())
    api.wiring.app.save(account)

    assert not [m for m in api.mail() if "administrator" in m["Subject"]]
