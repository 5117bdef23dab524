"""The log's hash chain: `wharf audit verify` names the first entry edited, deleted or moved
in the raw database, and `wharf audit head` gives the head to keep outside Wharf."""

import pytest

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


def test_an_untouched_log_verifies_and_its_head_is_stable(story, settings):
    head = wharf(settings, "audit", "head")
    verified = wharf(settings, "audit", "verify", "--head", head.stdout.split()[1])

    assert head.returncode == 0 and head.stdout.split()[0] == str(positions(story)[-1])
    assert verified.returncode == 0, verified.stderr
    assert f"{len(positions(story))} entries hold together" in verified.stdout


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


def test_a_rewritten_log_is_caught_by_the_head_kept_outside(story, settings):
    kept = wharf(settings, "audit", "head").stdout.split()[1]
    raw(story, "UPDATE {table} SET state = ? WHERE {position} = ?",
        (b'{"username": "mallory"}', positions(story)[0]))
    with story.db.transaction() as cur:
        cur.execute("DELETE FROM audit_chain")  # the intruder rebuilds the chain too
    story.projector.reset("audit_chain")
    story.projector.reset("log_tree")  # and the Merkle tree (else `verify` names the entry)

    consistent = wharf(settings, "audit", "verify")
    against_kept = wharf(settings, "audit", "verify", "--head", kept)

    assert consistent.returncode == 0
    assert against_kept.returncode == 1 and "head kept outside" in against_kept.stderr
