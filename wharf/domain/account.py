"""The Account aggregate: identity, password, emails and sessions of one maintainer."""

import hmac
from datetime import datetime, timedelta
from uuid import UUID

from wharf.domain import quotas
from wharf.domain.admin_actions import AdminActions
from wharf.domain.base import WharfAggregate
from wharf.domain.devices import Devices
from wharf.domain.errors import (
    Conflict,
    EmailTaken,
    Forbidden,
    InvalidInput,
    InvalidToken,
    NotFound,
    ReauthenticationRequired,
    TicketRefused,
)
from wharf.domain.limits import PASSWORD, SECOND_FACTOR
from wharf.domain.lockout import Lockout
from wharf.domain.origin import Origin
from wharf.domain.password_reset import PasswordResets
from wharf.domain.pending_publishers import PendingPublishers
from wharf.domain.recovery import Recoveries

MAX_EMAILS = 10
CLAIMED = "claimed"  # EmailRemoved.reason: another account took the never-verified address
FAILURE_KINDS = {
    "password": PASSWORD, "invalid_totp": SECOND_FACTOR, "totp_replayed": SECOND_FACTOR,
    "out_of_sync": SECOND_FACTOR, "invalid_recovery_code": SECOND_FACTOR,
    "burned_recovery_code": SECOND_FACTOR, "invalid_security_key": SECOND_FACTOR,
    "possible_clone": SECOND_FACTOR, "backup_eligibility_changed": SECOND_FACTOR,
}  # "rate_limited" is recorded but never counted


class Account(PendingPublishers, AdminActions, Recoveries, PasswordResets, Devices, Lockout,
              WharfAggregate):
    TOPIC = "wharf:account"

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class Created(WharfAggregate.Created):
        TOPIC = "wharf:account:created"  # the base of Registered; never triggered itself

    class Registered(Created):
        TOPIC = "wharf:account:registered"
        username: str
        password_hash: str

        def apply(self, account: "Account") -> None:
            account.username = self.username
            account.password_hash = self.password_hash
            account.is_admin = False
            account.emails = {}
            account.sessions = {}
            account.tickets = {}
            account.start_counting_failures()

    class EmailAdded(WharfAggregate.Event):
        TOPIC = "wharf:account:email-added"
        email: str
        email_key: str
        primary: bool
        # The account's verified addresses then, each told of the new one (older events: none;
        # their message went to the primary address).
        told: tuple[str, ...] = ()

        def apply(self, account: "Account") -> None:
            account.emails[self.email_key] = {
                "email": self.email, "verified": False, "primary": self.primary,
                "nonce": None, "nonce_expires_at": None,
            }

    class EmailVerificationSent(WharfAggregate.Event):
        TOPIC = "wharf:account:email-verification-sent"
        email: str
        email_key: str
        nonce: str
        expires_at: datetime
        resent: bool = False  # asked for again; the new nonce replaces the old link

        def apply(self, account: "Account") -> None:
            entry = account.emails[self.email_key]
            entry["nonce"] = self.nonce
            entry["nonce_expires_at"] = self.expires_at
            account.verification_sends = [*quotas.recent(account.verification_sends,
                                                         self.timestamp), self.timestamp]

    class EmailVerified(WharfAggregate.Event):
        TOPIC = "wharf:account:email-verified"
        email_key: str

        def apply(self, account: "Account") -> None:
            entry = account.emails[self.email_key]
            entry.update(verified=True, nonce=None, nonce_expires_at=None)

    class PrimaryEmailChanged(WharfAggregate.Event):
        TOPIC = "wharf:account:primary-email-changed"
        email_key: str
        previous: str | None = None  # the address that was primary, told of the change

        def apply(self, account: "Account") -> None:
            for key, entry in account.emails.items():
                entry["primary"] = key == self.email_key

    class EmailRemoved(WharfAggregate.Event):
        TOPIC = "wharf:account:email-removed"
        email_key: str
        reason: str | None = None  # None: by the holder; CLAIMED: verified or added elsewhere

        def apply(self, account: "Account") -> None:
            del account.emails[self.email_key]

    class LoggedIn(WharfAggregate.Event):
        TOPIC = "wharf:account:logged-in"
        session_id: UUID
        token_hash: str
        expires_at: datetime
        two_factor_method: str | None = None
        ticket_id: UUID | None = None
        two_factor_label: str | None = None  # which TOTP app or security key

        def apply(self, account: "Account") -> None:
            account.sessions = {
                sid: s for sid, s in account.sessions.items() if s["expires_at"] > self.timestamp
            }
            account.sessions[str(self.session_id)] = {
                "expires_at": self.expires_at, "sudo_until": None, "reauthenticated_at": None,
            }
            if self.ticket_id is not None:
                account.tickets.pop(str(self.ticket_id), None)
            account.end_runs_of_failures()
            account.last_login_at = self.timestamp  # a reset link issued before now dies

    class LoginFailed(WharfAggregate.Event):
        TOPIC = "wharf:account:login-failed"
        reason: str
        recognised: bool = False  # from a known address, or with the emailed unlock link

        def apply(self, account: "Account") -> None:
            kind = FAILURE_KINDS.get(self.reason)
            if kind is not None:
                account.count_failure(kind, self.timestamp, self.recognised)

    class LoginTicketIssued(WharfAggregate.Event):
        TOPIC = "wharf:account:login-ticket-issued"
        ticket_id: UUID
        ticket_hash: str
        expires_at: datetime
        methods: list[str]
        unlocks: bool = False  # issued to the holder of the emailed unlock link

        def apply(self, account: "Account") -> None:
            account.tickets = {tid: t for tid, t in account.tickets.items()
                               if t["expires_at"] > self.timestamp}
            account.tickets[str(self.ticket_id)] = {"hash": self.ticket_hash,
                                                    "expires_at": self.expires_at,
                                                    "unlocks": self.unlocks}

    class Unlocked(WharfAggregate.Event):
        TOPIC = "wharf:account:unlocked"  # by an administrator

        def apply(self, account: "Account") -> None:
            account.lift_lock()

    class Locked(WharfAggregate.Event):
        TOPIC = "wharf:account:locked"
        scope: str  # new_addresses | all_addresses
        nonce: str | None  # the emailed unlock link derives from it; None: no link
        expires_at: datetime

        def apply(self, account: "Account") -> None:
            account.lock = {"scope": self.scope, "nonce": self.nonce,
                            "expires_at": self.expires_at}

    class UnlockedByHolder(WharfAggregate.Event):
        TOPIC = "wharf:account:unlocked-by-holder"  # link, password and second factor

        def apply(self, account: "Account") -> None:
            account.lift_lock()

    class Reauthenticated(WharfAggregate.Event):
        TOPIC = "wharf:account:reauthenticated"
        session_id: UUID
        sudo_until: datetime

        def apply(self, account: "Account") -> None:
            session = account.sessions[str(self.session_id)]
            session["sudo_until"] = self.sudo_until
            session["reauthenticated_at"] = self.timestamp

    class ReauthenticationFailed(WharfAggregate.Event):
        TOPIC = "wharf:account:reauthentication-failed"
        session_id: UUID
        recognised: bool = False

        def apply(self, account: "Account") -> None:
            account.count_failure(PASSWORD, self.timestamp, self.recognised)

    class SessionEnded(WharfAggregate.Event):
        TOPIC = "wharf:account:session-ended"
        session_id: UUID
        reason: str  # logout | revoked | two_factor_change | frozen | contained
        containment_id: UUID | None = None  # the containment that ended it (containment.py)

        def apply(self, account: "Account") -> None:
            account.sessions.pop(str(self.session_id), None)

    class PasswordChanged(WharfAggregate.Event):
        TOPIC = "wharf:account:password-changed"
        password_hash: str
        ended_session_ids: list[UUID]

        def apply(self, account: "Account") -> None:
            account.password_hash = self.password_hash
            for session_id in self.ended_session_ids:
                account.sessions.pop(str(session_id), None)
            account.tickets = {}
            account.device_holds.clear()  # a held log-in's link dies with the old password
            account.password_changed_at = self.timestamp  # a reset link issued before now dies

    class PasswordReset(PasswordChanged):
        """A password changed with an emailed link: every session ended, password failures
        forgotten (a lock stays: only its own link or an administrator lifts it); the second
        factor is still asked at the next log-in."""
        TOPIC = "wharf:account:password-reset"
        issued_at: datetime  # of the link used
        tokens_revoked: int = 0

        def apply(self, account: "Account") -> None:
            super().apply(account)
            account.failures[PASSWORD] = []
            account.end_runs_of_failures()

    class PasswordRehashed(WharfAggregate.Event):
        TOPIC = "wharf:account:password-rehashed"
        password_hash: str

        def apply(self, account: "Account") -> None:
            account.password_hash = self.password_hash

    class AdminGranted(WharfAggregate.Event):
        TOPIC = "wharf:account:admin-granted"
        told: bool = False  # emailed to the account; older grants were not (nor are on rebuild)

        def apply(self, account: "Account") -> None:
            account.is_admin = True

    # Commands

    @classmethod
    def register(cls, origin: Origin, account_id: UUID, username: str,
                 password_hash: str) -> "Account":
        return cls._open(cls.Registered, origin, account_id, username=username,
                         password_hash=password_hash)

    def add_email(self, origin: Origin, email: str, email_key: str, nonce: str,
                  expires_at: datetime) -> None:
        if email_key in self.emails:
            raise Conflict("this email address is already on your account")
        if len(self.emails) >= MAX_EMAILS:
            raise InvalidInput(f"an account can have at most {MAX_EMAILS} email addresses")
        self._record(self.EmailAdded, origin, email=email, email_key=email_key,
                     primary=not self.emails,
                     told=tuple(e["email"] for e in self.emails.values() if e["verified"]))
        self._record(self.EmailVerificationSent, origin, email=email, email_key=email_key,
                     nonce=nonce,
                     expires_at=expires_at)

    def verify_email(self, origin: Origin, nonce: str) -> str:
        for email_key, entry in self.emails.items():
            if entry["nonce"] and hmac.compare_digest(entry["nonce"], nonce):
                if origin.at >= entry["nonce_expires_at"]:
                    raise InvalidToken("this verification link has expired")
                self._record(self.EmailVerified, origin, email_key=email_key)
                return email_key
        raise InvalidToken("this verification link is invalid or has already been used")

    def make_primary(self, origin: Origin, email_key: str) -> None:
        entry = self._email(email_key)
        if not entry["verified"]:
            raise Conflict("only a verified email address can become the primary one")
        if not entry["primary"]:
            previous = next((e["email"] for e in self.emails.values() if e["primary"]), None)
            self._record(self.PrimaryEmailChanged, origin, email_key=email_key,
                         previous=previous)

    def check_verification_sends(self, at: datetime, rate: quotas.Rate) -> None:
        rate.check(self.verification_sends, at, "verification emails from this account")

    @property
    def verification_sends(self) -> list[datetime]:
        return self.__dict__.setdefault("_verification_sends", [])  # older snapshots lack it

    @verification_sends.setter
    def verification_sends(self, times: list[datetime]) -> None:
        self.__dict__["_verification_sends"] = times

    def give_up_unverified_email(self, origin: Origin, email_key: str) -> None:
        """Another account claims an address this one never verified: it is this one's no
        more (a verified address stays, and the other is told it is taken)."""
        entry = self._email(email_key)
        if entry["verified"]:
            raise EmailTaken("this email address is already in use")
        self._record(self.EmailRemoved, origin, email_key=email_key, reason=CLAIMED)
        if entry["primary"] and self.emails:
            heir = max(self.emails, key=lambda key: self.emails[key]["verified"])
            self._record(self.PrimaryEmailChanged, origin, email_key=heir)

    def remove_email(self, origin: Origin, email_key: str) -> None:
        if self._email(email_key)["primary"]:
            raise Conflict("the primary email address cannot be removed")
        self._record(self.EmailRemoved, origin, email_key=email_key)

    def log_in(self, origin: Origin, session_id: UUID, token_hash: str, expires_at: datetime,
               two_factor_method: str | None = None, ticket_id: UUID | None = None,
               two_factor_label: str | None = None) -> None:
        self.check_not_frozen()
        self._record(self.LoggedIn, origin, session_id=session_id, token_hash=token_hash,
                     expires_at=expires_at, two_factor_method=two_factor_method,
                     ticket_id=ticket_id, two_factor_label=two_factor_label)

    def fail_login(self, origin: Origin, reason: str, recognised: bool = False) -> None:
        self._record(self.LoginFailed, origin, reason=reason, recognised=recognised)

    def issue_ticket(self, origin: Origin, ticket_id: UUID, ticket_hash: str,
                     expires_at: datetime, methods: list[str], unlocks: bool = False) -> None:
        self.check_not_frozen()
        self._record(self.LoginTicketIssued, origin, ticket_id=ticket_id,
                     ticket_hash=ticket_hash, expires_at=expires_at, methods=methods,
                     unlocks=unlocks)

    def check_ticket(self, origin: Origin, ticket_id: UUID, ticket_hash: str) -> dict:
        ticket = self.tickets.get(str(ticket_id))
        if ticket is None or not hmac.compare_digest(ticket["hash"], ticket_hash):
            raise TicketRefused("this log-in ticket is invalid or has been used; log in again")
        if ticket["expires_at"] <= origin.at:
            raise TicketRefused("this log-in ticket has expired; log in again")
        return ticket

    def unlock(self, origin: Origin) -> None:
        if self.consecutive_failures or self.consecutive_recognised_failures or self.lock:
            self._record(self.Unlocked, origin)

    def lock_against(self, origin: Origin, scope: str, nonce: str | None,
                     expires_at: datetime) -> None:
        """Record the lock a run of failures called for (`lock_due`); NEW_ADDRESSES emails a
        link derived from `nonce`."""
        self._record(self.Locked, origin, scope=scope, nonce=nonce, expires_at=expires_at)

    def unlock_by_holder(self, origin: Origin) -> bool:
        """Lift the lock (the holder came with its link); False when there was none to lift."""
        if self.lock is None:
            return False
        self._record(self.UnlockedByHolder, origin)
        return True

    def recently_reauthenticated(self, origin: Origin, within: timedelta) -> bool:
        session = self.sessions.get(str(origin.session_id)) if origin.session_id else None
        return bool(session and self.in_sudo_window(origin.session_id, origin.at)
                    and session.get("reauthenticated_at")
                    and origin.at - session["reauthenticated_at"] <= within)

    def end_other_sessions(self, origin: Origin, reason: str) -> None:
        for session_id, session in list(self.sessions.items()):
            if session_id != str(origin.session_id) and session["expires_at"] > origin.at:
                self._record(self.SessionEnded, origin, session_id=UUID(session_id),
                             reason=reason)

    def reauthenticate(self, origin: Origin, session_id: UUID, sudo_until: datetime) -> None:
        self._active_session(origin, session_id)
        self._record(self.Reauthenticated, origin, session_id=session_id, sudo_until=sudo_until)

    def fail_reauthentication(self, origin: Origin, session_id: UUID,
                              recognised: bool = False) -> None:
        self._record(self.ReauthenticationFailed, origin, session_id=session_id,
                     recognised=recognised)

    def end_session(self, origin: Origin, session_id: UUID, reason: str,
                    containment_id: UUID | None = None) -> None:
        self._active_session(origin, session_id)
        self._record(self.SessionEnded, origin, session_id=session_id, reason=reason,
                     containment_id=containment_id)

    def change_password(self, origin: Origin, password_hash: str, keep_session_id: UUID) -> None:
        ended = [UUID(sid) for sid, s in self.sessions.items()
                 if sid != str(keep_session_id) and s["expires_at"] > origin.at]
        self._record(self.PasswordChanged, origin, password_hash=password_hash,
                     ended_session_ids=ended)

    def reset_password(self, origin: Origin, issued_at: datetime, password_hash: str,
                       tokens_revoked: int) -> None:
        self.check_reset_link(origin, issued_at)
        ended = [UUID(sid) for sid, s in self.sessions.items() if s["expires_at"] > origin.at]
        self._record(self.PasswordReset, origin, password_hash=password_hash,
                     ended_session_ids=ended, issued_at=issued_at, tokens_revoked=tokens_revoked)

    def resend_verification(self, origin: Origin, email_key: str, nonce: str,
                            expires_at: datetime) -> None:
        entry = self._email(email_key)
        if entry["verified"]:
            raise Conflict("this email address is already verified")
        self._record(self.EmailVerificationSent, origin, email=entry["email"],
                     email_key=email_key, nonce=nonce, expires_at=expires_at, resent=True)

    def rehash_password(self, origin: Origin, password_hash: str) -> None:
        self._record(self.PasswordRehashed, origin, password_hash=password_hash)

    def grant_admin(self, origin: Origin) -> None:
        if not self.is_admin:
            self._record(self.AdminGranted, origin, told=True)

    # Guards and queries

    def _email(self, email_key: str) -> dict:
        try:
            return self.emails[email_key]
        except KeyError:
            raise NotFound("no such email address on this account") from None

    def _active_session(self, origin: Origin, session_id: UUID) -> dict:
        session = self.sessions.get(str(session_id))
        if session is None or session["expires_at"] <= origin.at:
            raise NotFound("no such active session")
        return session

    def check_sudo(self, origin: Origin) -> None:
        """Sensitive changes need a password confirmed within the sudo window of this session."""
        if origin.session_id is None or not self.in_sudo_window(origin.session_id, origin.at):
            raise ReauthenticationRequired(
                "confirm your password first (POST /api/session/reauthenticate)")

    def check_verified_primary_email(self) -> None:
        """Tokens, second factors and projects: only for an address its owner has proved."""
        if not self.has_verified_primary_email:
            raise Forbidden("verify your primary email address first")

    @property
    def has_verified_primary_email(self) -> bool:
        return any(e["primary"] and e["verified"] for e in self.emails.values())

    def in_sudo_window(self, session_id: UUID, at: datetime) -> bool:
        session = self.sessions.get(str(session_id))
        return bool(session and session["sudo_until"] and session["sudo_until"] > at
                    and session["expires_at"] > at)
