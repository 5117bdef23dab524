"""Every stored event has a public name or is plumbing, and no secret reaches an entry."""

import json
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from tests.unit.test_events_are_forever import RECORDS
from wharf.projections.audit_entries import INTERNAL
from wharf.projections.audit_names import NAMES

SECRET_FIELDS = ("password_hash", "token_hash", "ticket_hash", "nonce", "sealed_secret",
                 "digests", "challenge", "credential_data", "name_digest")


def load_fixtures(wiring) -> None:
    wiring.app.recorder.insert_events([
        StoredEvent(originator_id=UUID(r["originator_id"]),
                    originator_version=r["originator_version"], topic=r["topic"],
                    state=json.dumps(r["state"]).encode()) for r in RECORDS])
    wiring.projector.catch_up()


def test_every_recorded_event_is_public_or_plumbing(wiring):
    load_fixtures(wiring)
    rows = wiring.db.query("SELECT position, name FROM audit_log")
    listed = {row["position"] for row in rows}

    assert {row["name"] for row in rows} <= NAMES.keys()
    for notification in wiring.app.recorder.select_notifications(1, len(RECORDS)):
        event = wiring.app.mapper.to_domain_event(notification)
        assert (notification.id in listed) != isinstance(event, INTERNAL), notification.topic


def test_every_public_name_is_used_by_the_recorded_story(wiring):
    load_fixtures(wiring)
    used = {row["name"] for row in wiring.db.query("SELECT DISTINCT name FROM audit_log")}

    # Names the fixture stories do not reach; each is covered by a story of its own.
    assert NAMES.keys() - used <= {"account:api_token:removed_leak", "project:api_token:added",
                                   "account:two_factor:possible_clone",
                                   "account:two_factor:security_key_refused",
                                   "project:api_token:removed",
                                   "log:event:quarantine",  # test_log_protects_itself.py
                                   "project:upload_limit:change",  # test_uploads.py
                                   "account:password:reset:request",  # test_password_reset.py
                                   "account:password:reset",
                                   # test_takedowns.py
                                   "project:release:yank", "project:release:unyank",
                                   "project:release:remove", "file:remove",
                                   # test_trusted_publishing.py
                                   "project:oidc:publisher-added",
                                   "project:oidc:publisher-removed",
                                   "project:oidc:token-minted", "project:oidc:token-burned",
                                   # test_pending_publishers.py
                                   "account:oidc:pending-publisher-added",
                                   "account:oidc:pending-publisher-removed",
                                   "account:oidc:pending-publisher-used",
                                   # test_publishing_rules.py
                                   "project:oidc:trusted-publishing-only:on",
                                   "project:oidc:trusted-publishing-only:off",
                                   "project:release:unusual_publisher"}


def test_no_secret_an_event_holds_reaches_the_audit_log(wiring):
    load_fixtures(wiring)
    secrets = set()
    for record in RECORDS:
        for field in SECRET_FIELDS:
            value = record["state"].get(field)
            secrets |= set(value) if isinstance(value, list) else {value} - {None}
    text = json.dumps(wiring.db.query("SELECT * FROM audit_log"))

    assert secrets and not [secret for secret in secrets if str(secret) in text]


def test_the_readme_lists_every_public_name():
    readme = (Path(__file__).parents[2] / "README.md").read_text()

    assert [name for name in NAMES if f"| `{name}` |" not in readme] == []
