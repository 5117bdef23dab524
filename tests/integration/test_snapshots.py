"""What a failed log-in reads stays short, however busy the name: the account (or the made-up
name) is read from a snapshot and fewer than ten events after it, so how long the failure
takes does not tell a busy account from a quiet one (bench/login_timing.py times it)."""

from uuid import UUID

from eventsourcing.application import project_aggregate

from wharf.domain.unknown_username import unknown_username_id

ATTEMPTS = 57  # a busy name: far more events than one snapshot interval


def events_after_last_snapshot(app, aggregate_id) -> int:
    aggregate = app.repository.get(aggregate_id)
    last = next(app.snapshots.get(aggregate_id, desc=True, limit=1), None)
    return aggregate.version - (last.originator_version if last else 0)


def fail_many_times(api, clock, username: str) -> None:
    for n in range(ATTEMPTS):
        if n % 9 == 8:
            clock.advance(minutes=5)  # under the per-name limit: every attempt is a failure
        answer = api.call("POST", "/api/session", remote_addr=f"198.51.100.{n}",
                          json={"username": username, "password": "not the password"})
        assert answer.status_code == 401, answer.json


def test_a_busy_account_is_read_from_a_recent_snapshot(api, clock):
    account_id = UUID(api.register("alice"))

    fail_many_times(api, clock, "alice")

    assert api.wiring.app.repository.get(account_id).version > ATTEMPTS
    assert events_after_last_snapshot(api.wiring.app, account_id) < 10


def test_a_busy_made_up_name_is_read_from_a_recent_snapshot(api, clock):
    fail_many_times(api, clock, "nobody")

    app = api.wiring.app
    name_id = unknown_username_id(app.pseudonyms.of("nobody"))
    assert events_after_last_snapshot(app, name_id) < 10


def test_the_snapshot_a_command_stores_with_its_events_reads_back_as_its_events_do(api, clock):
    account_id = UUID(api.register("alice"))

    fail_many_times(api, clock, "alice")

    app = api.wiring.app
    replayed = project_aggregate(None, app.events.get(account_id))
    read = app.repository.get(account_id)
    assert next(app.snapshots.get(account_id, desc=True, limit=1)).originator_version > 1
    assert (read.version, vars(read)) == (replayed.version, vars(replayed))
