"""Logging in: the password step, the second step (TOTP or a recovery code), and the limits.

An account without two factors gets a session from the password alone. One with two factors
gets a short-lived, single-use ticket instead, which a TOTP code or a recovery code turns into a
session. Every failure is an event; the counts behind the brute-force limits are read from the
account (per account) and from the auth_failures view (per client address), both shared by every
process; when they cannot be read, the answer is no.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from wharf.application.base import Commands, one_at_a_time_per_address, retrying
from wharf.domain.account import Account
from wharf.domain.errors import (
    InvalidCredentials,
    InvalidInput,
    SecondFactorFailed,
)
from wharf.domain.limits import PASSWORD, SECOND_FACTOR
from wharf.domain.origin import Origin
from wharf.domain.two_factor import RECOVERY_CODE, TOTP, TwoFactor
from wharf.domain.unknown_username import UnknownUsername, unknown_username_id
from wharf.security import totp
from wharf.security.tokens import new_session_token, new_ticket, parse_ticket, token_hash

TICKET_LIFETIME = timedelta(minutes=5)


@dataclass(frozen=True)
class NewSession:
    session_id: UUID
    account_id: UUID
    token: str  # shown once, to the client that logged in
    recovery_codes_left: int | None = None

    def __repr__(self) -> str:
        return f"NewSession(session_id={self.session_id!r}, account_id={self.account_id!r})"


@dataclass(frozen=True)
class SecondStep:
    ticket: str  # shown once; single use
    methods: list[str]
    expires_at: datetime

    def __repr__(self) -> str:
        return f"SecondStep(methods={self.methods!r}, expires_at={self.expires_at!r})"


class LoginCommands(Commands):
    @one_at_a_time_per_address
    @retrying
    def log_in(self, origin: Origin, username: str, password: str) -> NewSession | SecondStep:
        account = self._account_named(username)
        subject = account or self._unknown_username(origin, username)
        self._check_limits(origin, subject, PASSWORD)
        valid = self.passwords.verify(account.password_hash if account else None, password)
        if account is None:
            subject.fail_login(origin)
            self._save(subject)
            raise InvalidCredentials("invalid username or password")
        if not valid:
            account.fail_login(origin, reason="password")
            self._save(account)
            raise InvalidCredentials("invalid username or password")
        origin = origin.acting_as(account.id)
        if self.passwords.needs_rehash(account.password_hash):
            account.rehash_password(origin, self.passwords.hash(password))
        two_factor = self._two_factor(account.id)
        if two_factor is None or not two_factor.enabled:
            return self._open_session(origin, account)
        methods = two_factor.methods + ([RECOVERY_CODE] if two_factor.recovery_codes_left else [])
        ticket_id, ticket = new_ticket(account.id)
        expires_at = origin.at + TICKET_LIFETIME
        account.issue_ticket(origin, ticket_id, token_hash(ticket), expires_at, methods)
        self._save(account)
        return SecondStep(ticket, methods, expires_at)

    @one_at_a_time_per_address
    @retrying
    def log_in_with_totp(self, origin: Origin, ticket: str, code: str) -> NewSession:
        account, ticket_id, origin = self._second_step(origin, ticket)
        two_factor = self._two_factor(account.id)
        if two_factor is None or TOTP not in two_factor.methods:
            raise InvalidInput("this account has no TOTP application")
        match = totp.find(self.totp_sealer.open(two_factor.totp["sealed_secret"]), code.strip(),
                          origin.at)
        if match is None:
            self._fail(origin, account, "invalid_totp", "the TOTP code is not valid")
        if not match.in_window:
            two_factor.spend_totp_step(origin, match.step)
            self._fail(origin, account, "out_of_sync",
                       "the TOTP code is not valid now: your device time may be out of sync",
                       two_factor)
        if not two_factor.accept_totp_step(origin, match.step):
            self._fail(origin, account, "totp_replayed",
                       "this TOTP code has already been used; wait for the next one")
        return self._open_session(origin, account, two_factor, TOTP, ticket_id,
                                  two_factor.totp["label"])

    @one_at_a_time_per_address
    @retrying
    def log_in_with_recovery_code(self, origin: Origin, ticket: str, code: str) -> NewSession:
        account, ticket_id, origin = self._second_step(origin, ticket)
        two_factor = self._two_factor(account.id)
        outcome = (two_factor.use_recovery_code(origin, self.recovery_codes.candidates(code))
                   if two_factor else "invalid")
        if outcome == "invalid":
            self._fail(origin, account, "invalid_recovery_code", "the recovery code is not valid")
        if outcome == "burned":
            self._fail(origin, account, "burned_recovery_code",
                       "this recovery code has already been used")
        return self._open_session(origin, account, two_factor, RECOVERY_CODE, ticket_id)

    @retrying
    def unlock(self, origin: Origin, username: str) -> UUID:
        account = self._member(username)
        account.unlock(origin)
        self._save(account)
        return account.id

    def _second_step(self, origin: Origin, ticket: str) -> tuple[Account, UUID, Origin]:
        parsed = parse_ticket(ticket)
        account = self._find(parsed[0]) if parsed else None
        if account is None:
            raise SecondFactorFailed("invalid_ticket",
                                     "this log-in ticket is invalid; log in again")
        origin = origin.acting_as(account.id)
        account.check_ticket(origin, parsed[1], token_hash(ticket))
        self._check_limits(origin, account, SECOND_FACTOR)
        return account, parsed[1], origin

    def _open_session(self, origin: Origin, account: Account, two_factor: TwoFactor | None = None,
                      method: str | None = None, ticket_id: UUID | None = None,
                      label: str | None = None) -> NewSession:
        token, session_id = new_session_token(), uuid4()
        account.log_in(origin, session_id, token_hash(token), origin.at + self.session_lifetime,
                       two_factor_method=method, ticket_id=ticket_id, two_factor_label=label)
        self._save(*[a for a in (account, two_factor) if a is not None])
        left = two_factor.recovery_codes_left if method == RECOVERY_CODE else None
        return NewSession(session_id, account.id, token, left)

    def _fail(self, origin: Origin, account: Account, reason: str, detail: str,
              two_factor: TwoFactor | None = None) -> None:
        account.fail_login(origin, reason=reason)
        self._save(*[a for a in (account, two_factor) if a is not None])
        raise SecondFactorFailed(reason, detail)

    def _unknown_username(self, origin: Origin, username: str) -> UnknownUsername:
        digest = self.pseudonyms.of(username.lower())
        return (self._find(unknown_username_id(digest))
                or UnknownUsername.create(origin, digest))
