"""No single event can stop the writes of everyone else: a command's events reach the log only
together with their views, hostile moments and characters are refused at the door, and an
event an older release let in is quarantined by a recorded repair, never edited."""

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from tests.integration.conftest import PASSWORD
from tests.integration.test_api_tokens import mint
from tests.integration.test_two_factor import verified_user
from tests.older_release import write_as_an_older_release, write_as_this_release
from wharf import cli
from wharf.bootstrap import VIEWS
from wharf.domain.claim import claim_id
from wharf.domain.errors import Unrecordable, ViewsStuck
from wharf.domain.origin import Origin
from wharf.projections.audit_log import Filters, Viewer
from wharf.projections.projector import ApplyFailed, Projector, View

# A clock gone wild: Python holds this moment and the one a day later (a verification link's
# expiry), but no view can turn the later one into UTC: it is in year 10000 there.
BEYOND_UTC = datetime(9999, 12, 30, 12, 0, tzinfo=timezone(-timedelta(hours=12)))
HOSTILE_MOMENTS = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
                   "9999-12-31T23:59:59.999999+00:00", "1969-12-31T23:59:59Z"]


def log_length(wiring) -> int:
    return wiring.app.recorder.max_notification_id() or 0


def everyone_else_can_still_sign_up_and_log_in(api) -> None:
    name = f"next{uuid4().hex[:8]}"
    api.register(name)
    assert api.log_in(name)


def at(moment: datetime, user_agent: str = "test") -> Origin:
    return Origin(actor_id=None, ip="192.0.2.77", user_agent=user_agent, at=moment)


@pytest.mark.parametrize("field", ["expires_at", "not_before"])
@pytest.mark.parametrize("moment", HOSTILE_MOMENTS)
def test_a_token_validity_beyond_what_the_views_hold_is_refused(api, field, moment):
    session = verified_user(api, "alice")
    before = log_length(api.wiring)

    minted = mint(api, session, **{field: moment})

    assert minted.status_code == 400, minted.json
    assert field in minted.json["errors"]
    assert log_length(api.wiring) == before
    everyone_else_can_still_sign_up_and_log_in(api)


@pytest.mark.parametrize("moment", HOSTILE_MOMENTS)
def test_histories_and_replay_refuse_moments_beyond_the_views(api, moment):
    session = verified_user(api, "alice")
    api.wiring.app.grant_admin(at(api.wiring.clock()), "alice")

    for path, parameter in [("/api/account/events", "since"), ("/api/account/events", "until"),
                            ("/api/account/events/export", "since"),
                            ("/api/admin/replay", "as_of")]:
        answer = api.call("GET", path, session, params={parameter: moment})
        assert answer.status_code == 400, (path, answer.text)
        assert answer.json["code"] == "invalid_request"


@pytest.mark.parametrize("user_agent", ["a\udc80b", "\ud83d"])
def test_a_value_utf8_cannot_encode_is_refused_and_nothing_is_stored(api, user_agent):
    before = log_length(api.wiring)

    with pytest.raises(Unrecordable):
        api.wiring.app.register(at(api.wiring.clock(), user_agent), "mallory", PASSWORD,
                                "mallory@example.com")

    assert log_length(api.wiring) == before
    everyone_else_can_still_sign_up_and_log_in(api)


def test_an_event_no_view_can_apply_rolls_its_command_back(api):
    api.register("alice")
    before = log_length(api.wiring)

    with pytest.raises(Unrecordable):
        api.wiring.app.register(at(BEYOND_UTC), "mallory", PASSWORD, "mallory@example.com")

    assert log_length(api.wiring) == before
    assert api.wiring.accounts.id_by_username("mallory") is None
    assert api.wiring.projector.lag() == 0
    everyone_else_can_still_sign_up_and_log_in(api)
    # The name was not taken by the refused command: its claim was rolled back with it.
    api.register("mallory")


def test_a_nul_the_postgresql_views_cannot_hold_rolls_its_command_back(api):
    before = log_length(api.wiring)

    try:
        api.wiring.app.register(at(api.wiring.clock(), "a\x00b"), "mallory", PASSWORD,
                                "mallory@example.com")
    except Unrecordable:
        assert api.wiring.settings.uses_postgres  # SQLite's text holds a NUL
        assert log_length(api.wiring) == before
    everyone_else_can_still_sign_up_and_log_in(api)


def test_a_view_statement_the_store_refuses_after_the_view_returned_rolls_back_too(api):
    """PostgreSQL answers a command's view statements together (a pipeline), after the views
    have returned: its refusal still refuses the command."""
    wiring = api.wiring
    live = wiring.app.projector
    last = claim_id("username", "mallory")  # the command's last event: no view reads after it

    def refuse(event, cur):
        if event.originator_id == last:
            cur.execute("INSERT INTO projection_generation (id, generation) VALUES (1, 0)")

    refusing = View("refusing", [], [], refuse)  # id 1 is taken: the store refuses
    wiring.app.projector = Projector(wiring.db, wiring.app.recorder, wiring.app.mapper,
                                     [*VIEWS, refusing],
                                     wiring.app.snapshots.recorder.events_table_name)
    before = log_length(wiring)
    try:
        with pytest.raises(Unrecordable):
            wiring.app.register(at(wiring.clock()), "mallory", PASSWORD, "mallory@example.com")
    finally:
        wiring.app.projector = live

    assert log_length(wiring) == before
    assert wiring.accounts.id_by_username("mallory") is None
    api.register("mallory")


def quarantine(wiring, position: int, reason: str = "written by 0.1 with a wild clock") -> int:
    return cli.main(["projections", "quarantine", str(position), "--reason", reason])


@pytest.fixture
def cli_environment(settings, monkeypatch):
    """The CLI reads the environment, as an operator's shell gives it."""
    monkeypatch.setenv("WHARF_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("WHARF_SECRET_KEY", settings.secret_key.decode())
    if settings.uses_postgres:
        monkeypatch.setenv("WHARF_DATABASE_URL", settings.database_url)
        monkeypatch.setenv("WHARF_DATABASE_SCHEMA", settings.database_schema)


def test_an_older_release_s_unappliable_event_is_quarantined_by_a_recorded_repair(
        api, cli_environment, capsys):
    api.register("alice")
    write_as_an_older_release(api.wiring.app)
    api.wiring.app.register(at(BEYOND_UTC), "mallory", PASSWORD, "mallory@example.com")
    write_as_this_release(api.wiring.app)
    bad = log_length(api.wiring)  # the claims come first, the registration last
    stuck_at = api.wiring.projector.position()

    with pytest.raises(ApplyFailed) as failure:
        api.wiring.projector.catch_up()
    assert failure.value.position < bad + 1
    with pytest.raises(ViewsStuck):  # every write waits for the repair, and says so (503)
        api.wiring.app.register(at(api.wiring.clock()), "bob", PASSWORD, "bob@example.com")
    assert api.call("POST", "/api/accounts", json={
        "username": "bob", "password": PASSWORD, "email": "bob@example.com"}).status_code == 503

    assert quarantine(api.wiring, failure.value.position) == 0
    assert "is quarantined" in capsys.readouterr().out

    assert api.wiring.projector.lag() == 0  # the views passed over what they cannot hold
    assert api.wiring.projector.position() > stuck_at
    everyone_else_can_still_sign_up_and_log_in(api)
    entries = api.wiring.audit_log.page(
        Filters(since=datetime(2000, 1, 1, tzinfo=UTC), names=("log:event:quarantine",)),
        Viewer(account_id=None, is_admin=True), limit=50).entries
    repair = [e for e in entries if e["name"] == "log:event:quarantine"]
    assert [e["details"]["position"] for e in repair] == [failure.value.position]
    assert repair[0]["details"]["reason"] == "written by 0.1 with a wild clock"
    # A rebuild from the log passes over it the same way, and finds the live views right.
    for view in VIEWS:
        assert api.wiring.projector.rebuild(view.name) == {}, view.name


def test_quarantine_refuses_a_position_the_log_does_not_hold_and_needs_a_reason(
        api, cli_environment, capsys):
    api.register("alice")
    end = log_length(api.wiring)

    assert quarantine(api.wiring, end + 1) == 1
    assert f"no event at position {end + 1}" in capsys.readouterr().err
    assert quarantine(api.wiring, end, reason=" ") == 1
    assert quarantine(api.wiring, 0) == 1
    assert log_length(api.wiring) == end
