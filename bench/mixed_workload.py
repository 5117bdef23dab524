"""The clients of bench/mixed_load.py: their seeded accounts and the actions they loop over.

Each client process has its own Owner, projects, tokens and TOTP accounts (seeded through the
application with cheap argon2), and draws actions from MIX until the shared deadline.
"""

import base64
import hashlib
import json
import random
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pyotp
from argon2 import PasswordHasher
from load import Request, send
from servers import (
    BENCH_DIR,
)

from wharf.bootstrap import bootstrap
from wharf.domain.origin import Origin
from wharf.security import totp
from wharf.security.passwords import Passwords
from wharf.settings import from_environ

REPO = BENCH_DIR.parent
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))  # tests.e2e.packages; spawned clients inherit sys.path

MIX = {"history": 0.30, "upload": 0.30, "login": 0.25, "mint": 0.15}
PASSWORD = "bench-mixed-password-5d1e"
STEP = totp.STEP_SECONDS
# -- seeding (in this process, through the application, cheap argon2) -------------------------

@dataclass(frozen=True)
class Plan:
    """One client's own accounts and names."""
    client: int
    owner_token: str  # session of the Owner of `project` and `elsewhere`, sudo open
    project: str
    upload_token: str  # scoped to `project`
    elsewhere_token: str  # scoped to the Owner's other project: refused for `project`
    logins: tuple[tuple[str, str], ...]  # (username, TOTP secret); the password is PASSWORD


def seed_clients(environ: dict[str, str], clients: int, logins: int) -> list[Plan]:
    wiring = bootstrap(from_environ(environ), passwords=Passwords(
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)))
    at = datetime.now(UTC) - timedelta(seconds=2 * STEP)  # enrolment steps are past at the start
    try:
        return [seed_client(wiring.app, at, c, logins) for c in range(clients)]
    finally:
        wiring.close()


def enrol(app, at: datetime, username: str) -> tuple[Origin, str, str]:
    """A verified account with TOTP: the origin of its session (sudo open), the session's token
    and the TOTP secret."""
    def origin(actor=None, session=None) -> Origin:
        return Origin(actor, "127.0.0.1", "wharf-bench-seed", at, session)

    account_id = app.register(origin(), username, PASSWORD, f"{username}@example.com")
    nonce = next(iter(app.repository.get(account_id).emails.values()))["nonce"]
    app.verify_email(origin(), app.verification_tokens.issue(account_id, nonce))
    session = app.log_in(origin(), username, PASSWORD)
    acting = origin(account_id, session.session_id)
    app.reauthenticate(acting, session.session_id, PASSWORD)
    secret = app.start_totp(acting).secret
    app.confirm_totp(acting, totp.code_at(secret, at.timestamp()), "bench")
    return acting, session.token, secret


def seed_client(app, at: datetime, client: int, logins: int) -> Plan:
    tag = f"mixed-{client}"
    acting, token, _ = enrol(app, at, f"{tag}-owner")
    project, elsewhere = f"{tag}-project", f"{tag}-elsewhere"
    app.create_project(acting, project)
    app.create_project(acting, elsewhere)
    upload = app.mint_token(acting, "uploads", [project], None, None).token
    refused = app.mint_token(acting, "elsewhere", [elsewhere], None, None).token
    accounts = tuple((name, enrol(app, at, name)[2])
                     for name in (f"{tag}-login-{i}" for i in range(logins)))
    return Plan(client, token, project, upload, refused, accounts)


# -- the client processes ----------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    kind: str
    name: str  # the request, as reported
    at: float  # wall-clock time it was sent
    ms: float
    error: str | None  # None: the expected answer


@dataclass(frozen=True)
class ClientRun:
    samples: list[Sample]
    actions: list[Sample]  # one per action, all its requests: name is the kind, error the first
    deferred: list[float]  # when a log-in found every account used in the current step


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body as twine sends it: the fields, then the file as `content`."""
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             .encode() for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
                 f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 .encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload_request(work_dir: Path, project: str, version: str, token: str,
                   expect: int) -> Request:
    """POST /legacy/ of a freshly built wheel of `project` `version`."""
    from tests.e2e.packages import build  # needs REPO on sys.path

    built = build(work_dir, project, version, "bench")
    content = built.wheel.read_bytes()
    for path in built.files:
        path.unlink()
    fields = {":action": "file_upload", "protocol_version": "1", "name": project,
              "version": version, "metadata_version": "2.1", "filetype": "bdist_wheel",
              "pyversion": "py3", "sha256_digest": hashlib.sha256(content).hexdigest(),
              "blake2_256_digest": hashlib.blake2b(content, digest_size=32).hexdigest()}
    body, content_type = multipart(fields, built.wheel.name, content)
    basic = base64.b64encode(f"__token__:{token}".encode()).decode()
    return Request("POST", "/legacy/", expect=expect, data=body,
                   headers={"Content-Type": content_type, "Authorization": f"Basic {basic}"})


class Client:
    """One client process's actions; each records a Sample per request it sends."""

    def __init__(self, port: int, plan: Plan, work_dir: Path):
        self.port, self.plan, self.work_dir = port, plan, work_dir
        self.rng = random.Random(plan.client)
        self.samples: list[Sample] = []
        self.deferred: list[float] = []
        self.last_step = {username: 0 for username, _ in plan.logins}
        self.uploads = self.mints = 0
        self.refused_upload = upload_request(work_dir, plan.project, "0.0.1",
                                             plan.elsewhere_token, 403)

    def call(self, kind: str, name: str, request: Request, must_say: bytes = b"") -> bytes | None:
        """Send; record the sample; the body when the answer was the expected one, else None."""
        at, begin = time.time(), time.perf_counter()
        try:
            status, body = send(self.port, request)
            error = (None if status == request.expect and must_say in body
                     else f"status {status}: {body[:160]!r}")
        except OSError as failure:
            body, error = b"", f"connection: {failure!r}"
        self.samples.append(Sample(kind, name, at, (time.perf_counter() - begin) * 1000, error))
        return None if error else body

    def history(self) -> None:
        token, limit = self.plan.owner_token, "limit=20"
        page = self.call("history", "GET /api/account/events",
                         Request("GET", f"/api/account/events?{limit}", token=token))
        cursor = json.loads(page)["next_cursor"] if page else None
        if cursor:
            self.call("history", "GET /api/account/events?cursor= (page 2)",
                      Request("GET", f"/api/account/events?{limit}&cursor={quote(cursor)}",
                              token=token))
        self.call("history", "GET /api/projects/{name}/events",
                  Request("GET", f"/api/projects/{self.plan.project}/events?{limit}",
                          token=token))

    def upload(self) -> None:
        self.uploads += 1
        if self.uploads % 2:
            request = upload_request(self.work_dir, self.plan.project, f"1.0.{self.uploads}",
                                     self.plan.upload_token, 200)
            self.call("upload", "POST /legacy/ new version -> 200", request, b"OK")
        else:
            self.call("upload", "POST /legacy/ other project's token -> 403",
                      self.refused_upload, b"not valid for project")

    def login(self) -> None:
        step = int(time.time()) // STEP
        free = [account for account in self.plan.logins if self.last_step[account[0]] < step]
        if not free:
            self.deferred.append(time.time())
            return
        username, secret = self.rng.choice(free)
        answer = self.call("login", "POST /api/session -> 202", Request(
            "POST", "/api/session", {"username": username, "password": PASSWORD}, expect=202))
        if answer is None:
            return
        step = int(time.time()) // STEP  # the code of the step we are in now
        self.last_step[username] = step
        body = {"ticket": json.loads(answer)["ticket"],
                "code": pyotp.TOTP(secret).at(step * STEP)}
        self.call("login", "POST /api/session/totp -> 201",
                  Request("POST", "/api/session/totp", body, expect=201))

    def mint(self) -> None:
        self.mints += 1
        body = {"description": f"mixed load {self.plan.client}-{self.mints}",
                "projects": [self.plan.project]}
        minted = self.call("mint", "POST /api/account/tokens -> 201", Request(
            "POST", "/api/account/tokens", body, self.plan.owner_token, 201))
        if minted:
            self.call("mint", "DELETE /api/account/tokens/{id} -> 204", Request(
                "DELETE", f"/api/account/tokens/{json.loads(minted)['id']}",
                token=self.plan.owner_token, expect=204))


def drive(port: int, plan: Plan, start_at: float, deadline: float) -> ClientRun:
    """A client process: from `start_at` to `deadline`, draw actions from MIX and run them."""
    work_dir = Path(tempfile.mkdtemp(prefix="wharf-mixed-client-"))
    try:
        client = Client(port, plan, work_dir)
        actions = {"history": client.history, "upload": client.upload,
                   "login": client.login, "mint": client.mint}
        kinds, weights, timed = list(MIX), list(MIX.values()), []
        time.sleep(max(0.0, start_at - time.time()))
        while time.time() < deadline:
            kind, sent = client.rng.choices(kinds, weights)[0], len(client.samples)
            at, begin = time.time(), time.perf_counter()
            actions[kind]()
            if len(client.samples) > sent:  # a deferred log-in sent nothing
                error = next((s.error for s in client.samples[sent:] if s.error), None)
                timed.append(Sample(kind, kind, at, (time.perf_counter() - begin) * 1000, error))
        return ClientRun(client.samples, timed, client.deferred)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
