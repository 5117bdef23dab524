"""GET /api/log/public: who was given which role on which project, for anyone, each entry
with an inclusion proof into the signed checkpoint it comes with; nothing personal."""

import base64

import pytest

from tests.integration.test_api_tokens import mint, project
from tests.integration.test_two_factor import verified_user
from tests.transparency import open_note, pymerkle_tree, pymerkle_verifies_inclusion
from wharf.projections.audit_chain import entry


@pytest.fixture
def roles(api):
    """alice creates sampleproject, invites bob as Maintainer (he accepts), makes him Owner,
    then removes him; a token and a second address add entries the feed must leave out."""
    alice, bob = verified_user(api, "alice"), api.user("bob")
    project(api, alice, "sampleproject")
    roles = "/api/projects/sampleproject/roles"
    api.grant(alice, "sampleproject", bob)
    for method, path, body in (("PATCH", f"{roles}/bob", {"role": "Owner"}),
                               ("DELETE", f"{roles}/bob", None)):
        assert api.call(method, path, alice, json=body).status_code in (201, 204)
    api.call("POST", "/api/account/emails", alice, json={"email": "alice@private.example"})
    assert mint(api, alice, description="secret-ish").status_code == 201
    return alice


def feed(api, query: str = "") -> dict:
    answer = api.call("GET", f"/api/log/public{query}")
    assert answer.status_code == 200, answer.text
    return answer.json


def test_the_feed_tells_who_got_which_role_in_log_order(api, roles):
    entries = feed(api)["entries"]

    assert [(e["name"], e["project"], e["actor"], e["username"], e["role"]) for e in entries] == [
        ("project:create", "sampleproject", "alice", "alice", None),
        ("project:role:add", "sampleproject", "bob", "bob", "Maintainer"),  # he accepted
        ("project:role:change", "sampleproject", "alice", "bob", "Owner"),
        ("project:role:remove", "sampleproject", "alice", "bob", None)]
    assert [e["log_index"] for e in entries] == sorted(e["log_index"] for e in entries)


def test_the_feed_holds_nothing_personal(api, roles):
    text = api.call("GET", "/api/log/public").text
    history = api.call("GET", "/api/account/events", roles).json["events"]
    tokens = {e["token_id"] for e in history if e["token_id"]}

    assert tokens and not any(token in text for token in tokens)
    for personal in ("192.0.2.10", "@example.com", "@private.example", "falcon-client",
                     "secret-ish", '"ip"', '"email"', "token"):
        assert personal not in text


def test_each_entry_proves_its_inclusion_in_the_signed_checkpoint_given(api, roles):
    body = feed(api)
    key = api.call("GET", "/api/log/key").text
    _, size, root = open_note(body["checkpoint"], key)
    reference = pymerkle_tree([entry(e) for e in api.wiring.app.recorder.select_notifications(
        1, 10_000)])

    assert (size, base64.b64decode(body["root_hash"])) == (body["size"], root)
    for item in body["entries"]:
        leaf = base64.b64decode(item["leaf_hash"])
        path = [base64.b64decode(h) for h in item["inclusion"]]
        assert pymerkle_verifies_inclusion(reference, item["log_index"], size, leaf, path, root)
        assert not pymerkle_verifies_inclusion(reference, item["log_index"] + 1, size, leaf,
                                               path, root)


def test_the_feed_pages_by_log_index(api, roles):
    everything = feed(api)
    seen, since = [], 0
    while True:
        page = feed(api, f"?since={since}&limit=1")
        seen += page["entries"]
        if not page["entries"]:
            break
        since = page["next_since"]

    assert seen == everything["entries"]
    assert feed(api, f"?since={everything['size']}")["entries"] == []
    assert feed(api, f"?since={everything['size']}")["next_since"] == everything["size"]
    assert feed(api, "?since=9223372036854775807")["entries"] == []


@pytest.mark.parametrize("query", ["?since=-1", "?since=x", "?limit=0", "?limit=501",
                                   "?since=1e2", "?since=99999999999999999999", "?until=1"])
def test_feed_parameters_are_checked_strictly(api, query):
    assert api.call("GET", f"/api/log/public{query}").status_code == 400
