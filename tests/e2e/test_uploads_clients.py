"""Uploads with the real clients (twine, uv) and installs with pip, through real gunicorn on
PostgreSQL.

Each account is made the way a maintainer makes it: registered, email verified through the
delivered link, TOTP enrolled with oathtool's code, tokens minted with the sudo window open.
twine prints the reason phrase of a refusal, uv the body: Wharf puts its message in both.
The distributions are written by `tests.e2e.packages` (standard library, no network).
"""

import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from pymacaroons import MACAROON_V2, Macaroon

from tests.e2e.client import Api, MailDirectory, current_step
from tests.e2e.packages import Built, build

pytestmark = pytest.mark.e2e

CLIENT_TIMEOUT = 120
RACE_ROUNDS = 20


# -- the clients --------------------------------------------------------------------------------

def client_environ(**extra: str) -> dict[str, str]:
    """The environment without anything that configures twine, uv or pip behind our back
    (this machine sets PIP_FIND_LINKS and a pip.conf with extra indexes), wide and plain
    output so a message is never wrapped or coloured."""
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("TWINE_", "UV_", "PIP_"))}
    return {**keep, "COLUMNS": "500", "NO_COLOR": "1", "TERM": "dumb",
            "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1", "UV_NO_CONFIG": "1", "UV_NO_PROGRESS": "1", **extra}


@dataclass(frozen=True)
class Ran:
    returncode: int
    output: str  # stdout and stderr, whitespace collapsed

    def shows(self, message: str) -> bool:
        return " ".join(message.split()) in self.output


def run(command: list, **environ: str) -> Ran:
    done = subprocess.run([str(c) for c in command], env=client_environ(**environ),
                          capture_output=True, text=True, timeout=CLIENT_TIMEOUT,
                          stdin=subprocess.DEVNULL)
    return Ran(done.returncode, " ".join((done.stdout + "\n" + done.stderr).split()))


def script(name: str) -> str:
    """A console script installed beside this interpreter (the test venv's bin/)."""
    path = Path(sys.executable).with_name(name)
    assert path.exists(), f"{name} is not installed: pip install -e '.[test]'"
    return str(path)


def twine(api: Api, username: str, password: str, *files: Path) -> Ran:
    return run([script("twine"), "upload", "--non-interactive", "--disable-progress-bar",
                "--repository-url", f"{api.url}/legacy/", "-u", username, "-p", password,
                *files])


def uv_publish(api: Api, token: str, *files: Path, cache: Path) -> Ran:
    return run([script("uv"), "publish", "--publish-url", f"{api.url}/legacy/",
                "--token", token, "--trusted-publishing", "never", "--no-attestations",
                "--cache-dir", cache, *files])


class FreshVenv:
    """A virtual environment with its own pip, created in the background (ensurepip takes
    seconds) while the servers start and the uploads run."""

    def __init__(self, path: Path):
        self.path = path
        self._creating = subprocess.Popen([sys.executable, "-m", "venv", str(path)],
                                          env=client_environ(), stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, text=True)

    def ready(self) -> "FreshVenv":
        output, _ = self._creating.communicate(timeout=CLIENT_TIMEOUT)
        assert self._creating.returncode == 0, output
        return self

    def pip_install(self, index: str, requirement: str) -> Ran:
        return run([self.path / "bin" / "python", "-m", "pip", "install", "--no-cache-dir",
                    "--retries", "0", "--timeout", "15", "--index-url", index, requirement])

    def value_of(self, module: str) -> Ran:
        return run([self.path / "bin" / "python", "-c",
                    f"import {module}; print({module}.VERSION, {module}.VALUE)"])

    def close(self) -> None:
        if self._creating.poll() is None:
            self._creating.kill()
            self._creating.wait()


# -- tokens, offline --------------------------------------------------------------------------

def macaroon_of(token: str) -> Macaroon:
    return Macaroon.deserialize(token.split("-", 1)[1])


def serialized(macaroon: Macaroon) -> str:
    return f"pypi-{macaroon.serialize()}"


def attenuated(token: str, caveat) -> str:
    """What any holder can do offline: add a caveat (pymacaroons chains the signature)."""
    macaroon = macaroon_of(token)
    macaroon.add_first_party_caveat(json.dumps(caveat))
    return serialized(macaroon)


def rebuilt(token: str, *, keep=lambda caveat: True, signature: str | None = None) -> str:
    """The token rebuilt by hand: only the caveats `keep` accepts, and its final signature
    (or `signature`), which without the key cannot be recomputed."""
    original = macaroon_of(token)
    caveats = [c for c in original.caveats if keep(json.loads(c.caveat_id_bytes))]
    return serialized(Macaroon(location=original.location,
                               identifier=original.identifier_bytes, caveats=caveats,
                               signature=signature or original.signature, version=MACAROON_V2))


def resigned(token: str, key: bytes) -> str:
    """The same identifier and caveats, signed from the start with another key."""
    original = macaroon_of(token)
    forged = Macaroon(location=original.location, identifier=original.identifier_bytes,
                      key=key, version=MACAROON_V2)
    for caveat in original.first_party_caveats():
        forged.add_first_party_caveat(caveat.caveat_id_bytes)
    return serialized(forged)


def unknown_token() -> str:
    """Well formed, in Wharf's shape, but of an id Wharf never issued."""
    macaroon = Macaroon(location="127.0.0.1", identifier=str(uuid.uuid4()),
                        key=os.urandom(32), version=MACAROON_V2)
    macaroon.add_first_party_caveat(json.dumps([3, str(uuid.uuid4())]))
    return serialized(macaroon)


def flipped(hex_digits: str) -> str:
    return ("1" if hex_digits[0] == "0" else "0") + hex_digits[1:]


# -- accounts and distributions ---------------------------------------------------------------

@dataclass
class Maintainer:
    username: str
    account_id: str
    session: str  # a session token with the sudo window open

    def mint(self, api: Api, description: str, **body) -> dict:
        minted = api.call("POST", "/api/account/tokens", self.session,
                          json={"description": description, **body})
        assert minted.status_code == 201, minted.text
        return minted.json()

    def revoke(self, api: Api, token_id: str) -> requests.Response:
        return api.call("DELETE", f"/api/account/tokens/{token_id}", self.session)

    def create_project(self, api: Api, name: str) -> None:
        created = api.call("POST", "/api/projects", self.session, json={"name": name})
        assert created.status_code == 201, created.text


def maintainer(api: Api, mail: MailDirectory, username: str, *, totp: bool = True,
               ) -> Maintainer:
    """A new account with its email verified through the delivered link and, with `totp`,
    an authenticator app enrolled with oathtool's code; its session has sudo open."""
    account_id = api.register(username)
    api.verify_email(mail, f"{username}@example.com")
    session = api.token(username)
    if totp:
        api.enrol_totp(session, current_step())
    else:
        api.sudo(session)
    return Maintainer(username, account_id, session)


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
        fresh_venv, web, alice, dist, tmp_path):
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
        installed = venv.pip_install(index, f"wharf-e2e-sample=={release.version}")
        assert installed.returncode == 0, installed.output
        assert installed.shows(f"Looking in indexes: {index}"), installed.output  # no other
        imported = venv.value_of(release.module)
        assert imported.returncode == 0, imported.output
        assert imported.output == f"{release.version} wharf-e2e-sample {release.version}" \
                                  f" from Wharf"


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
    assert api.call("POST", roles, alice.session,
                    json={"username": "bob", "role": "Maintainer"}).status_code == 201
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

def post_file(api: Api, token: str, release: Built, path: Path) -> requests.Response:
    """One file, as twine sends it (multipart form, Basic `__token__`), straight from requests."""
    content = path.read_bytes()
    wheel = path.name.endswith(".whl")
    form = {":action": "file_upload", "protocol_version": "1", "name": release.name,
            "version": release.version, "metadata_version": "2.1",
            "filetype": "bdist_wheel" if wheel else "sdist", "pyversion": "py3" if wheel
            else "source", "sha256_digest": hashlib.sha256(content).hexdigest(),
            "blake2_256_digest": hashlib.blake2b(content, digest_size=32).hexdigest()}
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


# -- duplicates -------------------------------------------------------------------------------

def test_twine_shows_that_a_file_already_exists(web, alice, dist):
    token = alice.mint(web, "duplicates")["token"]
    release = dist("duplicate-sample")
    assert twine(web, "__token__", token, release.wheel).returncode == 0

    again = twine(web, "__token__", token, release.wheel)

    assert again.returncode != 0
    assert again.shows("File already exists"), again.output
