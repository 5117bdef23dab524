"""Uploads with the real clients (twine, uv) and installs with pip, through real gunicorn on
PostgreSQL.

Each account is made the way a maintainer makes it: registered, email verified through the
delivered link, TOTP enrolled with oathtool's code, tokens minted with the sudo window open.
twine prints the reason phrase of a refusal, uv the body: Wharf puts its message in both.
The distributions are written by `tests.e2e.packages` (standard library, no network).
"""

import hashlib
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.e2e.client import Api
from tests.e2e.packages import Built, build
from tests.e2e.racing import Call, race
from tests.e2e.upload_clients import (
    RACE_ROUNDS,
    FreshVenv,
    Maintainer,
    attenuated,
    flipped,
    macaroon_of,
    maintainer,
    rebuilt,
    resigned,
    run,
    script,
    twine,
    unknown_token,
    uv_publish,
)

pytestmark = pytest.mark.e2e
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory):
    venv = FreshVenv(tmp_path_factory.mktemp("fresh") / "venv")
    yield venv
    venv.close()


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """dist(name, version) -> the wheel and sdist of that release, written once."""
    root, made = tmp_path_factory.mktemp("dist"), {}

    def make(name: str, version: str = "1.0") -> Built:
        if (name, version) not in made:
            made[name, version] = build(root / f"{name}-{version}", name, version,
                                        value=f"{name} {version} from Wharf")
        return made[name, version]
    return make


@pytest.fixture(scope="module")
def alice(web, mail) -> Maintainer:
    return maintainer(web, mail, "alice")


# -- uploading and installing -----------------------------------------------------------------

def test_twine_and_uv_upload_with_an_account_wide_token_and_pip_installs_each_release(
        fresh_venv, web, alice, dist, tmp_path, deployment):
    token = alice.mint(web, "twine and uv")["token"]
    first, second = dist("wharf-e2e-sample", "1.0"), dist("wharf-e2e-sample", "1.1")

    checked = run([script("twine"), "check", "--strict", *first.files, *second.files])
    by_twine = twine(web, "__token__", token, *first.files)
    by_uv = uv_publish(web, token, *second.files, cache=tmp_path / "uv-cache")

    assert checked.returncode == 0 and checked.output.count("PASSED") == 4, checked.output
    assert by_twine.returncode == 0, by_twine.output
    assert by_uv.returncode == 0, by_uv.output
    listing = web.call("GET", "/simple/wharf-e2e-sample/",
                       headers={"Accept": "application/vnd.pypi.simple.v1+json"}).json()
    assert sorted(f["filename"] for f in listing["files"]) == sorted(
        p.name for p in first.files + second.files)
    index = f"{web.url}/simple/"
    venv = fresh_venv.ready()
    for release in (second, first):  # the newer first, then back down to the older
        installed = venv.pip_install(index, f"wharf-e2e-sample=={release.version}",
                                     cache=tmp_path / "pip-cache")
        assert installed.returncode == 0, installed.output
        assert installed.shows(f"Looking in indexes: {index}"), installed.output  # no other
        imported = venv.value_of(release.module)
        assert imported.returncode == 0, imported.output
        assert imported.output == f"{release.version} wharf-e2e-sample {release.version}" \
                                  f" from Wharf"
    # The second install revalidated the project page pip had cached, by its ETag: 304.
    assert any('"GET /simple/{project}/ 304"' in line for line in deployment.server_log())


# -- every refusal, as twine shows it ---------------------------------------------------------

@dataclass
class Refusals:
    """Accounts and tokens for the refusal cases; alice owns `target` and `elsewhere`."""
    api: Api
    alice_token: str  # account-wide
    target: Built
    elsewhere_token: str  # scoped to the project `elsewhere`
    revoked_token: str
    not_yet_valid_token: str
    expiring_token: str
    expires_at: float
    no_role_token: str  # bob's: verified, TOTP, removed as Maintainer of `target`
    no_two_factor_token: str  # carol's: verified, no second factor
    unverified_token: str  # dave's: his primary email is no longer verified
    dist: object

    def expired_token(self) -> str:
        time.sleep(max(0.0, self.expires_at - time.time()))  # minted 3 s ahead: seldom waits
        return self.expiring_token


@pytest.fixture(scope="module")
def refusals(web, mail, alice, dist, database) -> Refusals:
    api = web
    alice.create_project(api, "refusal-target")
    alice.create_project(api, "elsewhere")
    revoked = alice.mint(api, "to revoke")
    assert alice.revoke(api, revoked["id"]).status_code == 204
    # bob was a Maintainer of refusal-target and was removed: his account-wide token lives on
    # (only tokens reaching no other project are revoked with the role) but is refused there.
    bob = maintainer(api, mail, "bob")
    roles = "/api/projects/refusal-target/roles"
    api.grant(alice.session, "refusal-target", bob.session)
    no_role_token = bob.mint(api, "bob's")["token"]
    assert api.call("DELETE", f"{roles}/bob", alice.session).status_code == 204
    carol = maintainer(api, mail, "carol", totp=False)
    dave = maintainer(api, mail, "dave")
    unverified = dave.mint(api, "dave's")["token"]
    # No command unverifies a primary address, and a token is minted only with a verified
    # one: the view is changed underneath to reach this check (its rows are rebuilt from the
    # log alone, so only this deployment's view is affected).
    database.execute("UPDATE account_emails SET verified = 0 WHERE account_id = %s",
                     (dave.account_id,))
    expires_at = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
    expiring = alice.mint(api, "three seconds", expires_at=expires_at.isoformat())["token"]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    return Refusals(
        api=api, alice_token=alice.mint(api, "refusals")["token"],
        target=dist("refusal-target"),
        elsewhere_token=alice.mint(api, "elsewhere only", projects=["elsewhere"])["token"],
        revoked_token=revoked["token"],
        not_yet_valid_token=alice.mint(api, "from tomorrow", not_before=tomorrow)["token"],
        expiring_token=expiring, expires_at=expires_at.timestamp() + 0.1,
        no_role_token=no_role_token,
        no_two_factor_token=carol.mint(api, "carol's")["token"],
        unverified_token=unverified, dist=dist)


def token_for(r: Refusals, token: str, project: str = "refusal-target"):
    return "__token__", token, r.dist(project)


REFUSALS = {
    "a password log-in is no longer supported": (
        lambda r: ("alice", "correct horse battery staple", r.target),
        "Username/Password authentication is no longer supported"),
    "a malformed token": (
        lambda r: token_for(r, "pypi-this-is-no-macaroon"),
        "Invalid API Token: the token is malformed"),
    "a token of another index's shape": (
        lambda r: token_for(r, "github_pat_11AAAAAA"),
        "Invalid API Token: the token is malformed"),
    "a well formed token Wharf never issued": (
        lambda r: token_for(r, unknown_token()),
        "Invalid API Token: the token is not known"),
    "a revoked token": (
        lambda r: token_for(r, r.revoked_token),
        "Invalid API Token: the token has been revoked"),
    "a token whose signature bytes were altered": (
        lambda r: token_for(r, rebuilt(r.alice_token,
                                       signature=flipped(macaroon_of(r.alice_token).signature))),
        "Invalid API Token: the token's signature does not match"),
    "a token attenuated offline and re-signed with a wrong key": (
        lambda r: token_for(r, resigned(attenuated(r.alice_token, [1, ["refusal-target"]]),
                                        os.urandom(32))),
        "Invalid API Token: the token's signature does not match"),
    "a token before its not-before time": (
        lambda r: token_for(r, r.not_yet_valid_token),
        "Invalid API Token: the token is not yet valid"),
    "a token after its expiry": (
        lambda r: token_for(r, r.expired_token()),
        "Invalid API Token: the token is expired"),
    "a token scoped to another project": (
        lambda r: token_for(r, r.elsewhere_token),
        "Invalid API Token: the token is not valid for project 'refusal-target'"),
    "a token given another user's caveat offline": (
        lambda r: token_for(r, attenuated(r.alice_token, [3, str(uuid.uuid4())])),
        "Invalid API Token: the token is not valid for this user"),
    "a token given a caveat Wharf does not understand": (
        lambda r: token_for(r, attenuated(r.alice_token, [99, "anything"])),
        "the token carries a caveat Wharf does not understand"),
    "an owner with no role on the project": (
        lambda r: token_for(r, r.no_role_token),
        "The user 'bob' isn't allowed to upload to project 'refusal-target'"),
    "an owner whose primary email is not verified": (
        lambda r: token_for(r, r.unverified_token, "daves-new-project"),
        "User 'dave' does not have a verified primary email address"),
    "an owner without a second factor": (
        lambda r: token_for(r, r.no_two_factor_token, "carols-new-project"),
        "User 'carol' does not have two-factor authentication enabled"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_twine_shows_wharfs_reason_for_each_refusal(refusals, case):
    credentials, message = REFUSALS[case]
    username, password, release = credentials(refusals)

    refused = twine(refusals.api, username, password, *release.files)

    assert refused.returncode != 0
    assert refused.shows("403"), refused.output
    assert refused.shows(message), refused.output
    assert not refusals.api.call("GET", f"/simple/{release.name}/").ok  # nothing was stored


def test_uv_shows_wharfs_reason_from_the_body(refusals, tmp_path):
    refused = uv_publish(refusals.api, refusals.revoked_token, *refusals.target.files,
                         cache=tmp_path / "uv-cache")

    assert refused.returncode != 0
    assert refused.shows("the token has been revoked"), refused.output


# -- attenuation narrows and never widens -----------------------------------------------------

def test_a_caveat_added_offline_narrows_a_token_and_stripping_one_never_widens_it(
        web, alice, dist):
    alice.create_project(web, "first-project")
    alice.create_project(web, "other-project")
    account_wide = alice.mint(web, "to narrow")["token"]
    narrowed = attenuated(account_wide, [1, ["other-project"]])
    project_token = alice.mint(web, "first only", projects=["first-project"])["token"]
    unscoped = rebuilt(project_token, keep=lambda caveat: caveat[0] not in (1, 2))
    first, other = dist("first-project"), dist("other-project")

    to_other = twine(web, "__token__", narrowed, *other.files)
    to_first = twine(web, "__token__", narrowed, *first.files)
    widened_first = twine(web, "__token__", unscoped, *first.files)
    widened_other = twine(web, "__token__", unscoped, *other.files)

    assert to_other.returncode == 0, to_other.output
    assert to_first.returncode != 0
    assert to_first.shows("the token is not valid for project 'first-project'"), to_first.output
    assert macaroon_of(project_token).caveats and not macaroon_of(unscoped).caveats
    for widened in (widened_first, widened_other):
        assert widened.returncode != 0
        assert widened.shows("the token's signature does not match"), widened.output
    assert not web.call("GET", "/simple/first-project/").ok


# -- revocation is seen at once by every server -----------------------------------------------

def upload_form(name: str, version: str, content: bytes, wheel: bool = True) -> dict:
    """The form fields twine sends beside a file."""
    return {":action": "file_upload", "protocol_version": "1", "name": name,
            "version": version, "metadata_version": "2.1",
            "filetype": "bdist_wheel" if wheel else "sdist", "pyversion": "py3" if wheel
            else "source", "sha256_digest": hashlib.sha256(content).hexdigest(),
            "blake2_256_digest": hashlib.blake2b(content, digest_size=32).hexdigest()}


def post_file(api: Api, token: str, release: Built, path: Path) -> requests.Response:
    """One file, as twine sends it (multipart form, Basic `__token__`), straight from requests."""
    content = path.read_bytes()
    form = upload_form(release.name, release.version, content, path.name.endswith(".whl"))
    return api.http.post(f"{api.url}/legacy/", data=form, auth=("__token__", token),
                         files={"content": (path.name, content)}, timeout=15)


def test_a_token_revoked_on_one_server_is_refused_by_the_other_at_once(two_servers, alice,
                                                                       dist):
    a, b = two_servers
    alice.create_project(a, "race-sample")
    slipped = []
    for n in range(RACE_ROUNDS):
        revoker, uploader = (a, b) if n % 2 == 0 else (b, a)  # both directions
        minted = alice.mint(revoker, f"race {n}")
        release = dist("race-sample", f"0.{n}")
        accepted = post_file(uploader, minted["token"], release, release.wheel)
        assert accepted.status_code == 200, accepted.reason

        assert alice.revoke(revoker, minted["id"]).status_code == 204
        refused = post_file(uploader, minted["token"], release, release.sdist)

        if refused.status_code != 403 or "revoked" not in refused.reason:
            slipped.append((n, refused.status_code, refused.reason))
    assert slipped == []
    listing = a.call("GET", "/simple/race-sample/",
                     headers={"Accept": "application/vnd.pypi.simple.v1+json"}).json()
    assert {f["filename"] for f in listing["files"]} == {
        dist("race-sample", f"0.{n}").wheel.name for n in range(RACE_ROUNDS)}


def test_two_uploads_of_one_file_name_racing_on_two_servers_keep_one_file(two_servers, alice,
                                                                           database, tmp_path):
    a, b = two_servers
    alice.create_project(a, "racing-files")
    token = alice.mint(a, "racing files")["token"]
    rounds = []
    for n in range(RACE_ROUNDS):  # two real wheels of one name, about a megabyte each (their
        #                           modules hold random text): both stream, then one records
        wheels = [build(tmp_path / f"{n}-{side}", "racing-files", f"0.{n}",
                        os.urandom(1 << 19).hex()).wheel for side in (0, 1)]
        rounds.append((wheels[0].name, wheels[0].read_bytes(), wheels[1].read_bytes()))

    def calls(side: int) -> list[Call]:
        return [Call("/legacy/", upload_form("racing-files", f"0.{n}", contents[side]), token,
                     (filename, contents[side]))
                for n, (filename, *contents) in enumerate(rounds)]

    outcomes = race((a.url, calls(0)), (b.url, calls(1)))

    listing = {f["filename"]: f["hashes"]["sha256"] for f in a.call(
        "GET", "/simple/racing-files/", headers={"Accept": SIMPLE_JSON}).json()["files"]}
    for (filename, *contents), pair in zip(rounds, outcomes, strict=True):
        assert sorted(o.status for o in pair) == [200, 400], (filename, pair)
        winner, loser = (0, pair[1]) if pair[0].status == 200 else (1, pair[0])
        assert loser.code == "invalid_upload", (filename, loser)
        # By the name's Claim when both had streamed, or by the view's check before streaming
        # when the winner was recorded first (a busy machine need not overlap the two).
        assert loser.reason.startswith("File already exists"), (filename, loser)
        assert listing[filename] == hashlib.sha256(contents[winner]).hexdigest()
        assert database.execute(
            "SELECT count(*) FROM wharf_events WHERE topic = %s AND"
            " convert_from(state, 'UTF8')::jsonb ->> 'filename' = %s",
            ("wharf:project:file-added", filename)).fetchone()[0] == 1


# -- duplicates -------------------------------------------------------------------------------

def test_twine_uploads_the_identical_file_again_and_is_told_other_bytes_exist(
        web, alice, dist, tmp_path):
    token = alice.mint(web, "duplicates")["token"]
    release = dist("duplicate-sample")
    assert twine(web, "__token__", token, release.wheel).returncode == 0
    other = build(tmp_path / "other", "duplicate-sample", "1.0", value="other bytes").wheel
    assert other.name == release.wheel.name and other.read_bytes() != release.wheel.read_bytes()

    again = twine(web, "__token__", token, release.wheel)
    different = twine(web, "__token__", token, other)

    assert again.returncode == 0, again.output  # as on PyPI: 200, nothing new recorded
    assert different.returncode != 0
    assert different.shows("File already exists"), different.output
