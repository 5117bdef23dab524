"""The real clients (twine, uv, pip in a fresh venv), offline-edited tokens and maintainers'
accounts, for the end-to-end upload tests."""

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from pymacaroons import MACAROON_V2, Macaroon

from tests.e2e.client import Api, MailDirectory, current_step

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

    def pip_install(self, index: str, requirement: str, cache: Path | None = None) -> Ran:
        """With `cache`, pip keeps what it fetched there and revalidates it next time (pip
        caches only what came over HTTPS or from a host it is told to trust)."""
        caching = ["--cache-dir", str(cache), "--trusted-host", urlsplit(index).hostname] \
            if cache else ["--no-cache-dir"]
        return run([self.path / "bin" / "python", "-m", "pip", "install", *caching,
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
