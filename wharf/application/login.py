"""Logging in: the password step, the second step (TOTP or a recovery code), the unlock link.

An account without two factors gets a session from the password alone. One with two factors
gets a short-lived, single-use ticket instead, which a TOTP code or a recovery code turns into a
session. The emailed unlock link stands in for a known address: with it, the password and the
second factor open a session from anywhere and lift the lock. Every attempt passes the limits
first (wharf/application/limits.py); every failure at a real account is an event. A TOTP code or
a recovery code from an address the account never logged in from is held instead of opening a
session, until the emailed link confirms the device (wharf/domain/devices.py).
"""

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn
from uuid import UUID, uuid4

from wharf.application.base import one_at_a_time_per_address, retrying
from wharf.application.limits import Attempt, LimitedCommands, Stopwatch
from wharf.domain.account import Account
from wharf.domain.admin_actions import FROZEN
from wharf.domain.devices import CONFIRM_WITHIN, ELSEWHERE
from wharf.domain.errors import (
    DeviceElsewhere,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    SecondFactorFailed,
)
from wharf.domain.limits import PASSWORD, SECOND_FACTOR
from wharf.domain.origin import Origin
from wharf.domain.two_factor import RECOVERY_CODE, TOTP, TwoFactor
from wharf.domain.unknown_username import unknown_username_id
from wharf.security import totp
from wharf.security.tokens import (
    NEW_DEVICE,
    VerificationTokens,
    new_nonce,
    new_session_token,
    new_ticket,
    parse_ticket,
    token_hash,
)

TICKET_LIFETIME = timedelta(minutes=5)


@dataclass(frozen=True)
class NewSession:
    session_id: UUID
    account_id: UUID
    token: str  # shown once, to the client that logged in
    recovery_codes_left: int | None = None
    unlocked: bool = False  # this log-in lifted a lock (the emailed link)

    def __repr__(self) -> str:
        return f"NewSession(session_id={self.session_id!r}, account_id={self.account_id!r})"


@dataclass(frozen=True)
class SecondStep:
    ticket: str  # shown once; single use
    methods: list[str]
    expires_at: datetime

    def __repr__(self) -> str:
        return f"SecondStep(methods={self.methods!r}, expires_at={self.expires_at!r})"


@dataclass(frozen=True)
class DeviceHeld:
    """The second step passed from a new address: no session yet, a confirmation link emailed."""
    expires_at: datetime


class LoginCommands(LimitedCommands):
    def __init__(self, env, settings, passwords):
        super().__init__(env, settings, passwords)
        self.device_tokens = VerificationTokens(settings.secret_key,
                                                settings.previous_secret_keys, NEW_DEVICE)
        self.confirm_new_devices = settings.confirm_new_devices

    @one_at_a_time_per_address
    @retrying
    def log_in(self, origin: Origin, username: str, password: str) -> NewSession | SecondStep:
        watch = Stopwatch()
        account = self._account_named(username)
        if account is None:
            self._made_up_name(origin, username, password, watch)
        attempt = self._admit(origin, PASSWORD, account, in_all=True)
        return self._password_step(origin, account, password, attempt, watch=watch)

    @one_at_a_time_per_address
    @retrying
    def log_in_with_unlock_link(self, origin: Origin, token: str,
                                password: str) -> NewSession | SecondStep:
        """The emailed link, the password and (next) the second factor: a session from any
        address, and the lock lifted."""
        account_id, nonce = self.unlock_tokens.open(token)
        account = self._find(account_id)
        if account is None:
            raise InvalidToken("this unlock link is invalid")
        account.check_unlock_link(origin, nonce)
        attempt = self._admit(origin, PASSWORD, account, recognised=True, in_all=True)
        return self._password_step(origin, account, password, attempt, unlocking=True)

    def _password_step(self, origin: Origin, account: Account, password: str, attempt: Attempt,
                       unlocking: bool = False,
                       watch: Stopwatch | None = None) -> NewSession | SecondStep:
        with watch.hashing() if watch else nullcontext():
            valid = self.passwords.verify(account.password_hash, password)
        if not valid:
            account.fail_login(origin, reason="password", recognised=attempt.recognised)
            self._save_failure(origin, account, attempt)
            if watch:
                self.failure_pace.record(watch)
            raise InvalidCredentials("invalid username or password")
        if account.frozen:  # told only to whoever knows the password
            account.fail_login(origin, reason=FROZEN, recognised=attempt.recognised)
            self._save(account)
            account.check_not_frozen()
        origin = origin.acting_as(account.id)
        if self.passwords.needs_rehash(account.password_hash):
            account.rehash_password(origin, self.passwords.hash(password))
        two_factor = self._two_factor(account.id)
        if two_factor is None or not two_factor.enabled:
            return self._open_session(origin, account, unlocking=unlocking)
        methods = two_factor.methods + ([RECOVERY_CODE] if two_factor.recovery_codes_left else [])
        ticket_id, ticket = new_ticket(account.id)
        expires_at = origin.at + TICKET_LIFETIME
        account.issue_ticket(origin, ticket_id, token_hash(ticket), expires_at, methods,
                             unlocks=unlocking)
        self._save(account)
        return SecondStep(ticket, methods, expires_at)

    def _made_up_name(self, origin: Origin, username: str, password: str,
                      watch: Stopwatch) -> NoReturn:
        """The same steps as a wrong password at a real account, and the same answers."""
        name = self.pseudonyms.of(username.lower())
        logged = self._find(unknown_username_id(name))  # loaded as an account is
        attempt = self._admit(origin, PASSWORD, None, name, in_all=True)
        with watch.hashing():
            self.passwords.verify(None, password)
        self._made_up_name_failed(origin, attempt, logged, watch)
        raise InvalidCredentials("invalid username or password")

    @one_at_a_time_per_address
    @retrying
    def log_in_with_totp(self, origin: Origin, ticket: str, code: str) -> NewSession | DeviceHeld:
        account, ticket_id, origin, attempt = self._second_step(origin, ticket)
        two_factor = self._two_factor(account.id)
        if two_factor is None or TOTP not in two_factor.methods:
            raise InvalidInput("this account has no TOTP application")
        match = totp.find(self.totp_sealer.open(two_factor.totp["sealed_secret"]), code.strip(),
                          origin.at)
        if match is None:
            self._fail(origin, account, attempt, "invalid_totp", "the TOTP code is not valid")
        if not match.in_window:
            two_factor.spend_totp_step(origin, match.step)
            self._fail(origin, account, attempt, "out_of_sync",
                       "the TOTP code is not valid now: your device time may be out of sync",
                       two_factor)
        if not two_factor.accept_totp_step(origin, match.step):
            self._fail(origin, account, attempt, "totp_replayed",
                       "this TOTP code has already been used; wait for the next one")
        return self._open_or_hold(origin, account, attempt, two_factor, TOTP, ticket_id,
                                  two_factor.totp["label"])

    @one_at_a_time_per_address
    @retrying
    def log_in_with_recovery_code(self, origin: Origin, ticket: str,
                                  code: str) -> NewSession | DeviceHeld:
        account, ticket_id, origin, attempt = self._second_step(origin, ticket)
        two_factor = self._two_factor(account.id)
        outcome = (two_factor.use_recovery_code(origin, self.recovery_codes.candidates(code))
                   if two_factor else "invalid")
        if outcome == "invalid":
            self._fail(origin, account, attempt, "invalid_recovery_code",
                       "the recovery code is not valid")
        if outcome == "burned":
            self._fail(origin, account, attempt, "burned_recovery_code",
                       "this recovery code has already been used")
        return self._open_or_hold(origin, account, attempt, two_factor, RECOVERY_CODE,
                                  ticket_id)

    @one_at_a_time_per_address
    @retrying
    def confirm_new_device(self, origin: Origin, token: str) -> NewSession:
        """The emailed link of a held log-in: the session, from the address that logged in."""
        account_id, nonce = self.device_tokens.open(token)
        account = self._find(account_id)
        if not isinstance(account, Account):
            raise InvalidToken("this confirmation link is invalid")
        origin = origin.acting_as(account.id)
        try:
            hold = account.confirm_device(origin, nonce)
        except DeviceElsewhere:  # the link is genuine: someone else may be logging in
            account.fail_login(origin, reason=ELSEWHERE)
            self._save(account)
            raise
        return self._open_session(origin, account, self._two_factor(account.id), hold["method"],
                                  label=hold["label"], unlocking=hold["unlocks"])

    @retrying
    def unlock(self, origin: Origin, username: str) -> UUID:
        account = self._member(username)
        account.unlock(origin)
        self._save(account)
        return account.id

    def _second_step(self, origin: Origin,
                     ticket: str) -> tuple[Account, UUID, Origin, Attempt]:
        parsed = parse_ticket(ticket)
        account = self._find(parsed[0]) if parsed else None
        if account is None:
            raise SecondFactorFailed("invalid_ticket",
                                     "this log-in ticket is invalid; log in again")
        origin = origin.acting_as(account.id)
        issued = account.check_ticket(origin, parsed[1], token_hash(ticket))
        attempt = self._admit(origin, SECOND_FACTOR, account,
                              recognised=issued.get("unlocks", False))
        return account, parsed[1], origin, attempt

    def _open_or_hold(self, origin: Origin, account: Account, attempt: Attempt,
                      two_factor: TwoFactor, method: str, ticket_id: UUID,
                      label: str | None = None) -> NewSession | DeviceHeld:
        """A session, unless this phishable second step comes from a new address: then a hold
        and its emailed link. Security keys never come here: they confirm the address. Every
        session opened confirms its address (a password-only log-in before two factors
        existed, a security key, a confirmed link), which the limits read already (`known`)."""
        if not self.confirm_new_devices or attempt.known:
            return self._open_session(origin, account, two_factor, method, ticket_id, label)
        unlocks = account.tickets[str(ticket_id)].get("unlocks", False)
        account.hold_new_device(origin, new_nonce(), method, ticket_id, label, unlocks)
        self._save(account, two_factor)  # the code is spent either way
        return DeviceHeld(origin.at + CONFIRM_WITHIN)

    def _open_session(self, origin: Origin, account: Account, two_factor: TwoFactor | None = None,
                      method: str | None = None, ticket_id: UUID | None = None,
                      label: str | None = None, unlocking: bool = False) -> NewSession:
        if ticket_id is not None:
            unlocking = account.tickets[str(ticket_id)].get("unlocks", False)
        unlocked = unlocking and account.unlock_by_holder(origin)
        token, session_id = new_session_token(), uuid4()
        account.log_in(origin, session_id, token_hash(token), origin.at + self.session_lifetime,
                       two_factor_method=method, ticket_id=ticket_id, two_factor_label=label)
        self._save(*[a for a in (account, two_factor) if a is not None])
        left = two_factor.recovery_codes_left if method == RECOVERY_CODE else None
        return NewSession(session_id, account.id, token, left, unlocked)

    def _fail(self, origin: Origin, account: Account, attempt: Attempt, reason: str,
              detail: str, two_factor: TwoFactor | None = None) -> NoReturn:
        account.fail_login(origin, reason=reason, recognised=attempt.recognised)
        self._save_failure(origin, account, attempt, *([two_factor] if two_factor else []))
        raise SecondFactorFailed(reason, detail)
