"""Every security change is emailed to whoever must know: a new address to the account's other
verified addresses, a primary-address change to the old primary, a role given, changed or
removed to the person and to every Owner. An event written before these messages existed
never sends one, even when the views are rebuilt from the log."""

import json
from collections import Counter

from tests.integration.test_audit_names import load_fixtures
from tests.unit.test_events_are_forever import FIXTURES, RECORDS
from tests.integration.test_two_factor import verified_user

# Whatever the containment fixtures name (written with their release's messages).
CONTAINMENT_ACCOUNTS = {r["originator_id"] for fixture in FIXTURES
                        if fixture.name.startswith("events-2026-12-containment")
                        for r in json.loads(fixture.read_text())}
# The Owner and the invitee who accepted, in events-2026-12-invitations.json.
INVITED_OWNER, INVITED_MEMBER = ("cd88fa9e-9b88-4d8e-8faf-f651fd62133f",
                                 "ebdbad32-b10b-41c9-805e-e578a9a05891")


def sent(api) -> list[tuple[str, str]]:
    return sorted((m["To"], m["Subject"].removeprefix("[Wharf] ")) for m in api.mail())


def verify(api, token: str, address: str) -> None:
    assert api.call("POST", "/api/account/emails", token, json={"email": address}) \
        .status_code == 201
    assert api.call("POST", "/api/account/emails/verify",
                    json={"token": api.verification_token(address)}).status_code == 204


def test_a_new_address_is_told_to_every_verified_one_and_a_primary_change_to_the_old(api):
    alice = verified_user(api, "alice")
    verify(api, alice, "second@example.com")
    before = sent(api)

    added = api.call("POST", "/api/account/emails", alice, json={"email": "third@example.com"})
    changed = api.call("POST", "/api/account/emails/second@example.com/primary", alice)

    assert added.status_code == 201 and changed.status_code in (200, 204), changed.text
    new = list((Counter(sent(api)) - Counter(before)).elements())
    assert ("alice@example.com", "A new email address was added to your account") in new
    assert ("second@example.com", "A new email address was added to your account") in new
    assert ("alice@example.com", "Your account's primary email address was changed") in new
    assert not [to for to, subject in new if subject.startswith("Your account's primary")
                and to != "alice@example.com"]
    [notice] = [m for m in api.mail() if m["Subject"].endswith("primary email address was"
                                                                " changed")]
    assert "now second@example.com" in notice.get_content()


def test_a_role_given_changed_or_removed_is_told_to_the_person_and_every_owner(api):
    alice, bob = verified_user(api, "alice"), verified_user(api, "bob")
    carol = verified_user(api, "carol")
    assert api.call("POST", "/api/projects", alice, json={"name": "demo"}).status_code == 201
    roles = "/api/projects/demo/roles"
    api.grant(alice, "demo", bob, "Owner")
    before = sent(api)

    api.grant(bob, "demo", carol)
    api.call("PATCH", f"{roles}/carol", alice, json={"role": "Owner"})
    api.call("DELETE", f"{roles}/carol", bob)

    new = list((Counter(sent(api)) - Counter(before)).elements())
    for subject in ("A role on a project was given", "A role on a project was changed",
                    "A role on a project was removed"):
        assert sorted(to for to, s in new if s == subject) == [
            "alice@example.com", "bob@example.com", "carol@example.com"], subject
    [given] = [m for m in api.mail() if m["Subject"].endswith("was given")
               and m["To"] == "carol@example.com"]
    assert "carol was made Maintainer of demo" in given.get_content()


def test_a_rebuilt_outbox_sends_nothing_again(api):
    alice, bob = verified_user(api, "alice"), verified_user(api, "bob")
    api.call("POST", "/api/projects", alice, json={"name": "demo"})
    api.grant(alice, "demo", bob)
    count = len(api.mail())

    api.wiring.projector.reset("outbox")
    api.wiring.projector.catch_up()

    assert len(api.mail()) == count


def test_events_an_older_release_wrote_ask_for_no_new_message(wiring):
    """The fixture logs hold roles granted and addresses added before these messages: they
    name no recipients, so a view built from them queues none. (The one role given by an
    accepted invitation, events-2026-12-invitations.json, was written with its message; so were
    the roles of events-2026-12-containment.json, whose accounts are left out here.)"""
    load_fixtures(wiring)
    recent = {r["originator_id"] for r in RECORDS if r["topic"] == "wharf:account:registered"
              and r["originator_id"] in CONTAINMENT_ACCOUNTS}
    rows = [row for row in wiring.db.query("SELECT template, account_id FROM outbox")
            if row["account_id"] not in recent]
    templates = {row["template"] for row in rows}
    assert templates.isdisjoint({"role-changed", "role-removed", "primary-email-changed"})
    assert {row["account_id"] for row in rows if row["template"] == "role-granted"} == {
        INVITED_OWNER, INVITED_MEMBER}
    assert wiring.db.query("SELECT 1 AS found FROM audit_log WHERE name = 'project:role:add'")


def test_only_containments_recorded_with_their_message_send_one(wiring):
    """events-2026-12-containment.json's two containments were applied before they were
    emailed; events-2026-12-containment_publisher.json's names the Owner it told."""
    load_fixtures(wiring)
    told = {r["state"]["told"][0] for r in RECORDS if r["topic"] == "wharf:containment:applied"
            and r["state"].get("told")}

    rows = wiring.db.query("SELECT account_id FROM outbox WHERE template = 'containment-applied'")

    assert len(told) == 1 and [row["account_id"] for row in rows] == list(told)
