"""Containing a stolen credential, through real gunicorn on PostgreSQL and real twine: a worm
holding alice's session mints an account-wide token, removes bob's role, and the token (and a
child macaroon it derives offline) uploads to three projects; alice, logged in again, contains
the stolen session in one call. pip's index marks the files yanked, both tokens are refused,
bob's role is back, and each project's history shows the steps linked to the containment."""

from datetime import UTC, datetime

import pytest

from tests.e2e.client import current_step
from tests.e2e.packages import build
from tests.e2e.upload_clients import attenuated, maintainer, twine

pytestmark = pytest.mark.e2e
PROJECTS = ("wharf-e2e-contain-a", "wharf-e2e-contain-b", "wharf-e2e-contain-c")
ALL = ["revoke", "revoke_minted", "yank_uploads", "restore_roles", "remove_granted_roles"]


@pytest.fixture(scope="module")
def wormed(web, mail, tmp_path_factory):
    """What the worm did with alice's stolen session, and alice's own new session."""
    web.register("contain-alice")
    web.verify_email(mail, "contain-alice@example.com")
    stolen = web.token("contain-alice")
    _, recovery_codes = web.enrol_totp(stolen, current_step())
    bob = maintainer(web, mail, "contain-bob", totp=False)
    for name in PROJECTS:
        created = web.call("POST", "/api/projects", stolen, json={"name": name})
        assert created.status_code == 201, created.text
    web.grant(stolen, PROJECTS[0], bob.session)
    since = datetime.now(UTC).isoformat()

    token = web.call("POST", "/api/account/tokens", stolen,
                     json={"description": "worm"}).json()["token"]
    removed = web.call("DELETE", f"/api/projects/{PROJECTS[0]}/roles/contain-bob", stolen)
    assert removed.status_code == 204, removed.text
    root = tmp_path_factory.mktemp("contain")
    for name in PROJECTS:
        uploaded = twine(web, "__token__", token, *build(root / name, name, "1.0", "worm").files)
        assert uploaded.returncode == 0, uploaded.output
    child = attenuated(token, [1, [PROJECTS[2]]])  # offline: a narrower token, same id
    uploaded = twine(web, "__token__", child,
                     *build(root / "child", PROJECTS[2], "1.1", "worm").files)
    assert uploaded.returncode == 0, uploaded.output

    session_id = web.call("GET", "/api/session", stolen).json()["session_id"]
    second = web.second_step("recovery-code", web.ticket("contain-alice"), recovery_codes[0])
    assert second.status_code == 201, second.text
    alice = web.sudo(second.json()["token"])
    return {"alice": alice, "stolen": stolen, "session_id": session_id, "since": since,
            "token": token, "child": child, "root": root}


@pytest.fixture(scope="module")
def contained(web, wormed):
    answer = web.call("POST", "/api/account/containment", wormed["alice"], json={
        "credential": wormed["session_id"], "since": wormed["since"], "actions": ALL,
        "confirm": True, "reason": "worm on the CI machine"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_one_call_contains_the_stolen_session_and_what_its_token_did(contained, wormed):
    steps = [(s["action"], s.get("project"), s.get("version")) for s in contained["steps"]]

    assert steps == [("end_session", None, None), ("revoke_token", None, None),
                     *((("yank_release", name, "1.0")) for name in PROJECTS),
                     ("yank_release", PROJECTS[2], "1.1"),
                     ("restore_role", PROJECTS[0], None)]
    assert contained["dry_run"] is False and contained["containment_id"]


def test_the_files_are_yanked_in_the_index_pip_sees(web, contained):
    for name in PROJECTS:
        index = web.call("GET", f"/simple/{name}/")
        assert index.status_code == 200
        links = [line for line in index.text.splitlines() if "<a " in line]
        assert links and all("data-yanked=" in line for line in links), index.text


def test_the_token_its_child_and_the_session_are_refused(web, contained, wormed):
    files = build(wormed["root"] / "after", PROJECTS[2], "2.0", "worm again").files
    for token in (wormed["token"], wormed["child"]):
        refused = twine(web, "__token__", token, *files)
        assert refused.returncode != 0, refused.output
    assert web.call("GET", "/api/session", wormed["stolen"]).status_code == 401


def test_the_removed_role_is_back(web, contained, wormed):
    roles = web.call("GET", f"/api/projects/{PROJECTS[0]}/roles", wormed["alice"]).json()

    assert {r["username"]: r["role"] for r in roles["roles"]} == {
        "contain-alice": "Owner", "contain-bob": "Maintainer"}


def test_each_projects_history_shows_the_containment(web, contained, wormed):
    for name, linked in ((PROJECTS[0], {"project:release:yank", "project:role:restore"}),
                         (PROJECTS[2], {"project:release:yank"})):
        events = web.call("GET", f"/api/projects/{name}/events", wormed["alice"]).json()
        assert linked == {e["name"] for e in events["events"]
                          if e["details"].get("containment_id") == contained["containment_id"]}
    account = web.call("GET", "/api/account/events", wormed["alice"]).json()["events"]
    applied = next(e for e in account if e["name"] == "account:containment:apply")
    assert applied["details"]["reason"] == "worm on the CI machine"
