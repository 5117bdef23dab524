"""The log's Merkle tree as outsiders check it: pymerkle grows the same tree from the stored
events, the served proofs verify by pymerkle and by the RFC's algorithm, the checkpoint by
Ed25519, a history entry's log index proves it, and a rebuilt tree equals the live one."""

import base64
import hashlib

import pytest

from tests.conftest import fast_passwords
from tests.integration.conftest import Api
from tests.integration.test_api_tokens import project
from tests.integration.test_audit_chain import events_table, raw
from tests.integration.test_cli import wharf
from tests.integration.test_two_factor import verified_user
from tests.transparency import (
    open_note,
    pymerkle_tree,
    pymerkle_verifies_inclusion,
    rfc9162_consistent,
    rfc_consistency,
)
from wharf.bootstrap import bootstrap
from wharf.projections import audit_chain, log_tree
from wharf.projections.audit_chain import entry


def stored(wiring) -> list:
    return wiring.app.recorder.select_notifications(1, 10_000)


def b64(text: str) -> bytes:
    return base64.b64decode(text)


@pytest.fixture
def story(api):
    alice = verified_user(api, "alice")  # projects need a verified email
    project(api, alice, "sampleproject")
    for name in ("bob", "carol"):
        api.register(name)
    return alice


def checkpoint(api) -> tuple[str, int, bytes]:
    key = api.call("GET", "/api/log/key").text
    return open_note(api.call("GET", "/api/log/checkpoint").text, key)


def test_the_tree_is_the_one_pymerkle_grows_from_the_stored_events(api, story):
    events = stored(api.wiring)
    reference = pymerkle_tree([entry(event) for event in events])
    tree = api.wiring.log_tree

    assert tree.size() == len(events)
    for size in range(1, len(events) + 1):
        assert tree.root(size) == reference.get_root(size), size
        assert tree.hashes([(0, size - 1)]) == {(0, size - 1): reference.get_leaf(size)}


def test_the_checkpoint_is_signed_by_the_published_key_over_the_trees_root(api, story):
    origin, size, root = checkpoint(api)
    served = api.call("GET", "/api/log/checkpoint")

    assert served.headers["content-type"] == "text/plain; charset=utf-8"
    assert origin == "localhost:8000/log" and size == len(stored(api.wiring))
    assert root == pymerkle_tree([entry(e) for e in stored(api.wiring)]).get_root(size)
    assert wharf(api.wiring.settings, "audit", "checkpoint").stdout == served.text


def test_every_served_inclusion_proof_verifies_by_pymerkle(api, story):
    reference = pymerkle_tree([entry(e) for e in stored(api.wiring)])
    size = reference.get_size()
    for at in (1, size // 2, size):
        for index in range(at):
            proof = api.call("GET", f"/api/log/proof/inclusion?index={index}&size={at}").json
            assert (proof["index"], proof["size"]) == (index, at)
            assert pymerkle_verifies_inclusion(
                reference, index, at, b64(proof["leaf_hash"]),
                [b64(h) for h in proof["hashes"]], reference.get_root(at))


def test_every_served_consistency_proof_is_the_rfcs_and_verifies_by_its_algorithm(api, story):
    events = stored(api.wiring)
    reference = pymerkle_tree([entry(e) for e in events])
    leaves = [reference.get_leaf(i + 1) for i in range(len(events))]
    for first in range(1, len(events)):
        proof = api.call("GET", f"/api/log/proof/consistency?from={first}").json
        hashes = [b64(h) for h in proof["hashes"]]
        assert proof["to"] == len(events) and b64(proof["from_root"]) == reference.get_root(first)
        assert hashes == rfc_consistency(first, leaves)
        assert rfc9162_consistent(first, len(events), reference.get_root(first),
                                  reference.get_root(len(events)), hashes)


def test_each_history_entry_carries_a_log_index_whose_proof_holds(api, story):
    _, size, root = checkpoint(api)
    positions = {event.id: i for i, event in enumerate(stored(api.wiring))}
    reference = pymerkle_tree([entry(e) for e in stored(api.wiring)])
    history = api.call("GET", "/api/account/events", story).json["events"]

    assert history
    for item in history:
        assert item["log_index"] == positions[int(item["id"].split(".")[0])]
        proof = api.call("GET", f"/api/log/proof/inclusion?index={item['log_index']}"
                                f"&size={size}").json
        assert pymerkle_verifies_inclusion(reference, item["log_index"], size,
                                           b64(proof["leaf_hash"]),
                                           [b64(h) for h in proof["hashes"]], root)


def test_a_leaf_is_an_events_ordinal_even_where_positions_skip(api, settings):
    if not settings.uses_postgres:
        pytest.skip("SQLite's rowids never skip: a rolled-back insert gives its rowid back")
    api.register("alice")
    table, column = events_table(settings)
    for _ in range(3):  # what rolled-back inserts do: sequence values spent, no rows
        api.wiring.db.query(f"SELECT nextval(pg_get_serial_sequence('{table}', '{column}'))")
    bob = api.user("bob")

    events = stored(api.wiring)
    assert [e.id for e in events] != list(range(1, len(events) + 1))
    assert [api.wiring.log_tree.index_of(e.id) for e in events] == list(range(len(events)))
    entries = api.call("GET", "/api/account/events", bob).json["events"]
    assert {e["log_index"] for e in entries} <= set(range(len(events)))
    assert log_tree.verify(api.wiring.db, api.wiring.app.recorder).ok


def test_a_rebuilt_tree_equals_the_live_one_and_repairs_a_bad_node(api, story, settings):
    assert api.wiring.projector.rebuild("log_tree") == {}
    before = api.wiring.log_tree.root(api.wiring.log_tree.size())
    with api.wiring.db.transaction() as cur:
        cur.execute("UPDATE log_tree SET hash = ? WHERE level = 1 AND idx = 0",
                    (hashlib.sha256(b"x").digest(),))
    assert not log_tree.verify(api.wiring.db, api.wiring.app.recorder).ok

    rebuilt = wharf(settings, "projections", "rebuild", "log_tree")

    assert rebuilt.returncode == 1 and "log_tree: 1 rows only in the live view" in rebuilt.stdout
    assert api.wiring.projector.rebuild("log_tree") == {}
    assert api.wiring.log_tree.root(api.wiring.log_tree.size()) == before
    verified = wharf(settings, "audit", "verify")
    assert verified.returncode == 0 and "Merkle tree of" in verified.stdout, verified.stderr


@pytest.mark.parametrize("tamper", ["edit", "delete", "swap"])
def test_a_log_changed_behind_wharf_no_longer_matches_its_tree(api, story, tamper):
    first, second = [e.id for e in stored(api.wiring)][3:5]
    tamper_with(api.wiring, tamper, first, second)

    verdict = log_tree.verify(api.wiring.db, api.wiring.app.recorder)

    assert not verdict.ok and f"entry {first}" in verdict.problem


def tamper_with(wiring, how: str, first: int, second: int) -> None:
    """What someone who can write the database does behind Wharf: edit, delete or swap."""
    if how == "edit":
        raw(wiring, "UPDATE {table} SET state = ? WHERE {position} = ?",
            (b'{"username": "mallory"}', first))
    elif how == "delete":
        raw(wiring, "DELETE FROM {table} WHERE {position} = ?", (first,))
    else:
        swap(wiring, first, second)


def swap(wiring, first: int, second: int) -> None:
    table, column = events_table(wiring.settings)
    rows = {n.id: n for n in wiring.app.recorder.select_notifications(first, 2)}
    with wiring.db.transaction() as cur:
        for position, other in ((first, second), (second, first)):
            cur.execute(f"UPDATE {table} SET state = ?, topic = ? WHERE {column} = ?",
                        (bytes(rows[other].state), rows[other].topic, position))


@pytest.mark.parametrize("query", [
    "index=", "index=x", "index=1.5", "index=1e3", "index=-1", "index=+1", "index= 1",
    "index=%EF%BC%91", "index=99999999999999999999", "index=9223372036854775808",
    "index=0&index=1", "index=0&size=0", "index=0&size=9223372036854775807", "index=40",
    "index=3&size=3", "index=0&other=1", "index=0%00",
])
def test_inclusion_parameters_are_checked_strictly(api, story, query):
    answer = api.call("GET", f"/api/log/proof/inclusion?{query}")
    assert answer.status_code == 400, answer.text


@pytest.mark.parametrize("query", [
    "", "from=0", "from=5&to=4", "from=1&to=1000", "from=1&to=x", "from=18446744073709551616",
    "to=3", "from=1&to=2&to=3",
])
def test_consistency_parameters_are_checked_strictly(api, story, query):
    answer = api.call("GET", f"/api/log/proof/consistency?{query}")
    assert answer.status_code == 400, answer.text


def test_a_chain_rebuilt_over_an_edited_log_still_fails_the_tree(api, story, settings):
    raw(api.wiring, "UPDATE {table} SET state = ? WHERE {position} = ?",
        (b'{"username": "mallory"}', stored(api.wiring)[0].id))
    with api.wiring.db.transaction() as cur:
        cur.execute("DELETE FROM audit_chain")  # the intruder rebuilds the chain
    api.wiring.projector.reset("audit_chain")

    verified = wharf(settings, "audit", "verify")

    assert verified.returncode == 1
    assert "fails its Merkle tree: entry" in verified.stderr and "was altered" in verified.stderr


def test_two_writers_on_one_store_grow_one_tree_and_one_chain(api, settings, clock):
    """Each process carries the tree's frontier and the chain's last hash from its own last
    command to its next; a command of another process in between must make it read them again."""
    other = Api(bootstrap(settings, clock, passwords=fast_passwords()))
    try:
        for writer in (api, api, other, api, other, other, api):
            writer.register(f"user{len(stored(api.wiring))}")
    finally:
        other.wiring.close()

    events = stored(api.wiring)
    reference = pymerkle_tree([entry(event) for event in events])
    assert api.wiring.log_tree.root(len(events)) == reference.get_root(len(events))
    assert log_tree.verify(api.wiring.db, api.wiring.app.recorder).ok
    assert audit_chain.verify(api.wiring.db, api.wiring.app.recorder, None).ok


@pytest.mark.parametrize("how", ["delete", "edit"])
def test_a_rebuild_by_another_process_makes_a_writer_read_the_tree_and_chain_again(
        api, settings, clock, how):
    """The log changed behind Wharf and another process (`wharf projections rebuild`, say)
    rebuilt the views over it: this process's next write must grow what was rebuilt, never
    the frontier and last hash it kept from before."""
    for name in ("alice", "bob", "carol"):
        api.register(name)
    first, second = [event.id for event in stored(api.wiring)][2:4]
    tamper_with(api.wiring, how, first, second)
    other = bootstrap(settings, clock, passwords=fast_passwords())
    try:
        for name in ("log_tree", "audit_chain"):
            assert other.projector.rebuild(name)
    finally:
        other.close()

    api.register("dave")

    events = stored(api.wiring)
    assert api.wiring.log_tree.root(len(events)) == pymerkle_tree(
        [entry(event) for event in events]).get_root(len(events))
    assert log_tree.verify(api.wiring.db, api.wiring.app.recorder).ok
    assert audit_chain.verify(api.wiring.db, api.wiring.app.recorder, None).ok
