"""The brute-force limits around every secret checked: an attempt is admitted or refused before
the secret is verified, and counted after it fails.

Where the counts live. A failure at a real account is an event in its log (security history),
and that account's windows and runs of failures in a row are read from its events: exact across
processes, since two writers of one account cannot both save. Failures by client address, at
made-up usernames and in all (the global ceiling) are rows of the operational `login_failures`
table, written by the failing request while it holds its address's mutex; a made-up name's log
holds one event per window, not one per failure. A refused attempt writes nothing anywhere.
When the counts cannot be read or written, the answer is no (503).
"""

import math
import statistics
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from wharf.application.base import Commands, LostRace
from wharf.domain import limits
from wharf.domain.account import Account
from wharf.domain.errors import LimiterUnavailable, RateLimited
from wharf.domain.origin import Origin
from wharf.domain.unknown_username import UnknownUsername
from wharf.security.tokens import ACCOUNT_UNLOCK, VerificationTokens, new_nonce

TOO_MANY = "too many failed attempts; try again later"


@dataclass(frozen=True)
class Attempt:
    """An attempt the limits let through, and what to count should it fail."""
    kind: str
    recognised: bool  # from a known address or with the unlock link: counted apart
    in_all: bool = False  # a log-in's password: counted toward the global ceiling
    name: str | None = None  # the digest of a made-up username
    name_version: int = 0
    known: bool = False  # the account has opened a session from this address before


class Stopwatch:
    """Time spent on an attempt since it began, less the time spent hashing its password."""

    def __init__(self):
        self._began, self._hashing = time.perf_counter(), 0.0

    @contextmanager
    def hashing(self) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self._hashing += time.perf_counter() - start

    def elapsed(self) -> float:
        return time.perf_counter() - self._began - self._hashing


class FailurePace:
    """How long the rest of a wrong password at a real account takes here lately (loading,
    checking, logging and counting: all but the hashing; the median of the last few). A failure
    at a made-up name with nothing to log is padded to as long, so the time an answer takes does
    not tell whether the name exists."""

    def __init__(self, remembered: int = 25, first_guess: float = 0.005):
        self._seconds = deque([first_guess], maxlen=remembered)

    @property
    def typical(self) -> float:
        return statistics.median(self._seconds)

    def record(self, watch: Stopwatch) -> None:
        self._seconds.append(watch.elapsed())

    def pad(self, watch: Stopwatch) -> None:
        time.sleep(max(0.0, self.typical - watch.elapsed()))


class LimitedCommands(Commands):
    def __init__(self, env, settings, passwords):
        super().__init__(env, settings, passwords)
        self.unlock_tokens = VerificationTokens(settings.secret_key,
                                                settings.previous_secret_keys, ACCOUNT_UNLOCK)
        self.failure_pace = FailurePace()
        self.login_failures = None  # the login_failures table, set by bootstrap
        self.known_addresses = None  # the known_addresses view's queries, set by bootstrap

    def _admit(self, origin: Origin, kind: str, account: Account | None = None,
               name: str | None = None, *, recognised: bool = False,
               in_all: bool = False) -> Attempt:
        """Let an attempt at `account` (or at the made-up `name`) through, or refuse it: 403
        while it is locked to this attempt's class, 429 while a window is full."""
        try:
            standing = self.login_failures.standing(origin.ip, kind, origin.at, name)
            known = self.known_addresses.includes(account.id if account else None, origin.ip)
        except Exception as error:  # the store could not say: fail closed
            raise LimiterUnavailable("cannot check attempt limits right now; try again") from error
        recognised = recognised or (account is not None and known)
        if account is not None:
            account.check_not_locked(recognised)
            waits = [account.retry_after(kind, origin.at, recognised)]
        else:
            if len(standing.at_name) >= limits.MAX_CONSECUTIVE_FAILURES:
                raise limits.locked()
            waits = [limits.retry_after(standing.at_name, origin.at, limits.per_name(kind))]
        waits.append(limits.retry_after(standing.by_address, origin.at, limits.per_address(kind)))
        if in_all and not recognised and standing.ceiling_frees_at is not None:
            waits.append(max(1, math.ceil((standing.ceiling_frees_at - origin.at).total_seconds())))
        wait = max(w or 0 for w in waits)
        if wait:
            raise RateLimited(TOO_MANY, retry_after=wait)
        return Attempt(kind, recognised, in_all, name, standing.name_version,
                       known=account is not None and known)

    def _save_failure(self, origin: Origin, account: Account, attempt: Attempt,
                      *others) -> None:
        """Save a failure the account has recorded, with the lock its run calls for; count it."""
        scope = account.lock_due
        if scope is not None:
            link = new_nonce() if scope == limits.NEW_ADDRESSES else None
            account.lock_against(origin, scope, link, origin.at + limits.UNLOCK_LINK_LIFETIME)
        self._save(account, *others)
        self._count(origin, attempt)

    def _made_up_name_failed(self, origin: Origin, attempt: Attempt,
                             logged: UnknownUsername | None, watch: Stopwatch) -> None:
        """Count a failure at a made-up name; log it only when it opens a new window."""
        self._count(origin, attempt)
        if logged is None:
            logged = UnknownUsername.first_failure(origin, attempt.name)
        elif logged.logs(origin.at):
            logged.log_failure(origin)
        else:
            self.failure_pace.pad(watch)
            return
        try:
            self._save(logged)
        except LostRace:
            pass  # another process logged this window's first failure

    def _count(self, origin: Origin, attempt: Attempt) -> None:
        try:
            counted = self.login_failures.count(
                origin.ip, attempt.kind, origin.at, name=attempt.name,
                name_version=attempt.name_version, in_all=attempt.in_all)
        except Exception as error:  # the store could not count: the caller must not pass
            raise LimiterUnavailable("cannot count attempts right now; try again") from error
        if not counted:
            raise LostRace  # the made-up name's count moved: start again, like an aggregate
