"""A year of simulated traffic for the audit-log benchmark, written straight from the domain.

~1 account per 100 events (registrations with username, email and claims; log-ins, some with
TOTP behind a ticket, with and without re-authentication and log-out; wrong passwords; unknown
usernames; projects, role grants, releases and files; API tokens issued and revoked; TOTP
enrolment and recovery codes), how often each account shows up drawn from a lognormal. One
"target" account has exactly 200 audit entries, all within the last 14 days. Events are saved
in time order with `save(..., apply=False)` (stored only: no view applies them until a catch-up),
SAVE_EVENTS per transaction.
"""

import bisect
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

from wharf.domain.account import Account
from wharf.domain.api_token import BY_USER, ApiToken
from wharf.domain.claim import Claim
from wharf.domain.origin import Origin
from wharf.domain.project import MAINTAINER, Project
from wharf.domain.two_factor import TOTP, TwoFactor
from wharf.domain.unknown_username import UnknownUsername

YEAR, WINDOW = timedelta(days=365), timedelta(days=14)
EVENTS_PER_ACCOUNT = 100
TARGET_ENTRIES = 200
SAVE_EVENTS = 2_000  # events per save, one transaction each
HASH = "$argon2id$v=19$m=65536,t=3,p=4$bench$not-a-real-hash"  # never verified


@dataclass
class Member:
    """One simulated account and what it holds."""
    account: Account
    ip: str
    two_factor: TwoFactor | None = None
    projects: list = field(default_factory=list)  # projects it may upload to
    owned: list = field(default_factory=list)
    tokens: list = field(default_factory=list)  # live tokens


class LogBuilder:
    """Writes `size` events of simulated traffic ending at `end`, oldest first."""

    def __init__(self, app, size: int, end: datetime, seed: int):
        self.app, self.size, self.end = app, size, end
        self.rng = random.Random(seed)
        self.at = end - YEAR
        self.buffer, self.emitted, self.serial = [], 0, 0
        self.members, self.weights = [], []  # weights: cumulative, for weighted picks
        self.unknown: list[UnknownUsername] = []
        self.started = time.perf_counter()

    # Plumbing: time, origins, the buffer.

    def linear(self) -> datetime:
        """Where the log's clock stands by the share of events written."""
        return self.end - YEAR + YEAR * (self.emitted / self.size)

    def now(self) -> datetime:
        """At least a second after the last event, and never behind the linear clock."""
        self.at = max(self.at + timedelta(seconds=1), self.linear())
        return self.at

    def origin(self, member: Member | None, ip: str | None = None) -> Origin:
        actor = member.account.id if member else None
        return Origin(actor, ip or member.ip, "bench-agent/1.0", self.now())

    def emit(self, *aggregates) -> None:
        for aggregate in aggregates:
            events = aggregate.collect_events()
            self.buffer.extend(events)
            self.emitted += len(events)
        if len(self.buffer) >= SAVE_EVENTS:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.app.save(*self.buffer, apply=False)  # stored only: catch-up applies them
            self.buffer = []
        rate = self.emitted / (time.perf_counter() - self.started)
        print(f"\r  writing: {self.emitted}/{self.size} events, {rate:.0f}/s", end="",
              file=sys.stderr, flush=True)

    def name(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial}"

    def pick(self) -> Member:
        r = self.rng.random() * self.weights[-1]
        return self.members[bisect.bisect(self.weights, r)]

    # Visits: what one person does in one sitting.

    def register(self, username: str, pickable: bool = True) -> Member:
        """Register with an email address, then verify it; `pickable`: visits may pick it."""
        account_id, ip = uuid.uuid4(), self.ip()
        origin = self.origin(None, ip).acting_as(account_id)
        member = Member(Account.register(origin, account_id, username, HASH), ip)
        email, nonce = f"{username}@example.com", uuid.uuid4().hex
        member.account.add_email(origin, email, email, nonce, origin.at + timedelta(days=1))
        self.emit(member.account, Claim.create(origin, "username", username, account_id),
                  Claim.create(origin, "email", email, account_id))
        member.account.verify_email(self.origin(member), nonce)
        self.emit(member.account)
        if pickable:
            self.members.append(member)
            weight = self.rng.lognormvariate(0, 1)
            self.weights.append((self.weights[-1] if self.weights else 0) + weight)
        return member

    def ip(self) -> str:
        n = self.rng.randrange(1, 1 << 20)
        return f"10.{n >> 12 & 255}.{n >> 4 & 255}.{n & 15}"

    def log_in(self, member: Member, steps: int = 3) -> None:
        """Log in (through TOTP when enrolled); then maybe re-authenticate and log out."""
        account, session_id = member.account, uuid.uuid4()
        origin = self.origin(member)
        method = label = ticket_id = None
        if member.two_factor is not None:
            ticket_id, method, label = uuid.uuid4(), TOTP, "phone"
            account.issue_ticket(origin, ticket_id, uuid.uuid4().hex, origin.at + timedelta(
                minutes=5), [TOTP])
            self.emit(account)
            origin = self.origin(member)
            step = max(int(origin.at.timestamp()) // 30, member.two_factor.totp["last_step"] + 1)
            member.two_factor.accept_totp_step(origin, step)
            self.emit(member.two_factor)
        account.log_in(origin, session_id, uuid.uuid4().hex, origin.at + timedelta(hours=12),
                       method, ticket_id, label)
        if steps > 1:
            origin = self.origin(member)
            account.reauthenticate(origin, session_id, origin.at + timedelta(minutes=30))
        if steps > 2:
            account.end_session(self.origin(member), session_id, "logout")
        self.emit(account)

    def fail(self, member: Member, times: int) -> None:
        ip = self.ip()
        for _ in range(times):
            member.account.fail_login(self.origin(member, ip), "password")
        self.emit(member.account)

    def fail_unknown(self) -> None:
        """A window of failures at a made-up name: one event, whatever their number."""
        origin = self.origin(None, self.ip())
        if len(self.unknown) < 200:
            name = UnknownUsername.first_failure(origin, uuid.uuid4().hex)
            self.unknown.append(name)
        else:
            name = self.rng.choice(self.unknown)
            name.log_failure(origin)
        self.emit(name)

    def create_project(self, member: Member) -> None:
        name = self.name("project-")
        origin = self.origin(member)
        project = Project.create(origin, uuid.uuid4(), name, name, member.account.username)
        member.projects.append(project)
        member.owned.append(project)
        self.emit(Claim.create(origin, "project", name, project.id), project)

    def grant_role(self, member: Member) -> bool:
        other = self.pick()
        if not member.owned or other is member:
            return False
        project = self.rng.choice(member.owned)
        if str(other.account.id) in project.roles:
            return False
        # A role comes only by invitation: invited, then accepted by the invitee.
        project.invite(self.origin(member), other.account.id, other.account.username,
                       MAINTAINER, uuid.uuid4().hex)
        project.accept_invitation(self.origin(other))
        other.projects.append(project)
        self.emit(project)
        return True

    def upload(self, member: Member) -> bool:
        """A release of one or two files, through a token when the member has one."""
        if not member.projects:
            return False
        project = self.rng.choice(member.projects)
        version = f"1.{len(project.releases)}"
        token = self.rng.choice(member.tokens) if member.tokens else None
        for kind, suffix in (("sdist", ".tar.gz"), ("bdist_wheel", "-py3-none-any.whl")):
            filename = f"{project.name}-{version}{suffix}"
            distribution = SimpleNamespace(version=version, filename=filename, filetype=kind,
                                           requires_python=">=3.10")
            stored = SimpleNamespace(size=self.rng.randrange(10_000, 5_000_000),
                                     sha256=uuid.uuid4().hex * 2, blake2_256=uuid.uuid4().hex * 2)
            origin = self.origin(member)
            project.add_file(origin, distribution, stored, token.id if token else None)
            self.emit(Claim.create(origin, "file", filename, project.id), project)
            if self.rng.random() < 0.5:
                break
        return True

    def token(self, member: Member) -> None:
        if member.tokens and self.rng.random() < 0.4:
            token = member.tokens.pop(self.rng.randrange(len(member.tokens)))
            token.revoke(self.origin(member), BY_USER)
            self.emit(token)
            return
        scope = None
        if member.projects and self.rng.random() < 0.6:
            project = self.rng.choice(member.projects)
            scope = [(project.id, project.normalized_name)]
        origin = self.origin(member)
        token = ApiToken.issue(origin, uuid.uuid4(), self.name("ci "), scope, None, None, "k1")
        member.tokens.append(token)
        self.emit(Claim.create(origin, "api-token-description", f"{member.account.id}:"
                               f"{token.description}", token.id), token)

    def second_factor(self, member: Member) -> None:
        """Enrol TOTP with recovery codes, or replace the recovery codes."""
        two_factor = member.two_factor
        if two_factor is None:
            two_factor = TwoFactor.create(self.origin(member), member.account.id)
            two_factor.start_totp(self.origin(member), "sealed-secret")
            two_factor.enable_totp(self.origin(member), 0, "phone")
            member.two_factor = two_factor
        digests = [uuid.uuid4().hex for _ in range(8)]
        two_factor.generate_recovery_codes(self.origin(member), digests)
        self.emit(two_factor)

    def visit(self) -> None:
        member, r = self.pick(), self.rng.random()
        if r < 0.05:
            self.fail_unknown()
        elif r < 0.20:
            self.fail(member, self.rng.randint(1, 3))
        elif r < 0.30 and self.upload(member):
            pass
        elif r < 0.36:
            self.token(member)
        elif r < 0.38:
            self.create_project(member)
        elif r < 0.40 and self.grant_role(member):
            pass
        elif r < 0.42:
            self.second_factor(member)
        else:
            self.log_in(member, self.rng.choice((1, 1, 2, 3)))


class Target:
    """The account whose history is paged: 200 entries, all in the last 14 days."""

    def __init__(self, builder: LogBuilder):
        self.builder, self.member = builder, None
        rng = builder.rng
        self.visits, planned = [], 4  # registration: created, email added, sent, verified
        while planned < TARGET_ENTRIES:
            size = min(rng.choice((1, 2, 3)), TARGET_ENTRIES - planned)
            self.visits.append(("fail" if rng.random() < 0.2 else "log_in", size))
            planned += size
        end = builder.end - timedelta(minutes=10)
        self.times = sorted(end - WINDOW * rng.uniform(0, 0.99)
                            for _ in range(len(self.visits) + 1))

    @property
    def events(self) -> int:  # the events still to write (the two claims included)
        return TARGET_ENTRIES + 2 if self.member is None else sum(s for _, s in self.visits)

    def due(self) -> bool:
        return bool(self.times) and self.times[0] <= self.builder.linear()

    def visit(self) -> None:
        self.builder.at = max(self.builder.at, self.times.pop(0))
        if self.member is None:
            self.member = self.builder.register("target", pickable=False)
            return
        kind, size = self.visits.pop(0)
        if kind == "fail":
            self.builder.fail(self.member, size)
        else:
            self.builder.log_in(self.member, size)


def write_log(app, size: int, end: datetime, seed: int) -> str:
    """Write the simulated log; return the target account's id."""
    builder = LogBuilder(app, size, end, seed)
    target = Target(builder)
    while builder.emitted + target.events < size:
        if target.due():
            target.visit()
        elif len(builder.members) <= builder.emitted / EVENTS_PER_ACCOUNT:
            builder.register(builder.name("user"))
        else:
            builder.visit()
    while target.times:
        target.visit()
    builder.flush()
    print(file=sys.stderr)
    return str(target.member.account.id)
