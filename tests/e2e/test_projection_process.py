"""The projection process applies what an older release's writer left in the log only."""

import sys
import time

import pytest

from tests.e2e.client import PASSWORD
from tests.older_release import SCRIPT as OLDER_RELEASE

pytestmark = pytest.mark.e2e

REPAIR_WAIT = 15.0

# A real writer (the same Application the web workers run) that saves as an older release did
# and then died before its own catch-up: its events are in the log, not in the views.
DYING_WRITER = f"""
from wharf.bootstrap import bootstrap, utc_now
from wharf.domain.origin import cli_origin
from wharf.settings import from_environ

wiring = bootstrap(from_environ())
{OLDER_RELEASE}origin = cli_origin(utc_now())
account_id = wiring.app.register(origin, "orphan", {PASSWORD!r}, "orphan@example.com")
account = wiring.app.repository.get(account_id)  # projects need a verified email
nonce = next(iter(account.emails.values()))["nonce"]
wiring.app.verify_email(origin, wiring.app.verification_tokens.issue(account_id, nonce))
wiring.app.create_project(origin.acting_as(account_id), "Orphaned.Project")
"""


def test_what_a_dying_writer_saved_reaches_the_views_and_the_outbox_without_another_write(
        web, mail, deployment):
    died = deployment.run([sys.executable, "-c", DYING_WRITER])
    assert died.returncode == 0, died.stderr

    deadline = time.monotonic() + REPAIR_WAIT
    while (found := web.call("GET", "/api/projects/orphaned-project")).status_code == 404:
        assert time.monotonic() < deadline, "the projection process did not repair the views"
        time.sleep(0.1)  # only reads from here on: no writer's catch-up can do the repair

    assert found.json()["maintainers"] == ["orphan"]
    token = mail.verification_token("orphan@example.com")  # the outbox delivered its link
    used = web.call("POST", "/api/account/emails/verify", json={"token": token})
    assert used.status_code == 400 and "already been used" in used.json()["detail"]
