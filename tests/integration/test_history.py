"""Reading the audit log: an account's security history, a project's history for its Owners,
the admin's log, page by page and as exports; who sees what, and whose address."""

import base64
import csv
import io
import json

import pytest

from tests.integration.test_api_tokens import mint, project
from tests.integration.test_two_factor import enrolled
from wharf.domain.origin import cli_origin
from wharf.projections.audit_log import Filters, Viewer

ALICE_IP, BOB_IP, CAROL_IP, ADMIN_IP = "192.0.2.10", "198.51.100.7", "203.0.113.9", "192.0.2.99"
INCOMPLETE = "the export stopped early: it is incomplete"


@pytest.fixture
def people(api, clock) -> dict:
    return cast(api, clock)


def cast(api, clock) -> dict:
    """alice Owns sampleproject, bob Maintains it, carol has no role, dave is an admin."""
    alice, _, _ = enrolled(api, clock, "alice")
    project(api, alice, "SampleProject")
    bob, _, _ = enrolled(api, clock, "bob")
    api.grant(alice, "sampleproject", bob, member_address=BOB_IP)
    carol = api.user("carol")
    api.register("dave")
    api.wiring.app.grant_admin(cli_origin(clock()), "dave")
    dave = api.log_in("dave")
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave}


def bob_mints_a_project_token(api, people, ip: str = BOB_IP) -> None:
    minted = api.call("POST", "/api/account/tokens", people["bob"], remote_addr=ip,
                      json={"description": "bob's CI", "projects": ["sampleproject"]})
    assert minted.status_code == 201, minted.json


def read(api, path: str, token: str | None, **params):
    return api.call("GET", path, token, params=params)


def names(result) -> list[str]:
    assert result.status_code == 200, result.json
    return [entry["name"] for entry in result.json["events"]]


def test_a_user_reads_their_own_security_history_newest_first(api, people):
    api.call("POST", "/api/session", json={"username": "carol", "password": "wrong"},
             remote_addr=CAROL_IP)
    history = read(api, "/api/account/events", people["carol"]).json["events"]

    assert [e["name"] for e in history] == [
        "account:login:failure", "account:reauthenticate:success", "account:login:success",
        "account:email:sent", "account:email:add", "account:create"]
    assert [e["time"] for e in history] == sorted((e["time"] for e in history), reverse=True)
    failure = history[0]
    assert failure["details"] == {"reason": "password"} and failure["ip"] == CAROL_IP
    assert failure["actor"] is None and failure["account"]["username"] == "carol"
    assert history[2]["user_agent"] and history[-1]["details"] == {"username": "carol"}


def test_the_history_carries_the_second_factor_and_never_a_secret(api, clock, people):
    alice = read(api, "/api/account/events", people["alice"], limit=200).json["events"]
    added = next(e for e in alice if e["name"] == "account:two_factor:method_added")
    generated = next(e for e in alice if e["name"] == "account:recovery_codes:generated")

    assert added["details"] == {"method": "totp", "label": "Authenticator app",
                                "replaced": False}
    assert generated["details"] == {"count": 8}
    text = json.dumps(alice)
    assert "argon2" not in text and "sealed" not in text and "digest" not in text


def test_pages_are_cut_by_cursor_and_never_repeat_or_skip(api, people):
    everything = names(read(api, "/api/account/events", people["alice"], limit=200))
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = read(api, "/api/account/events", people["alice"], **params).json
        seen += [entry["name"] for entry in page["events"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == everything and len(everything) > 6
    for bad in ("nonsense", "W10", "x" * 201):
        assert read(api, "/api/account/events", people["alice"], cursor=bad).status_code == 400


def forged_cursor(*key) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


@pytest.mark.parametrize("key", [
    ("2026-06-01T12:00:00.000000Z", 10**30, 0), ("2026-06-01T12:00:00.000000Z", 1, -(10**30)),
    ("2026-06-01T12:00:00.000000Z", 2**63, 0), ("2026-06-01T12:00\x00", 1, 0),
    ("not a time", 1, 0), ("2026-06-01T12:00:00.000000Z", -1, 0),
    ("2026-06-01T12:00:00.000000Z", True, 0)])
def test_a_forged_cursor_is_a_400_on_every_history(api, people, key):
    cursor = forged_cursor(*key)
    for path, token in (("/api/account/events", people["alice"]),
                        ("/api/projects/sampleproject/events", people["alice"]),
                        ("/api/admin/events", people["dave"])):
        answer = read(api, path, token, cursor=cursor)
        assert answer.status_code == 400 and "invalid cursor" in answer.json["detail"], path
    page = api.call("GET", "/account/history", params={"cursor": cursor},
                    headers={"Cookie": f"wharf_session={people['alice']}"})
    assert page.status_code == 400


def test_the_default_window_is_two_weeks_and_older_entries_come_on_request(api, clock, people):
    clock.advance(days=15)
    carol = api.log_in("carol")
    since = "2020-01-01T00:00:00+00:00"

    assert names(read(api, "/api/account/events", carol)) == ["account:login:success"]
    assert "account:create" in names(read(api, "/api/account/events", carol, since=since))


def test_filters_by_name_and_time_are_checked(api, clock, people):
    only = names(read(api, "/api/account/events", people["alice"], name=[
        "account:login:success", "project:create"]))
    later = clock().isoformat()

    assert set(only) == {"account:login:success", "project:create"}
    assert names(read(api, "/api/account/events", people["alice"], since=later)) == []
    for params in ({"name": "account:nonsense"}, {"since": "yesterday"},
                   {"since": later, "until": later}, {"limit": 0}, {"limit": 201},
                   {"surprise": "1"}, {"limit": ["1", "2"]}):
        refused = read(api, "/api/account/events", people["alice"], **params)
        assert refused.status_code == 400, params


@pytest.mark.parametrize(("path", "params", "named"), [
    ("/api/account/events", {"since": "yesterday"}, ["since"]),
    ("/api/account/events", {"limit": 500}, ["limit"]),
    ("/api/account/events", {"limit": "many", "until": "soon"}, ["limit", "until"]),
    ("/api/account/events", {"surprise": "1"}, ["surprise"]),
    ("/api/account/events/export", {"format": "xml"}, ["format"]),
    ("/api/admin/events", {"account": "x" * 300}, ["account"]),
    ("/api/admin/replay", {}, ["as_of"]),
    ("/api/admin/replay", {"as_of": "1999-12-31"}, ["as_of"]),
])
def test_a_query_string_error_names_the_query_string_and_its_parameters(api, people, path,
                                                                         params, named):
    refused = read(api, path, people["dave"], **params)

    assert refused.status_code == 400 and refused.json["code"] == "invalid_request", refused.json
    assert refused.json["detail"] == f"the query string is not valid: {', '.join(named)}"
    assert sorted(refused.json["errors"]) == named


def test_a_body_error_still_names_the_body_and_its_fields(api):
    refused = api.call("POST", "/api/accounts", json={"username": "a" * 51, "email": "x"})

    assert refused.status_code == 400
    assert refused.json["detail"] == "the request body is not valid: email, password, username"


def test_a_project_history_shows_everything_anyone_did_to_it(api, people):
    bob_mints_a_project_token(api, people)
    history = read(api, "/api/projects/SampleProject/events", people["alice"]).json["events"]

    assert [e["name"] for e in history] == [
        "project:api_token:added", "project:role:add", "project:role:accept",
        "project:role:invite", "project:create"]
    token, role, accepted, invited, created = history
    assert token["actor"]["username"] == "bob" and token["details"] == {
        "description": "bob's CI"} and token["token_id"]
    assert role["account"]["username"] == "bob" and role["details"] == {
        "username": "bob", "role": "Maintainer"}
    assert accepted["actor"]["username"] == "bob"
    assert invited["actor"]["username"] == "alice" and invited["details"] == {
        "username": "bob", "role": "Maintainer"}  # never the link's nonce
    assert created["project"]["name"] == "SampleProject"


def test_other_peoples_addresses_are_shown_to_admins_only(api, people):
    bob_mints_a_project_token(api, people)
    path = "/api/projects/sampleproject/events"
    as_owner = read(api, path, people["alice"]).json["events"]
    as_admin = read(api, path, people["dave"]).json["events"]

    assert [(e["ip"], e["user_agent"] is None) for e in as_owner] == [
        (None, True), (None, True), (None, True), (ALICE_IP, False), (ALICE_IP, False)]
    assert [e["ip"] for e in as_admin] == [BOB_IP, BOB_IP, BOB_IP, ALICE_IP, ALICE_IP]
    # bob sees that alice invited him, not where she was
    bobs = read(api, "/api/account/events", people["bob"]).json["events"]
    assert [e["ip"] for e in bobs if e["name"] == "project:role:invite"] == [None]


def test_token_revocations_reach_the_account_and_each_scoped_project(api, people):
    minted = mint(api, people["alice"], projects=["sampleproject"]).json
    api.call("DELETE", f"/api/account/tokens/{minted['id']}", people["alice"])

    assert names(read(api, "/api/projects/sampleproject/events", people["alice"]))[:2] == [
        "project:api_token:removed", "project:api_token:added"]
    revoked = read(api, "/api/account/events", people["alice"]).json["events"][0]
    assert revoked["name"] == "account:api_token:removed" and revoked["token_id"] == minted["id"]
    assert revoked["details"] == {"description": "CI", "reason": "user", "url": None}


def test_the_admin_log_covers_everything_and_filters(api, people):
    api.call("POST", "/api/session", json={"username": "nobody", "password": "x"},
             remote_addr="192.0.2.66")
    log = "/api/admin/events"

    assert {"account:admin:grant", "project:role:add"} <= set(
        names(read(api, log, people["dave"], limit=200)))
    assert names(read(api, log, people["dave"], ip="192.0.2.66")) == ["account:login:failure"]
    by_bob = read(api, log, people["dave"], account="bob", limit=200).json["events"]
    assert by_bob and all("bob" in (e["actor"] or {}).get("username", "") + (
        e["account"] or {}).get("username", "") for e in by_bob)
    assert set(names(read(api, log, people["dave"], project="sampleproject"))) == {
        "project:create", "project:role:invite", "project:role:accept", "project:role:add"}
    assert names(read(api, log, people["dave"], name="account:admin:grant")) == [
        "account:admin:grant"]
    assert read(api, log, people["dave"], account="nobody").status_code == 404
    assert read(api, log, people["dave"], project="nope").status_code == 404


VIEWS = {"account": "/api/account/events", "project": "/api/projects/sampleproject/events",
         "admin": "/api/admin/events"}
# Who may read which view: 200, or the status of the refusal.
MATRIX = {
    "account": {"alice": 200, "bob": 200, "carol": 200, "dave": 200, None: 401},
    "project": {"alice": 200, "bob": 403, "carol": 403, "dave": 200, None: 401},
    "admin": {"alice": 403, "bob": 403, "carol": 403, "dave": 200, None: 401},
}


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("export", [None, "jsonl", "csv"])
def test_who_may_read_each_view_and_export(api, people, view, export):
    path = VIEWS[view] + ("/export" if export else "")
    params = {"format": export} if export else {}
    for caller, expected in MATRIX[view].items():
        result = read(api, path, people.get(caller), **params)
        assert result.status_code == expected, (caller, path)
        if expected != 200:
            assert result.json["code"] in ("forbidden", "authentication_required")
            assert "sampleproject" not in result.text.lower() or view == "project"


@pytest.mark.parametrize("view", VIEWS)
def test_an_export_holds_what_the_pages_hold(api, people, view):
    reader = people["dave" if view == "admin" else "alice"]
    pages = read(api, VIEWS[view], reader, limit=200).json["events"]
    jsonl = read(api, VIEWS[view] + "/export", reader, format="jsonl")
    table = read(api, VIEWS[view] + "/export", reader, format="csv")

    assert jsonl.headers["content-type"].startswith("application/jsonl")
    assert "attachment" in jsonl.headers["content-disposition"]
    assert [json.loads(line) for line in jsonl.text.splitlines()] == pages
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [row["id"] for row in rows] == [entry["id"] for entry in pages]
    assert [row["name"] for row in rows] == [entry["name"] for entry in pages]


def test_a_csv_export_cannot_smuggle_a_formula_into_a_spreadsheet(api, people):
    api.call("POST", "/api/session", json={"username": "carol", "password": "wrong"},
             headers={"User-Agent": "=HYPERLINK(\"http://evil\")"})
    table = read(api, "/api/account/events/export", people["carol"], format="csv").text
    [row] = [r for r in csv.DictReader(io.StringIO(table)) if r["name"] ==
             "account:login:failure"]

    assert row["user_agent"].startswith("'=HYPERLINK")


def test_an_export_reads_batch_after_batch_without_repeating(api, people):
    filters = Filters(since=api.wiring.clock().replace(year=2020))
    admin = Viewer(None, is_admin=True)
    everything = api.wiring.audit_log.page(filters, admin, 200).entries

    assert list(api.wiring.audit_log.stream(filters, admin, batch=3)) == everything


def break_entries(api, where: str) -> None:
    """Spoil some rows of the audit_log view underneath (a view is rebuilt from the log alone):
    reading them fails as a store failing midway would."""
    with api.wiring.db.transaction() as cur:
        cur.execute(f"UPDATE audit_log SET details = 'not json' WHERE {where}")


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_an_export_failing_midway_ends_with_a_line_that_says_so(api, people, kind, caplog):
    break_entries(api, "position = (SELECT min(position) FROM audit_log)")  # the last one out

    export = read(api, "/api/admin/events/export", people["dave"], format=kind)

    assert export.status_code == 200
    lines = export.text.splitlines()
    assert len(lines) > 10
    if kind == "jsonl":
        assert json.loads(lines[-1]) == {"code": "export_incomplete", "error": INCOMPLETE}
        assert all("error" not in json.loads(line) for line in lines[:-1])
    else:
        assert lines[-1] == f"#export_incomplete,{INCOMPLETE}"
    assert "the export stopped early" in caplog.text


def test_an_export_failing_before_its_first_line_is_a_problem_document(api, people):
    break_entries(api, "1 = 1")

    export = read(api, "/api/admin/events/export", people["dave"], format="jsonl")

    assert export.status_code == 500
    assert export.json["code"] == "internal_error"
