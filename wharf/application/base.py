"""The plumbing every command shares: save (events and views together); retries; look-ups.

All aggregates share one log, so the whole system has one total order. A command's events are
stored in the same transaction that applies them to the views, so its response returns only
once every worker can read the change (read-your-writes), and an event no view can apply rolls
its command back instead of reaching the log.
"""

import functools
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    Recording,
)
from eventsourcing.persistence import IntegrityError, Transcoder
from eventsourcing.utils import Environment

from wharf.application.codec import EventCodec
from wharf.application.repository import Repository
from wharf.domain.account import Account
from wharf.domain.claim import Claim, claim_id
from wharf.domain.errors import Conflict, NotFound, Unrecordable
from wharf.domain.names import username_key
from wharf.domain.origin import Origin
from wharf.domain.two_factor import TwoFactor, two_factor_id
from wharf.projections.projector import Projector
from wharf.security.api_tokens import TokenKeys
from wharf.security.passwords import Passwords
from wharf.security.recovery_codes import RecoveryCodes
from wharf.security.sealing import Sealer
from wharf.security.tokens import Pseudonyms, VerificationTokens
from wharf.security.webauthn import RelyingParty
from wharf.settings import Settings

ATTEMPTS = 5


class LostRace(Exception):
    """Another process saved the same aggregate version first; nothing of ours was stored."""


def one_at_a_time_per_address(command):
    """Check the limits, verify and record a failure with no other attempt from the same
    client address in between, in any process: the per-address counts can then be exact."""

    @functools.wraps(command)
    def run(self, origin: Origin, *args, **kwargs):
        with self.mutex(f"authentication:{origin.ip}"):
            return command(self, origin, *args, **kwargs)

    return run


def retrying(command):
    """Re-run a command whose save lost a race; the rerun sees the winner's events."""

    @functools.wraps(command)
    def run(self, *args, **kwargs):
        for _ in range(ATTEMPTS - 1):
            try:
                return command(self, *args, **kwargs)
            except LostRace:
                continue
        try:
            return command(self, *args, **kwargs)
        except LostRace:
            raise Conflict("too many concurrent changes; try again") from None

    return run


class Commands(Application):
    def __init__(self, env: dict[str, str], settings: Settings, passwords: Passwords):
        super().__init__(env)
        self.passwords = passwords
        retired = settings.previous_secret_keys
        self.verification_tokens = VerificationTokens(settings.secret_key, retired)
        self.pseudonyms = Pseudonyms(settings.secret_key)
        self.session_lifetime = settings.session_lifetime
        self.sudo_window = settings.sudo_window
        self.verification_lifetime = settings.email_verification_lifetime
        self.totp_sealer = Sealer(settings.secret_key, b"totp", retired)
        self.recovery_codes = RecoveryCodes(settings.secret_key, retired)
        self.site_name = settings.site_name
        self.quotas = settings.quotas
        self.uploads_require_2fa = settings.uploads_require_2fa
        self.relying_party = RelyingParty(settings.origin, settings.site_name,
                                          settings.webauthn_user_verification)
        self.projector: Projector | None = None  # set by bootstrap; saving needs it
        self.client_actions = None  # the client_actions view's queries, set by bootstrap
        self.mutex = None  # the store's named cross-process mutex, set by bootstrap
        self.api_tokens = None  # the api_tokens view's queries, set by bootstrap
        self.trusted_publishing = None  # the trusted_publishing view's queries, likewise
        self.oidc_issuers = settings.oidc_issuers
        self.switches = None  # the switches view's queries, set by bootstrap
        self.recovery_cases = None  # the recovery_cases view's queries, likewise
        self.two_factor_methods = None  # the two_factor view's queries, likewise
        self.token_keys = TokenKeys(settings.secret_key, retired)
        self.token_prefix = settings.token_prefix
        self.token_location = urlsplit(settings.origin).hostname

    def construct_env(self, name: str, env: Any = None) -> Environment:
        # Only the settings we are given: the composition root alone reads os.environ.
        merged = dict(type(self).env)
        if type(self).snapshotting_intervals:
            merged["IS_SNAPSHOTTING_ENABLED"] = "y"
        merged.update(env or {})
        return Environment(name, merged)

    def construct_repository(self) -> Repository:
        return Repository(self.events, self.snapshots)

    def construct_transcoder(self) -> Transcoder:
        return EventCodec()

    # Plumbing

    def _save(self, *aggregates, apply: bool = True) -> None:
        """`apply=False` stores the events only (a log repair: see projector.record)."""
        try:
            self.save(*aggregates, apply=apply)
        except IntegrityError:
            raise LostRace from None

    def _record(self, processing_event: ProcessingEvent) -> list[Recording]:
        """Store the events and apply them to the views in one transaction (projector.py): an
        event no view can apply never reaches the log, and every worker reads its writes."""
        events = processing_event.events
        if not events:
            return []
        try:
            stored = [self.mapper.to_stored_event(event) for event in events]
            snapshots = [self.snapshots.mapper.to_stored_event(snapshot)
                         for snapshot in self._snapshots_due(processing_event)]
        except (ValueError, OverflowError):  # e.g. a lone surrogate, which UTF-8 cannot encode
            raise Unrecordable("the request holds a value that cannot be recorded") from None
        return self.projector.record(events, stored, snapshots=snapshots,
                                     apply=processing_event.saved_kwargs.get("apply", True))

    def _snapshots_due(self, processing_event: ProcessingEvent) -> list:
        """A snapshot of each saved aggregate whose new events reach a multiple of its interval,
        taken from the aggregate in hand and stored with its events: eventsourcing would read
        it back after the commit and store the snapshot in a transaction of its own."""
        due = []
        for aggregate in processing_event.aggregates.values():
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval and any(event.originator_id == aggregate.id
                                and event.originator_version % interval == 0
                                for event in processing_event.events):
                snapshot_class = getattr(type(aggregate), "Snapshot", self.snapshot_class)
                due.append(snapshot_class.take(aggregate))
        return due

    def _take_snapshots(self, processing_event: ProcessingEvent) -> None:
        """Taken already, in the command's transaction (_snapshots_due)."""

    def _find(self, aggregate_id: UUID | None):
        """The aggregate with this id, or None when it has no events."""
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _claim(self, origin: Origin, kind: str, key: str, holder_id: UUID,
               error: type[Conflict], detail: str) -> Claim:
        claim = self._find(claim_id(kind, key))
        if claim is None:
            return Claim.create(origin, kind, key, holder_id)
        claim.take(origin, holder_id, error, detail)
        return claim

    def _holder(self, kind: str, key: str) -> UUID | None:
        claim = self._find(claim_id(kind, key))
        return claim.holder_id if claim else None

    def _sensitive(self, origin: Origin) -> Account:
        """Second factors and API tokens need the sudo window and a verified primary email."""
        account = self._account(origin.actor_id)
        account.check_sudo(origin)
        account.check_verified_primary_email()
        return account

    def _account(self, account_id: UUID | None) -> Account:
        account = self._find(account_id)
        if account is None:
            raise NotFound("no such account")
        return account

    def _two_factor(self, account_id: UUID) -> TwoFactor | None:
        return self._find(two_factor_id(account_id))

    def _member(self, username: str) -> Account:
        username_key(username)  # a name no account can hold is refused, not echoed back
        account = self._account_named(username)
        if account is None:
            raise NotFound(f"no account named {username}")
        return account

    def _account_named(self, username: str) -> Account | None:
        holder = self._holder("username", username.lower())
        return self.repository.get(holder) if holder else None
