"""Uploading with a token through POST /legacy/, and reading it back from the simple index."""

import hashlib
import io
import os
import tarfile
import zipfile
from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

import pytest
import requests
from packaging.utils import canonicalize_name

from tests.conftest import fast_passwords
from tests.e2e.packages import metadata
from tests.integration.conftest import Api
from tests.integration.test_api_tokens import attenuated, mint, project
from tests.integration.test_two_factor import code, enrolled, verified_user
from wharf.bootstrap import bootstrap
from wharf.domain.origin import Origin
from wharf.domain.project import Project
from wharf.security import api_tokens
from wharf.uploads.distributions import validate_upload
from wharf.uploads.errors import UploadRefused

JSON = "application/vnd.pypi.simple.v1+json"


def wheel(name: str = "sampleproject", version: str = "1.0", *, tag: str = "py3-none-any",
          metadata_name: str | None = None) -> tuple[str, bytes]:
    """A minimal real wheel: its module and a .dist-info with WHEEL and METADATA."""
    stem = canonicalize_name(name).replace("-", "_")
    filename = f"{stem}-{version}-{tag}.whl"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{stem}/__init__.py", "ANSWER = 42\n")
        archive.writestr(f"{stem}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\n")
        archive.writestr(f"{stem}-{version}.dist-info/METADATA",
                         metadata(metadata_name or name, version))
    return filename, buffer.getvalue()


def sdist(name: str = "sampleproject", version: str = "1.0") -> tuple[str, bytes]:
    stem = canonicalize_name(name).replace("-", "_")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = metadata(name, version).encode()
        info = tarfile.TarInfo(f"{stem}-{version}/PKG-INFO")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return f"{stem}-{version}.tar.gz", buffer.getvalue()


def upload(api, token: str, filename: str, content: bytes, name: str = "sampleproject",
           version: str = "1.0", **fields):
    form = {":action": "file_upload", "protocol_version": "1", "name": name,
            "version": version, "filetype": "bdist_wheel", "pyversion": "py3",
            "metadata_version": "2.1", "requires_python": ">=3.9",
            "sha256_digest": hashlib.sha256(content).hexdigest(), **fields}
    prepared = requests.Request("POST", "http://localhost/legacy/", data=form,
                                files={"content": (filename, content)},
                                auth=("__token__", token)).prepare()
    return api.call("POST", "/legacy/", body=prepared.body, headers=dict(prepared.headers))


@pytest.fixture
def owner(api, clock) -> str:
    session, _, _ = enrolled(api, clock)
    project(api, session, "sampleproject")
    return session


@pytest.fixture
def token(api, owner) -> str:
    return mint(api, owner).json["token"]


def test_an_upload_is_recorded_listed_and_served(api, token):
    filename, content = wheel()

    answer = upload(api, token, filename, content)

    assert answer.status_code == 200, answer.text
    sha256 = hashlib.sha256(content).hexdigest()
    page = api.call("GET", "/simple/sampleproject/")
    assert f'href="/files/{sha256}/{filename}#sha256={sha256}"' in page.text
    assert 'data-requires-python="&gt;=3.9"' in page.text
    listing = api.call("GET", "/simple/sampleproject/", headers={"Accept": JSON}).json
    assert listing["files"][0]["hashes"] == {"sha256": sha256}
    assert "sampleproject" in api.call("GET", "/simple/").text
    served = api.call("GET", f"/files/{sha256}/{filename}")
    assert served.content == content and "immutable" in served.headers["Cache-Control"]
    [added] = [e for e in (api.wiring.app.mapper.to_domain_event(n) for n in
                           api.wiring.app.recorder.select_notifications(1, 1000))
               if isinstance(e, Project.FileAdded)]
    assert (added.filename, added.size, added.sha256) == (filename, len(content), sha256)
    assert added.token_id is not None


def test_the_token_records_where_it_was_last_used(api, owner, token):
    upload(api, token, *wheel())

    [listed] = api.call("GET", "/api/account/tokens", owner).json["tokens"]
    assert listed["last_used_at"] is not None and listed["last_used_ip"] == "192.0.2.10"


def file_events(api) -> list:
    return [e for e in (api.wiring.app.mapper.to_domain_event(n) for n in
                        api.wiring.app.recorder.select_notifications(1, 1000))
            if isinstance(e, Project.FileAdded)]


def test_the_identical_file_again_answers_200_and_records_nothing(api, token):
    filename, content = wheel()
    assert upload(api, token, filename, content).status_code == 200

    again = upload(api, token, filename, content)

    assert again.status_code == 200 and again.text == "OK"
    assert len(file_events(api)) == 1


def test_other_bytes_under_a_taken_name_are_refused(api, token):
    filename, content = wheel()
    upload(api, token, filename, content)
    _, other = wheel(tag="py3-none-any", metadata_name="SampleProject")

    refused = upload(api, token, filename, other)

    assert refused.status_code == 400 and refused.status.startswith("400 File already exists")
    assert len(file_events(api)) == 1


def stored_files(settings) -> list:
    return [p for p in settings.files_dir.rglob("*") if p.is_file()]


def test_a_wrong_digest_is_refused_and_nothing_is_stored(api, token, settings):
    filename, content = wheel()

    refused = upload(api, token, filename, content, sha256_digest="0" * 64)

    assert refused.status_code == 400 and "digest" in refused.status
    assert [p for p in settings.files_dir.rglob("*") if p.is_file()] == []


def test_a_new_name_creates_the_project_with_the_uploader_as_owner(api, token):
    filename, content = wheel("brand_new", "0.1")

    assert upload(api, token, filename, content, name="brand-new", version="0.1"
                  ).status_code == 200

    assert api.call("GET", "/api/projects/brand-new").json["maintainers"] == ["alice"]


def test_metadata_that_does_not_match_the_file_is_refused(api, token):
    filename, content = wheel(version="1.0")

    refused = upload(api, token, filename, content, version="2.0")

    assert refused.status_code == 400 and "Version in filename" in refused.status


def test_a_password_is_no_upload_credential(api, token):
    filename, content = wheel()
    prepared = requests.Request("POST", "http://localhost/legacy/", data={"name": "x"},
                                files={"content": (filename, content)},
                                auth=("alice", "password")).prepare()

    refused = api.call("POST", "/legacy/", body=prepared.body, headers=dict(prepared.headers))

    assert refused.status_code == 403 and "no longer supported" in refused.status


def test_the_simple_index_answers_only_what_it_knows(api):
    assert api.call("GET", "/simple/nothing-here/").status_code == 404
    assert api.call("GET", "/simple/Nothing_Here/").status_code == 301
    assert api.call("GET", "/simple/", headers={"Accept": "image/png"}).status_code == 406
    assert api.call("GET", f"/files/{'0' * 64}/x.whl").status_code == 404


def test_the_form_is_not_read_without_a_genuine_token_and_its_fields_are_bounded(api, token):
    filename, content = wheel()
    huge = {f"field{i}": "x" * (1024 * 1024 - 100) for i in range(5)}

    anonymous = upload(api, "pypi-not-a-token", filename, content, **huge)
    bloated = upload(api, token, filename, content, **huge)

    assert anonymous.status_code == 403 and "malformed" in anonymous.status
    assert bloated.status_code == 400 and "at most" in bloated.status


def test_an_upload_keeps_its_reason_phrase_with_the_code_of_its_refusal(api, owner):
    revoked = mint(api, owner, description="revoked").json
    api.call("DELETE", f"/api/account/tokens/{revoked['id']}", owner)
    stranger = mint(api, verified_user(api, "bob"), description="bob").json["token"]

    gone = upload(api, revoked["token"], *wheel())
    not_a_member = upload(api, stranger, *wheel())

    assert gone.status == "403 Invalid API Token: the token has been revoked"
    assert gone.json["code"] == "token_revoked"
    assert not_a_member.status == ("403 The user 'bob' isn't allowed to upload to project"
                                   " 'sampleproject'.")
    assert not_a_member.json["code"] == "upload_forbidden"


def sized_wheel(version: str, size: int) -> tuple[str, bytes]:
    """A wheel of exactly `size` bytes (an incompressible member fills it up)."""
    def archive(blob: bytes) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zipped:
            zipped.writestr("sampleproject/__init__.py", "ANSWER = 42\n")
            zipped.writestr(f"sampleproject-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\n")
            zipped.writestr(f"sampleproject-{version}.dist-info/METADATA",
                            metadata("sampleproject", version))
            zipped.writestr("sampleproject/blob.bin", blob)
        return buffer.getvalue()

    content = archive(os.urandom(size - len(archive(b""))))
    assert len(content) == size
    return f"sampleproject-{version}-py3-none-any.whl", content


def test_a_file_over_the_upload_limit_is_refused_and_nothing_of_it_is_kept(wiring, settings,
                                                                          clock):
    limit = 20_000
    small_limit = bootstrap(replace(settings, max_upload_bytes=limit), clock,
                            passwords=fast_passwords())
    try:
        api = Api(small_limit)
        session, _, _ = enrolled(api, clock)
        project(api, session, "sampleproject")
        token = mint(api, session).json["token"]

        at_limit = upload(api, token, *sized_wheel("1.0", limit), version="1.0")
        over = upload(api, token, *sized_wheel("2.0", limit + 1), version="2.0")
        rows = small_limit.files.of_project("sampleproject")
    finally:
        small_limit.close()

    assert at_limit.status_code == 200, at_limit.text
    assert over.status == f"413 File too large. Limit for project 'sampleproject' is {limit} bytes."
    assert over.json["code"] == "invalid_upload"
    assert [row["version"] for row in rows] == ["1.0"]
    kept = sorted(path.stat().st_size for path in settings.files_dir.rglob("*") if path.is_file())
    metadata_size = len(metadata("sampleproject", "1.0").encode())
    assert kept == [metadata_size, limit]  # the wheel and its METADATA; nothing of the refused


def test_a_file_name_claimed_while_its_upload_was_streaming_is_refused_as_twine_needs(api,
                                                                                     token):
    # Two uploads of one name both pass the view's check, then both stream their file; the
    # first recorded takes the name's Claim, and the second is refused there, as the one
    # stopped before streaming is: with the message as its reason phrase (twine prints that).
    filename, content = wheel()
    authority, now = api.wiring.upload_authority, api.wiring.clock()
    distribution = validate_upload({":action": "file_upload", "protocol_version": "1",
                                    "name": "sampleproject", "version": "1.0",
                                    "filetype": "bdist_wheel", "pyversion": "py3",
                                    "metadata_version": "2.1",
                                    "sha256_digest": hashlib.sha256(content).hexdigest()},
                                   filename)
    (first, first_file), (second, second_file) = [
        (authority.decide(token, "sampleproject", now),
         api.wiring.file_store.put(io.BytesIO(body), hashlib.sha256(body).hexdigest(), 10_000))
        for body in (content, content + b"\0")]  # both checked and streamed, none recorded
    origin = Origin(None, "192.0.2.10", "twine/6.1.0", now).acting_as(first.account_id)

    api.wiring.app.add_file(origin, first, distribution, first_file)
    with pytest.raises(UploadRefused) as refused:
        api.wiring.app.add_file(origin, second, distribution, second_file)

    assert str(refused.value) == ("File already exists. A file name can be used only once,"
                                  " even after its file is removed.")
    assert [row["sha256"] for row in api.wiring.files.of_project("sampleproject")] == [
        first_file.sha256]


def unknown(api) -> str:
    """A well-formed token that Wharf never minted."""
    return api_tokens.mint("pypi", "localhost", uuid4(), os.urandom(32), [])


def enrol_totp(api, session: str, clock) -> None:
    secret = api.call("POST", "/api/account/totp", session).json["secret"]
    confirmed = api.call("POST", "/api/account/totp/confirm", session,
                         json={"code": code(secret, clock)})
    assert confirmed.status_code == 200, confirmed.json


def test_when_several_refusals_apply_the_first_in_the_documented_order_is_given(api, owner,
                                                                               token, clock):
    """Peeled one rule at a time: each answer is the first rule the upload still breaks."""
    upload(api, token, *wheel("sampleproject", "1.0"))  # a file name now taken
    bob = verified_user(api, "bob")  # no role on sampleproject, no second factor
    live = mint(api, bob, description="bob").json["token"]
    revoked = mint(api, bob, description="revoked").json
    api.call("DELETE", f"/api/account/tokens/{revoked['id']}", bob)
    past = int((clock() - timedelta(days=1)).timestamp())
    expired_then_elsewhere = attenuated(attenuated(attenuated(
        live, [1, ["elsewhere"]]), [0, past, past - 60]), [3, "someone-else"])
    taken, bad_form = wheel("sampleproject", "1.0"), {"version": "9.9"}

    def tampered(token_: str) -> str:
        return token_[:-8] + ("AAAAAAAA" if not token_.endswith("AAAAAAAA") else "BBBBBBBB")

    def answer(token_: str, **form) -> str:
        result = upload(api, token_, *taken, sha256_digest="0" * 64, **form)
        return f"{result.status_code} {result.status.partition(' ')[2]}"

    walk = [
        ("pypi-garbage", "403 Invalid API Token: the token is malformed"),
        (unknown(api), "403 Invalid API Token: the token is not known"),
        (tampered(attenuated(revoked["token"], [0, past, past - 60])),
         "403 Invalid API Token: the token has been revoked"),
        (tampered(expired_then_elsewhere), "403 Invalid API Token: the token's signature does"
                                           " not match"),
        # The time and user caveats are checked before the body is read, in the token's order;
        # the project's once the form has named it.
        (expired_then_elsewhere, "403 Invalid API Token: the token is expired"),
        (attenuated(attenuated(live, [1, ["elsewhere"]]), [3, "someone-else"]),
         "403 Invalid API Token: the token is not valid for this user"),
    ]
    for presented, expected in walk:  # each also has a form that does not match its file
        assert answer(presented, **bad_form) == expected, presented[:20]
    # Then the form (it names the project), the project's caveats, the owner's role and
    # second factor, the file name, and last the file's digests. (The verified email, checked
    # between role and second factor, cannot be lost once a token could be minted.)
    scoped_elsewhere = attenuated(live, [1, ["elsewhere"]])
    assert answer(scoped_elsewhere, **bad_form) == ("400 Version in filename should be '9.9'"
                                                    " not '1.0'.")
    assert answer(scoped_elsewhere) == ("403 Invalid API Token: the token is not valid for"
                                        " project 'sampleproject'")
    assert answer(live) == ("403 The user 'bob' isn't allowed to upload to project"
                            " 'sampleproject'.")
    api.grant(owner, "sampleproject", bob)
    assert answer(live).startswith("403 User 'bob' does not have two-factor authentication")
    enrol_totp(api, bob, clock)
    assert answer(live).startswith("400 File already exists ('sampleproject-1.0-py3-none-any.whl',"
                                   " with sha256 hash")  # other bytes under a taken name
    taken = wheel("sampleproject", "2.0")
    assert answer(live, version="2.0") == ("400 The digest supplied does not match a digest"
                                           " calculated from the uploaded file.")
    assert upload(api, live, *taken, version="2.0").status_code == 200


# -- checked as PyPI checks them --------------------------------------------------------------

def test_a_file_whose_own_metadata_names_another_project_is_refused_and_not_kept(
        api, token, settings):
    filename, content = wheel(metadata_name="someone-else")

    refused = upload(api, token, filename, content)

    assert refused.status_code == 400
    assert "name in the file's metadata ('someone-else') does not match" in refused.status
    assert stored_files(settings) == [] and file_events(api) == []


def test_an_archive_that_is_not_one_is_refused(api, token):
    refused = upload(api, token, "sampleproject-1.0-py3-none-any.whl", b"PK\x03\x04 no zip")
    assert refused.status_code == 400 and "Invalid distribution file" in refused.status


def test_one_point_oh_and_one_point_oh_point_oh_are_one_release(api, token):
    assert upload(api, token, *wheel(version="1.0")).status_code == 200
    same_file = upload(api, token, *wheel(version="1.0.0"), version="1.0.0")
    other_tag = upload(api, token, *wheel(version="01.0", tag="py2.py3-none-any"),
                       version="01.0")

    assert same_file.status_code == 400, same_file.status
    assert "names the same file as 'sampleproject-1.0-py3-none-any.whl'" in same_file.status
    assert other_tag.status_code == 200, other_tag.status
    listing = api.call("GET", "/simple/sampleproject/", headers={"Accept": JSON}).json
    assert listing["versions"] == ["1.0"]
    assert {e.version for e in file_events(api)} == {"1.0"}


def test_one_sdist_per_release_under_its_pep_625_name_only(api, token):
    def sdist_upload(filename, version="1.0"):
        _, content = sdist(version=version)
        return upload(api, token, filename, content, version=version, filetype="sdist",
                      pyversion="source")

    variants = [sdist_upload(name) for name in ("SampleProject-1.0.tar.gz",
                                                "sample_project-1.0.tar.gz",
                                                "sampleproject-1.0.zip")]
    first = sdist_upload("sampleproject-1.0.tar.gz")
    second = sdist_upload("sampleproject-1.0.0.tar.gz", version="1.0.0")

    assert [v.status_code for v in variants] == [400, 400, 400]
    assert first.status_code == 200, first.status
    assert second.status_code == 400 and "Only one sdist may be uploaded per release" in \
        second.status


def test_a_wheel_for_a_platform_pypi_does_not_know_is_refused(api, token):
    refused = upload(api, token, *wheel(tag="cp312-cp312-linux_x86_64"), pyversion="cp312")
    assert refused.status_code == 400
    assert "unsupported platform tag 'linux_x86_64'" in refused.status


def test_a_release_takes_no_new_files_after_14_days(api, token, clock):
    assert upload(api, token, *wheel(version="1.0")).status_code == 200
    clock.advance(days=14, seconds=1)

    late = upload(api, token, *wheel(version="1.0", tag="py2.py3-none-any"))
    new_release = upload(api, token, *wheel(version="1.1"), version="1.1")

    assert late.status_code == 400
    assert "releases older than 14 days is not allowed" in late.status
    assert new_release.status_code == 200


def test_an_admin_raises_a_projects_file_size_limit_and_it_is_recorded(api, token, owner):
    from wharf.domain.origin import cli_origin

    mib = 1024 * 1024
    big = wheel(tag="py2.py3-none-any")[0], _padded_wheel(int(1.5 * mib))
    api.wiring.app.change_upload_limit(cli_origin(api.wiring.clock()), "SampleProject", mib)

    refused = upload(api, token, *big)
    api.wiring.app.change_upload_limit(cli_origin(api.wiring.clock()), "sampleproject", 2 * mib)
    accepted = upload(api, token, *big)

    assert refused.status_code == 413
    assert refused.status == "413 File too large. Limit for project 'sampleproject' is 1 MB."
    assert accepted.status_code == 200, accepted.status
    history = api.call("GET", "/api/projects/sampleproject/events", owner,
                       params={"name": "project:upload_limit:change"}).json["events"]
    assert [e["details"]["max_file_bytes"] for e in history] == [2 * mib, mib]


def _padded_wheel(size: int) -> bytes:
    """A valid wheel of about `size` bytes that do not compress."""
    import os

    filename, _ = wheel(tag="py2.py3-none-any")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("sampleproject-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n")
        archive.writestr("sampleproject-1.0.dist-info/METADATA",
                         metadata("sampleproject", "1.0"))
        archive.writestr("sampleproject/data.bin", os.urandom(size))
    return buffer.getvalue()


def test_a_wheels_core_metadata_is_served_beside_it_pep_658(api, token):
    filename, content = wheel()
    upload(api, token, filename, content)
    expected = metadata("sampleproject", "1.0").encode()
    digest = hashlib.sha256(expected).hexdigest()

    page = api.call("GET", "/simple/sampleproject/").text
    listing = api.call("GET", "/simple/sampleproject/", headers={"Accept": JSON}).json
    [entry] = listing["files"]
    served = api.call("GET", f"{entry['url']}.metadata")

    assert f'data-core-metadata="sha256={digest}"' in page
    assert f'data-dist-info-metadata="sha256={digest}"' in page
    assert entry["core-metadata"] == {"sha256": digest} == entry["dist-info-metadata"]
    assert served.status_code == 200 and served.content == expected
    assert (entry["size"], entry["upload-time"]) == (len(content),
                                                     "2026-06-01T12:00:30.000000Z")  # enrolment moved the clock
    sha = hashlib.sha256(content).hexdigest()
    assert api.call("GET", f"/files/{'0' * 64}/{filename}.metadata").status_code == 404
    assert api.call("GET", f"/files/{sha}/nothing.whl.metadata").status_code == 404


def test_a_rendered_simple_page_shows_a_new_file_at_once(api, token):
    upload(api, token, *wheel(version="1.0"))
    for accept in ("text/html", JSON):
        api.call("GET", "/simple/sampleproject/", headers={"Accept": accept})  # rendered, kept

    upload(api, token, *wheel(version="1.1"), version="1.1")

    page = api.call("GET", "/simple/sampleproject/").text
    listing = api.call("GET", "/simple/sampleproject/", headers={"Accept": JSON}).json
    assert "sampleproject-1.1-py3-none-any.whl" in page
    assert listing["versions"] == ["1.0", "1.1"]


def test_a_simple_page_the_client_holds_is_revalidated_with_its_etag(api, token, owner):
    upload(api, token, *wheel(version="1.0"))
    pages = {accept: api.call("GET", "/simple/sampleproject/", headers={"Accept": accept})
             for accept in ("text/html", JSON)}
    html_tag, json_tag = (pages[accept].headers["ETag"] for accept in ("text/html", JSON))

    def revalidated(tag, accept="text/html", path="/simple/sampleproject/"):
        return api.call("GET", path, headers={"Accept": accept, "If-None-Match": tag})

    held = revalidated(html_tag)
    weakly = revalidated(f"W/{json_tag}", JSON)
    other_media = revalidated(json_tag)  # the JSON page's tag, asking for HTML
    index = api.call("GET", "/simple/")
    index_held = revalidated(index.headers["ETag"], path="/simple/")
    api.call("POST", "/api/projects/sampleproject/releases/1.0/yank", owner, json={"reason": "x"})
    after_yank = revalidated(html_tag)

    assert html_tag != json_tag and html_tag.startswith('"')
    assert (held.status_code, held.content, held.headers["ETag"]) == (304, b"", html_tag)
    assert weakly.status_code == 304  # If-None-Match compares weakly (RFC 9110)
    assert other_media.status_code == 200 and other_media.text == pages["text/html"].text
    assert index_held.status_code == 304 and index_held.content == b""
    assert after_yank.status_code == 200 and 'data-yanked="x"' in after_yank.text
    assert after_yank.headers["ETag"] != html_tag
    assert revalidated("*").status_code == 304
    assert revalidated('"made-up", ' + html_tag).status_code == 200  # the yank changed it


def test_a_rendered_simple_page_follows_a_yank_and_a_view_reset(api, owner, token):
    upload(api, token, *wheel(version="1.0"))
    def pages():
        return [api.call("GET", "/simple/sampleproject/", headers={"Accept": accept})
                for accept in ("text/html", JSON)]

    pages()  # rendered, kept

    yanked = api.call("POST", "/api/projects/sampleproject/releases/1.0/yank", owner,
                      json={"reason": "broken"})
    html, listing = pages()
    api.wiring.projector.reset("core_metadata")
    reset = pages()[1].json["files"][0]
    api.wiring.projector.catch_up()
    caught_up = pages()[1].json["files"][0]

    assert yanked.status_code == 204
    assert 'data-yanked="broken"' in html.text and listing.json["files"][0]["yanked"] == "broken"
    assert "core-metadata" not in reset  # while the view is rebuilt: not kept afterwards
    assert caught_up["core-metadata"] == listing.json["files"][0]["core-metadata"]
