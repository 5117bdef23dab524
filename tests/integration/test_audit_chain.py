"""The log's hash chain: `wharf audit verify` names the first entry edited, deleted or moved
in the raw database, and `wharf audit head` gives the head to keep outside Wharf."""

import pytest

from tests.integration.conftest import Api
from tests.integration.test_cli import wharf


def events_table(settings) -> tuple[str, str]:
    """eventsourcing's events table and its notification id column, on each store."""
    return ("wharf_events", "notification_id") if settings.uses_postgres else \
        ("stored_events", "rowid")


def raw(wiring, sql: str, params=()) -> None:
    """Write the store behind Wharf's back, as an intruder with database access would."""
    table, position = events_table(wiring.settings)
    with wiring.db.transaction() as cur:
        cur.execute(sql.format(table=table, position=position), params)


def positions(wiring) -> list[int]:
    return [n.id for n in wiring.app.recorder.select_notifications(1, 1000)]


@pytest.fixture
def story(api):
    for name in ("alice", "bob", "carol"):
        api.register(name)
    return api.wiring


def kept_head(settings) -> str:
    """`wharf audit head`'s output, as `$(wharf audit head)` keeps it."""
    head = wharf(settings, "audit", "head")
    assert head.returncode == 0, head.stderr
    return head.stdout.strip()


def test_an_untouched_log_verifies_against_the_head_as_printed(story, settings):
    kept = kept_head(settings)
    verified = wharf(settings, "audit", "verify", "--head", kept)

    assert kept.split()[0] == str(positions(story)[-1])
    assert verified.returncode == 0, verified.stderr
    assert f"{len(positions(story))} entries hold together; head {kept}" in verified.stdout


def test_a_head_kept_earlier_still_verifies_after_more_events(story, settings):
    kept = kept_head(settings)
    Api(story).register("dave")
    Api(story).register("erin")

    verified = wharf(settings, "audit", "verify", "--head", kept)

    assert verified.returncode == 0, verified.stderr
    assert positions(story)[-1] > int(kept.split()[0])
    assert f"{len(positions(story))} entries hold together" in verified.stdout


def test_the_empty_log_verifies_against_its_own_head(settings):
    assert wharf(settings, "init").returncode == 0
    kept = kept_head(settings)

    verified = wharf(settings, "audit", "verify", "--head", kept)

    assert kept == f"0 {'0' * 64}" and verified.returncode == 0, verified.stderr


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)  # refused before any store
@pytest.mark.parametrize("head", ["", "12", "a" * 64, "x " + "a" * 64, "-1 " + "a" * 64,
                                  "3 " + "a" * 63, "3 " + "g" * 64, "3 " + "a" * 64 + " 4"])
def test_a_malformed_head_is_a_usage_error(story, settings, head):
    verified = wharf(settings, "audit", "verify", "--head", head)

    assert verified.returncode == 2, verified.stderr
    assert "POSITION HASH" in verified.stderr and "rewritten" not in verified.stderr


def test_an_edited_entry_is_named(story, settings):
    target = positions(story)[3]
    raw(story, "UPDATE {table} SET state = ? WHERE {position} = ?",
        (b'{"username": "mallory"}', target))

    verified = wharf(settings, "audit", "verify")

    assert verified.returncode == 1
    assert f"entry {target} was altered or moved" in verified.stderr


def test_a_deleted_entry_is_named(story, settings):
    target = positions(story)[2]
    raw(story, "DELETE FROM {table} WHERE {position} = ?", (target,))

    verified = wharf(settings, "audit", "verify")

    assert verified.returncode == 1 and f"entry {target} is missing from the log" in \
        verified.stderr


def test_two_entries_swapped_are_named_at_the_first(story, settings):
    first, second = positions(story)[1:3]
    with story.db.transaction() as cur:
        table, column = events_table(settings)
        rows = {n.id: n for n in story.app.recorder.select_notifications(first, 2)}
        for position, other in ((first, second), (second, first)):
            cur.execute(f"UPDATE {table} SET state = ?, topic = ? WHERE {column} = ?",
                        (bytes(rows[other].state), rows[other].topic, position))

    verified = wharf(settings, "audit", "verify")

    assert verified.returncode == 1 and f"entry {first} was altered or moved" in verified.stderr


def rebuild_the_chain(wiring) -> None:
    """What an intruder who rewrote the log would do next, so that the chain holds again."""
    with wiring.db.transaction() as cur:
        cur.execute("DELETE FROM audit_chain")
    wiring.projector.reset("audit_chain")


def test_a_rewritten_log_is_caught_by_the_head_kept_outside(story, settings):
    kept = kept_head(settings)
    raw(story, "UPDATE {table} SET state = ? WHERE {position} = ?",
        (b'{"username": "mallory"}', positions(story)[0]))
    rebuild_the_chain(story)
    story.projector.reset("log_tree")  # and the Merkle tree (else `verify` names the entry)
    Api(story).register("dave")  # and the log goes on

    consistent = wharf(settings, "audit", "verify")
    against_kept = wharf(settings, "audit", "verify", "--head", kept)

    assert consistent.returncode == 0
    assert against_kept.returncode == 1, against_kept.stderr
    assert f"entry {kept.split()[0]} does not have the hash kept outside" in against_kept.stderr


def test_a_log_cut_short_is_caught_by_the_head_kept_outside(story, settings):
    kept = kept_head(settings)
    last = positions(story)[-2:]
    raw(story, "DELETE FROM {table} WHERE {position} >= ?", (last[0],))
    rebuild_the_chain(story)

    against_kept = wharf(settings, "audit", "verify", "--head", kept)

    assert against_kept.returncode == 1, against_kept.stderr
    assert f"the chain ends at entry {positions(story)[-1]}, before the head kept outside (entry" \
           f" {last[1]})" in against_kept.stderr
