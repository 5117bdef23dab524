"""Owners take releases and files down: yanks (PEP 592) the index marks and un-yanks, removals
that leave the index and downloads but keep the names taken; each with a reason, each emailed
to every collaborator and shown in the project's history; nobody else can."""

import hashlib

import pytest

from tests.integration.test_api_tokens import mint, project
from tests.integration.test_two_factor import enrolled
from tests.integration.test_uploads import sdist, upload, wheel
from wharf.uploads.simple_index import JSON

YANK = "/api/projects/sampleproject/releases/{}/yank"
UNYANK = "/api/projects/sampleproject/releases/{}/unyank"
REMOVE = "/api/projects/sampleproject/releases/{}/remove"
REMOVE_FILE = "/api/projects/sampleproject/files/{}/remove"


@pytest.fixture
def released(api, clock) -> dict:
    """alice owns sampleproject with releases 1.0 (a wheel and an sdist) and 2.0 (a wheel);
    bob is its Maintainer, carol nobody."""
    alice, _, _ = enrolled(api, clock, "alice")
    project(api, alice, "sampleproject")
    token = mint(api, alice).json["token"]
    files = {}
    for version in ("1.0", "2.0"):
        filename, content = wheel(version=version)
        assert upload(api, token, filename, content, version=version).status_code == 200
        files[filename] = content
    filename, content = sdist()
    assert upload(api, token, filename, content, filetype="sdist",
                  pyversion="source").status_code == 200
    files[filename] = content
    bob, carol = api.user("bob"), api.user("carol")
    api.grant(alice, "sampleproject", bob)
    return {"alice": alice, "bob": bob, "carol": carol, "token": token, "files": files}


def listing(api) -> dict:
    return {f["filename"]: f for f in api.call("GET", "/simple/sampleproject/",
                                               headers={"Accept": JSON}).json["files"]}


def test_a_yanked_release_is_marked_in_both_index_formats_until_unyanked(api, released):
    before_html = api.call("GET", "/simple/sampleproject/").text  # cached by now

    yanked = api.call("POST", YANK.format("1.0"), released["alice"],
                      json={"reason": "broken on <Windows> & \"3.13\""})

    assert yanked.status_code == 204, yanked.json
    files = listing(api)
    assert files["sampleproject-1.0-py3-none-any.whl"]["yanked"] == \
        'broken on <Windows> & "3.13"'
    assert files["sampleproject-1.0.tar.gz"]["yanked"] == 'broken on <Windows> & "3.13"'
    assert "yanked" not in files["sampleproject-2.0-py3-none-any.whl"]
    html = api.call("GET", "/simple/sampleproject/").text
    assert html != before_html
    assert html.count('data-yanked="broken on &lt;Windows&gt; &amp; &quot;3.13&quot;"') == 2
    releases = api.call("GET", "/api/projects/sampleproject/releases").json["releases"]
    assert [(r["version"], r["yanked"], r["yanked_reason"]) for r in releases] == [
        ("1.0", True, 'broken on <Windows> & "3.13"'), ("2.0", False, None)]

    unyanked = api.call("POST", UNYANK.format("1.0.0"), released["alice"],
                        json={"reason": "fixed by a new Python"})  # 1.0.0 is release 1.0

    assert unyanked.status_code == 204, unyanked.json
    assert all("yanked" not in f for f in listing(api).values())
    assert api.call("GET", "/simple/sampleproject/").text == before_html


def test_yanking_twice_or_unyanking_what_is_not_yanked_is_a_conflict(api, released):
    alice = released["alice"]
    assert api.call("POST", UNYANK.format("1.0"), alice, json={"reason": "x"}).status_code == 409
    assert api.call("POST", YANK.format("1.0"), alice, json={"reason": "x"}).status_code == 204
    again = api.call("POST", YANK.format("1.0"), alice, json={"reason": "x"})
    assert again.status_code == 409 and again.json["detail"] == "release '1.0' is already yanked"


def test_a_removed_release_leaves_the_index_and_downloads_but_its_names_stay_taken(
        api, released):
    filename = "sampleproject-1.0-py3-none-any.whl"
    content = released["files"][filename]
    url = f"/files/{hashlib.sha256(content).hexdigest()}/{filename}"
    assert api.call("GET", url).status_code == 200
    alice = released["alice"]

    unconfirmed = api.call("POST", REMOVE.format("1.0"), alice,
                           json={"confirm": "2.0", "reason": "leaked a secret"})
    removed = api.call("POST", REMOVE.format("1.0"), alice,
                       json={"confirm": "1.0", "reason": "leaked a secret"})

    assert unconfirmed.status_code == 400
    assert "type the release's version, '1.0'" in unconfirmed.json["detail"]
    assert removed.status_code == 204, removed.json
    assert set(listing(api)) == {"sampleproject-2.0-py3-none-any.whl"}
    assert api.call("GET", url).status_code == 404
    assert api.call("GET", url + ".metadata").status_code == 404
    again = upload(api, released["token"], filename, content)
    assert again.status_code == 400 and "already" in again.text.lower()
    # the release itself can come back, with files of new names
    rebuilt, bytes_ = wheel(version="1.0", tag="py3-none-manylinux1_x86_64")
    assert upload(api, released["token"], rebuilt, bytes_).status_code == 200
    assert rebuilt in listing(api)


def test_a_removed_file_leaves_the_rest_of_its_release(api, released):
    filename = "sampleproject-1.0.tar.gz"
    alice = released["alice"]

    wrong = api.call("POST", REMOVE_FILE.format(filename), alice,
                     json={"confirm": "sampleproject-1.0", "reason": "bad sdist"})
    removed = api.call("POST", REMOVE_FILE.format(filename), alice,
                       json={"confirm": filename, "reason": "bad sdist"})
    gone = api.call("POST", REMOVE_FILE.format(filename), alice,
                    json={"confirm": filename, "reason": "bad sdist"})

    assert wrong.status_code == 400 and removed.status_code == 204, removed.json
    assert gone.status_code == 404
    assert set(listing(api)) == {"sampleproject-1.0-py3-none-any.whl",
                                 "sampleproject-2.0-py3-none-any.whl"}
    _, content = sdist()
    assert upload(api, released["token"], filename, content, filetype="sdist",
                  pyversion="source").status_code == 400  # the name stays taken


@pytest.mark.parametrize(("path", "body"), [
    (YANK.format("1.0"), {"reason": "mine now"}),
    (UNYANK.format("1.0"), {"reason": "mine now"}),
    (REMOVE.format("1.0"), {"confirm": "1.0", "reason": "mine now"}),
    (REMOVE_FILE.format("sampleproject-1.0.tar.gz"),
     {"confirm": "sampleproject-1.0.tar.gz", "reason": "mine now"}),
])
def test_maintainers_strangers_and_tokens_cannot_take_anything_down(api, released, path, body):
    for who in (released["bob"], released["carol"]):
        result = api.call("POST", path, who, json=body)
        assert result.status_code == 403, result.json
        assert result.json["detail"] == ("only an Owner of this project can yank or remove its"
                                         " releases and files")
    assert api.call("POST", path, released["token"], json=body).status_code == 401
    assert len(listing(api)) == 3 and all("yanked" not in f for f in listing(api).values())


def test_an_owner_outside_the_sudo_window_is_asked_for_the_password(api, released, clock):
    clock.advance(hours=1)
    result = api.call("POST", YANK.format("1.0"), released["alice"], json={"reason": "x"})
    assert result.status_code == 403 and result.json["code"] == "reauthentication_required"


@pytest.mark.parametrize("body", [
    {}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}, {"reason": "a\x00b"},
    '{"reason": "\\ud800"}', {"reason": 7}, {"reason": "x", "extra": 1}, "[]", "{",
])
def test_a_takedown_needs_a_sane_reason(api, released, body):
    """(A text body is sent as it is: JSON that escapes a lone surrogate, or no JSON.)"""
    if isinstance(body, str):
        result = api.call("POST", YANK.format("1.0"), released["alice"], body=body,
                          headers={"Content-Type": "application/json"})
    else:
        result = api.call("POST", YANK.format("1.0"), released["alice"], json=body)
    assert result.status_code == 400, result.json
    assert api.call("GET", "/api/projects/sampleproject/releases").status_code == 200


@pytest.mark.parametrize("version", ["9.9", "not a version", "1.0%00", "%F0%9F%92%A5",
                                     "1" * 5000])
def test_an_unknown_release_is_not_found(api, released, version):
    result = api.call("POST", YANK.format(version), released["alice"], json={"reason": "x"})
    assert result.status_code in (400, 404), result.text
    assert api.user("dave")  # the next, unrelated request still works


def test_every_collaborator_is_emailed_and_the_history_shows_who_why_and_from_where(
        api, released):
    alice = released["alice"]
    api.mail()  # what was sent before
    assert api.call("POST", YANK.format("2.0"), alice, json={"reason": "CVE-1"}).status_code \
        == 204
    assert api.call("POST", REMOVE_FILE.format("sampleproject-1.0.tar.gz"), alice, json={
        "confirm": "sampleproject-1.0.tar.gz", "reason": "bad sdist"}).status_code == 204

    mail = [m for m in api.mail() if "project of yours" in m["Subject"]]
    assert sorted((m["To"], m["Subject"]) for m in mail) == sorted(
        (f"{who}@example.com", subject) for who in ("alice", "bob") for subject in (
            "[Wharf] A release of a project of yours was yanked",
            "[Wharf] A file of a project of yours was removed"))
    assert all("reason given: CVE-1" in m.get_content() for m in mail if "yanked" in m["Subject"])
    history = api.call("GET", "/api/projects/sampleproject/events", alice).json["events"]
    by_name = {entry["name"]: entry for entry in history}
    assert by_name["project:release:yank"]["details"] == {"version": "2.0", "reason": "CVE-1"}
    assert by_name["file:remove"]["details"] == {
        "version": "1.0", "filename": "sampleproject-1.0.tar.gz", "reason": "bad sdist"}
    assert by_name["project:release:yank"]["actor"]["username"] == "alice"
    assert by_name["project:release:yank"]["ip"]  # alice reads where she acted from
