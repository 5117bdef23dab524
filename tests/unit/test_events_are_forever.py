"""Events written by earlier releases of Wharf still load, with every field they had.

Each tests/fixtures/events-*.json was recorded from a release: a story that triggers every event
class it added (events-2026-11.json: the first release; ...-security-keys.json: security keys;
...-tokens-uploads.json: API tokens and uploads; ...-checked-uploads.json: a project's file
size limit and a wheel's core metadata file; ...-lockdown.json: a TOTP step spent by an
out-of-sync answer, a token scoped on its project, an address claimed away;
...-12-password-reset.json: password resets and verification links sent again;
...-12-lockout.json: a lock by strangers, lifted with the emailed link and TOTP, and failures
at a made-up name logged once a window; ...-12-trusted-publishing.json: a trusted publisher
added, its run's token minted, used for an upload and burned, the publisher removed;
...-12-admin.json: an account frozen, refused a log-in and unfrozen, a switch turned on and
off, admin rights granted (emailed) and revoked); ...-12-recovery.json: a recovery case opened,
cancelled by the holder, opened again and completed (second factors cleared), and the email
it caused delivered (each delivery recorded); ...-12-trusted-publishing_pending.json,
named to load after ...-12-trusted-publishing.json, whose account it goes on with: two pending
publishers registered, one removed, the other used by a run that created its project;
...-12-trusted-publishing_rules.json: trusted publishing only turned on and off, a token
release after trusted publishers' ones noticed as unusual; ...-12-invitations.json: role
invitations declined, revoked, and accepted, with the role it brings);
...-12-new-devices.json: a TOTP log-in from a new address held, its emailed link refused from
another address, then confirmed); ...-12-credentials.json: events that name the session or
token that acted (`acting_credential_id`), and a token's expiry reminder; ...-12-passkeys.json:
a security key registered as a passkey, then a log-in with it alone; ...-12-containment.json:
a stolen session and its token contained (session ended, token revoked, a removed role
restored, a granted one removed, an invitation revoked, releases yanked), each step naming its
containment; ...-12-containment_publisher.json: a trusted publisher's token contained by its
project's Owner (thrown away and its release yanked: no account, the project named).
NOTE: never regenerate one; add a new fixture when new events land.
"""

import json
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from wharf.application import Wharf
from wharf.bootstrap import event_store_env
from wharf.domain.account import Account
from wharf.domain.api_token import ApiToken
from wharf.domain.claim import Claim
from wharf.domain.containment import Containment
from wharf.domain.deliveries import MailLog
from wharf.domain.project import Project
from wharf.domain.publisher_token import PublisherToken
from wharf.domain.switches import Switchboard
from wharf.domain.two_factor import TwoFactor
from wharf.domain.unknown_username import UnknownUsername
from wharf.settings import Settings

FIXTURES = sorted((Path(__file__).parent.parent / "fixtures").glob("events-*.json"))
RECORDS = [record for fixture in FIXTURES for record in json.loads(fixture.read_text())]


@pytest.fixture
def app(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key=b"fixture")
    app = Wharf(event_store_env(settings, create_tables=True), settings, passwords=None)
    app.recorder.insert_events([
        StoredEvent(originator_id=UUID(r["originator_id"]),
                    originator_version=r["originator_version"], topic=r["topic"],
                    state=json.dumps(r["state"]).encode())
        for r in RECORDS])
    yield app
    app.close()


def test_every_recorded_event_decodes_with_all_its_fields(app):
    for notification in app.recorder.select_notifications(1, len(RECORDS)):
        event = app.mapper.to_domain_event(notification)
        for field in json.loads(notification.state):
            assert hasattr(event, field), (notification.topic, field)


def test_the_recorded_story_rebuilds_its_aggregates(app):
    aggregates = [app.repository.get(UUID(i)) for i in {r["originator_id"] for r in RECORDS}]
    alice = next(a for a in aggregates if isinstance(a, Account) and a.username == "alice")

    assert {type(a) for a in aggregates} == {Account, ApiToken, Claim, Project, PublisherToken,
                                             TwoFactor, UnknownUsername, Switchboard,
                                             Containment, MailLog}
    assert alice.is_admin
    assert list(alice.emails) == ["second@example.com"]


def test_every_event_class_has_a_recorded_example():
    never_triggered = {Account.Created.TOPIC, ApiToken.Created.TOPIC,
                       PublisherToken.Created.TOPIC, Containment.Created.TOPIC}  # bases
    topics = {value.TOPIC for aggregate in (Account, ApiToken, Claim, Project, PublisherToken,
                                            TwoFactor, UnknownUsername, Switchboard,
                                            Containment, MailLog)
              for name, value in vars(aggregate).items()
              if isinstance(value, type) and name != "Event" and hasattr(value, "TOPIC")}
    assert topics - never_triggered <= {record["topic"] for record in RECORDS}

