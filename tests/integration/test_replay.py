"""Forensic replay: who held which role, factor, session and token at a past moment, and who
could upload where with which token, rebuilt from the log alone."""

from datetime import timedelta

import pytest

from tests.integration.test_api_tokens import mint, project
from tests.integration.test_cli import wharf
from tests.integration.test_two_factor import enrolled
from wharf.domain.errors import NotFound
from wharf.domain.origin import cli_origin


@pytest.fixture
def story(api, clock) -> dict:
    """t0: alice owns sampleproject with an account-wide token. t1: bob (2FA) and carol (no
    verified email) become Maintainers; bob mints a token for the project. t2: alice removes
    bob, which revokes his token."""
    alice, _, _ = enrolled(api, clock, "alice")
    project(api, alice, "SampleProject")
    alice_token = mint(api, alice, description="alice everywhere").json["id"]
    bob, _, _ = enrolled(api, clock, "bob")
    carol = api.user("carol")
    t0 = clock()
    clock.advance(hours=1)
    t1 = clock()
    api.sudo(alice)  # an hour on: her sudo window has closed
    for member in (bob, carol):
        api.grant(alice, "sampleproject", member)
    api.sudo(bob)
    bob_token = mint(api, bob, description="bob's CI", projects=["sampleproject"]).json["id"]
    clock.advance(hours=1)
    t2 = clock()
    api.sudo(alice)
    assert api.call("DELETE", "/api/projects/sampleproject/roles/bob", alice).status_code == 204
    return {"t0": t0, "t1": t1, "t2": t2, "alice_token": alice_token, "bob_token": bob_token,
            "alice": alice}


def after(moment, minutes: int = 30):
    return moment + timedelta(minutes=minutes)


def uploaders(state) -> dict:
    [found] = state["projects"]
    return {u["username"]: [t["id"] for t in u["tokens"]] for u in found["could_upload"]}


def roles(state) -> dict:
    return {r["username"]: r["role"] for r in state["projects"][0]["roles"]}


def test_between_two_role_changes_the_replay_shows_the_state_between_them(api, story):
    replay = api.wiring.replay

    before = replay.at(after(story["t0"]), project="sampleproject")
    between = replay.at(after(story["t1"]), project="sampleproject")
    later = replay.at(after(story["t2"]), project="sampleproject")

    assert roles(before) == {"alice": "Owner"}
    assert uploaders(before) == {"alice": [story["alice_token"]]}
    assert roles(between) == {"alice": "Owner", "bob": "Maintainer", "carol": "Maintainer"}
    assert uploaders(between) == {"alice": [story["alice_token"]], "bob": [story["bob_token"]]}
    carol = next(a for a in between["accounts"] if a["username"] == "carol")
    assert carol["blocked"] == "no second factor"  # verified, to be invited
    assert roles(later) == {"alice": "Owner", "carol": "Maintainer"}
    assert uploaders(later) == {"alice": [story["alice_token"]]}


def test_an_accounts_replay_shows_its_factors_sessions_tokens_and_projects(api, story):
    between = api.wiring.replay.at(after(story["t1"]), username="bob")
    later = api.wiring.replay.at(after(story["t2"]), username="BOB")

    [bob] = [a for a in between["accounts"] if a["username"] == "bob"]
    assert [m["method"] for m in bob["two_factor"]] == ["totp"]
    assert bob["sessions"] and bob["primary_email"] == {"email": "bob@example.com",
                                                        "verified": True}
    assert [(t["description"], t["projects"]) for t in bob["tokens"]] == [
        ("bob's CI", ["sampleproject"])]
    assert [p["name"] for p in between["projects"]] == ["SampleProject"]
    [bob_later] = [a for a in later["accounts"] if a["username"] == "bob"]
    assert bob_later["tokens"] == [] and later["projects"] == []


def test_the_replay_reads_the_log_not_the_views(api, story):
    expected = api.wiring.replay.at(after(story["t1"]), project="sampleproject")
    with api.wiring.db.transaction(lock=True) as cur:
        for table in ("project_roles", "projects", "api_tokens", "accounts", "account_emails",
                      "two_factor_methods", "sessions"):
            cur.execute(f"DELETE FROM {table}")

    assert api.wiring.replay.at(after(story["t1"]), project="sampleproject") == expected


def test_nothing_existed_before_it_was_made(api, story):
    with pytest.raises(NotFound):
        api.wiring.replay.at(story["t0"] - timedelta(days=1), project="sampleproject")
    with pytest.raises(NotFound):
        api.wiring.replay.at(story["t0"], username="nobody")
    whole = api.wiring.replay.at(after(story["t1"]))
    assert {a["username"] for a in whole["accounts"]} == {"alice", "bob", "carol"}


def test_after_the_story_every_rebuilt_view_equals_the_live_one(api, story):
    for name in api.wiring.projector._views:
        assert api.wiring.projector.rebuild(name) == {}, name


def test_only_admins_may_replay_through_the_api(api, clock, story):
    api.register("dave")
    api.wiring.app.grant_admin(cli_origin(clock()), "dave")
    params = {"as_of": after(story["t1"]).isoformat(), "project": "sampleproject"}

    assert api.call("GET", "/api/admin/replay", params=params).status_code == 401
    assert api.call("GET", "/api/admin/replay", story["alice"], params=params).status_code == 403
    answer = api.call("GET", "/api/admin/replay", api.log_in("dave"), params=params)
    assert answer.status_code == 200 and uploaders(answer.json) == {
        "alice": [story["alice_token"]], "bob": [story["bob_token"]]}
    for bad in ({"as_of": "yesterday"}, {"project": "x"}, {**params, "as_of": "2026-06-01T12:00"}):
        assert api.call("GET", "/api/admin/replay", api.log_in("dave"),
                        params=bad).status_code == 400


def test_the_replay_command_prints_the_state_as_json(api, story, settings):
    import json

    done = wharf(settings, "replay", "--as-of", after(story["t1"]).isoformat(),
                 "--project", "sampleproject")
    naive = wharf(settings, "replay", "--as-of", "2026-06-01T12:00:00")

    assert done.returncode == 0, done.stderr
    assert uploaders(json.loads(done.stdout))["bob"] == [story["bob_token"]]
    assert naive.returncode == 2 and "time zone" in naive.stderr


def test_a_rebuild_finds_and_mends_an_altered_append_only_view(api, story):
    with api.wiring.db.transaction() as cur:
        cur.execute("UPDATE audit_log SET ip = '203.0.113.66' WHERE entry = 0 AND position ="
                    " (SELECT MAX(position) FROM audit_log)")
        cur.execute("DELETE FROM audit_chain WHERE position = 3")
    expected_history = api.wiring.db.query("SELECT COUNT(*) AS n FROM audit_log")

    log_difference = api.wiring.projector.rebuild("audit_log")["audit_log"]
    chain_difference = api.wiring.projector.rebuild("audit_chain")["audit_chain"]

    assert log_difference.only_live[0] == log_difference.only_rebuilt[0] == 1
    assert log_difference.only_live[1][0]["ip"] == "203.0.113.66"
    assert chain_difference.only_live[0] == 0 and chain_difference.only_rebuilt[0] == 1
    assert api.wiring.projector.rebuild("audit_log") == {}
    assert api.wiring.projector.rebuild("audit_chain") == {}
    assert api.wiring.db.query("SELECT COUNT(*) AS n FROM audit_log") == expected_history
