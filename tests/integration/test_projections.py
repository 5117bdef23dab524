"""Views are built from the log alone, exactly once, whichever process applies an event."""

import threading

import pytest

from tests.conftest import fast_passwords
from tests.integration.test_two_factor import verified_user
from tests.older_release import write_as_an_older_release, write_as_this_release
from wharf.bootstrap import VIEWS, bootstrap
from wharf.projections.projector import ApplyFailed


def snapshot_views(wiring) -> dict:
    tables = {}
    with wiring.db.transaction() as cur:
        for view in VIEWS:
            for table in view.tables:
                rows = cur.execute(f"SELECT * FROM {table}").fetchall()
                # repr: an actor may be None (the CLI, the mail deliverer) beside an id
                tables[table] = sorted((tuple(sorted(r.items())) for r in rows), key=repr)
    return tables


def busy_history(api):
    alice, bob = verified_user(api, "alice"), api.user("bob")
    api.call("POST", "/api/account/emails", alice, json={"email": "a2@example.com"})
    api.call("POST", "/api/projects", alice, json={"name": "demo"})
    api.grant(alice, "demo", bob, "Owner")
    api.call("DELETE", "/api/projects/demo/roles/alice", bob)
    api.call("DELETE", "/api/session", bob)
    api.mail()


def test_a_view_s_singledispatch_process_does_nothing_with_events_it_did_not_register():
    """The projector passes over such a view for such events (View.passes_over)."""
    for view in VIEWS:
        if hasattr(view.process, "registry"):
            assert view.process.registry[object](object(), None) is None, view.name


def test_rebuilding_every_view_from_the_log_gives_the_live_views(api):
    busy_history(api)
    live = snapshot_views(api.wiring)

    for view in VIEWS:
        api.wiring.projector.reset(view.name)
    assert snapshot_views(api.wiring) != live
    api.wiring.projector.catch_up()

    assert snapshot_views(api.wiring) == live


def test_rebuilding_the_outbox_never_sends_old_mail_again(api):
    busy_history(api)
    sent = len(api.mail())

    api.wiring.projector.reset("outbox")
    api.wiring.projector.catch_up()

    assert api.wiring.outbox.pending() == []
    assert len(api.mail()) == sent


def test_catching_up_again_changes_nothing(api):
    busy_history(api)
    before = snapshot_views(api.wiring)

    assert api.wiring.projector.catch_up() == 0
    assert snapshot_views(api.wiring) == before


def test_events_an_older_release_saved_without_their_views_are_applied_later(api, wiring):
    api.register("alice")
    write_as_an_older_release(wiring.app)
    bob = api.register("bob")
    assert wiring.accounts.by_id(bob) is None

    write_as_this_release(wiring.app)
    wiring.projector.catch_up()

    assert wiring.accounts.by_id(bob)["username"] == "bob"


def test_a_catch_up_names_the_event_a_view_refuses_though_others_follow_it(api, wiring):
    """The store refuses it (a statement sent in a pipeline, refused later): still that one."""
    api.register("alice")
    write_as_an_older_release(wiring.app)
    bob = api.register("bob")
    for name in ("carol", "dave", "erin"):
        api.register(name)
    write_as_this_release(wiring.app)
    with wiring.db.transaction() as cur:
        cur.execute("INSERT INTO accounts (id, username, username_key, created_at)"
                    " VALUES ('squatter', 'BOB', 'bob', '2026-01-01T00:00:00.000000Z')")
    bob_registered = next(n.id for n in wiring.app.recorder.select_notifications(
        1, 1000, topics=["wharf:account:registered"]) if str(n.originator_id) == bob)

    with pytest.raises(ApplyFailed) as failure:
        wiring.projector.catch_up()

    assert (failure.value.position, failure.value.view) == (bob_registered, "accounts")
    assert wiring.accounts.by_id(bob) is None  # nothing of the catch-up was kept


def test_concurrent_catch_ups_apply_each_event_once(api, settings, clock):
    write_as_an_older_release(api.wiring.app)
    for n in range(30):
        api.register(f"user{n}")
    others = [bootstrap(settings, clock, passwords=fast_passwords()) for _ in range(3)]
    try:
        threads = [threading.Thread(target=w.projector.catch_up) for w in others]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with api.wiring.db.transaction() as cur:
            count = cur.execute("SELECT COUNT(*) AS n FROM accounts").fetchone()["n"]
            outbox = cur.execute("SELECT COUNT(*) AS n FROM outbox").fetchone()["n"]
        assert count == 30
        assert outbox == 30
        assert api.wiring.projector.position() == api.wiring.app.recorder.max_notification_id()
    finally:
        for w in others:
            w.close()
