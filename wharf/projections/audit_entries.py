"""Which stored event shows up under which public name (audit_names.py), about which account
and project, with which details.

Details are chosen field by field, never copied wholesale, so a secret an event holds (a
password hash, a sealed TOTP seed, a challenge, a recovery code digest) cannot reach a reader.
An event class that is plumbing rather than something a person did (claims, challenges,
enrolment drafts) is listed in INTERNAL.
"""

import json
from dataclasses import dataclass, field
from functools import singledispatch
from uuid import UUID

from wharf.domain.account import Account
from wharf.domain.api_token import LEAKED, ApiToken
from wharf.domain.claim import Claim
from wharf.domain.containment import Containment
from wharf.domain.deliveries import MailLog
from wharf.domain.log_repair import LogRepair
from wharf.domain.project import Project
from wharf.domain.publisher_token import PublisherToken
from wharf.domain.security_keys import WEBAUTHN
from wharf.domain.switches import Switchboard
from wharf.domain.two_factor import RECOVERY_CODE, TOTP, TwoFactor
from wharf.domain.unknown_username import UnknownUsername
from wharf.projections.database import stamp
from wharf.projections.two_factor import account_of

INTERNAL = (
    Claim.Created, Claim.Taken, Claim.Released, UnknownUsername.Created,
    Account.PasswordRehashed, TwoFactor.Created, TwoFactor.TotpEnrolmentStarted,
    TwoFactor.TotpCodeAccepted, TwoFactor.SecurityKeyChallengeIssued,
    TwoFactor.TotpStepSpent,  # the log-in failure beside it says "out_of_sync"
    Project.TokenScoped,  # the token's own issue names the project
    TwoFactor.SecurityKeyUsed,  # the log-in it completes names the key
    LogRepair.Created, Switchboard.Created, MailLog.Created,
)


@dataclass(frozen=True)
class Entry:
    name: str
    account_id: UUID | str | None = None  # the account it is about
    project_id: UUID | str | None = None  # the project it is about
    details: dict = field(default_factory=dict)
    two_factor_method: str | None = None
    token_id: UUID | None = None


@singledispatch
def entries(event, cur) -> list[Entry]:
    """The public entries one stored event makes; `cur` reads the views it depends on."""
    if isinstance(event, INTERNAL):
        return []
    raise TypeError(f"{type(event).__qualname__} has no public name: add it to audit_entries")


def _account(name: str, **details) -> callable:
    """An entry about the account the event belongs to, with these details."""
    return lambda event, cur: [Entry(name, event.originator_id, details={
        key: getter(event) for key, getter in details.items()})]


def _field(name: str):
    return lambda event: getattr(event, name)


def _id(name: str):
    return lambda event: str(getattr(event, name))


for event_class, describe in {
    Account.Registered: _account("account:create", username=_field("username")),
    Account.AdminGranted: _account("account:admin:grant"),
    Account.AdminRevoked: _account("account:admin:revoke"),
    Account.Frozen: _account("account:freeze", reason=_field("reason")),
    Account.Unfrozen: _account("account:unfreeze", reason=_field("reason")),
    Account.RecoveryCaseOpened: _account("account:recovery:open", reason=_field("reason"),
                                         ticket=_field("ticket"),
                                         completes_at=lambda e: stamp(e.completes_at)),
    Account.RecoveryCaseCancelled: _account("account:recovery:cancel", by=_field("by")),
    Account.RecoveryCaseCompleted: _account("account:recovery:complete",
                                            reason=_field("reason"), ticket=_field("ticket")),
    Account.PendingPublisherAdded: _account(
        "account:oidc:pending-publisher-added", pending_id=_id("pending_id"),
        project_name=_field("project_name"), publisher=_field("publisher"),
        expires_at=lambda event: stamp(event.expires_at)),
    Account.PendingPublisherRemoved: _account(
        "account:oidc:pending-publisher-removed", pending_id=_id("pending_id"),
        project_name=_field("project_name"), publisher=_field("publisher")),
    Account.PendingPublisherUsed: _account(
        "account:oidc:pending-publisher-used", pending_id=_id("pending_id"),
        project_name=_field("project_name"), project_id=_id("project_id"),
        publisher_id=_id("publisher_id"), publisher=_field("publisher")),
    Account.EmailAdded: _account("account:email:add", email=_field("email"),
                                 primary=_field("primary")),
    Account.EmailVerificationSent: _account("account:email:sent", email=_field("email"),
                                            resent=lambda e: getattr(e, "resent", False)),
    Account.EmailVerified: _account("account:email:verified", email=_field("email_key")),
    Account.PrimaryEmailChanged: _account("account:email:primary:change",
                                          email=_field("email_key")),
    Account.LoginFailed: _account("account:login:failure", reason=_field("reason")),
    Account.LoginTicketIssued: _account("account:login:two_factor_required",
                                        methods=_field("methods")),
    Account.NewDeviceHeld: _account("account:login:new_device",
                                    method=_field("two_factor_method"),
                                    expires_at=lambda e: stamp(e.expires_at)),
    Account.DeviceConfirmed: _account("account:login:device_confirmed"),
    Account.Unlocked: _account("account:unlock"),
    Account.Locked: _account("account:lock", scope=_field("scope")),
    Account.UnlockedByHolder: _account("account:unlock:link"),
    Account.Reauthenticated: _account("account:reauthenticate:success"),
    Account.ReauthenticationFailed: _account("account:reauthenticate:failure"),
    Account.SessionEnded: _account("account:session:end",
                                   session_id=lambda e: str(e.session_id),
                                   reason=_field("reason")),
    Account.PasswordChanged: _account("account:password:change",
                                      sessions_ended=lambda e: len(e.ended_session_ids)),
    Account.PasswordResetRequested: _account("account:password:reset:request",
                                             email=_field("email"), verified=_field("verified")),
    Account.PasswordReset: _account("account:password:reset",
                                    sessions_ended=lambda e: len(e.ended_session_ids),
                                    tokens_revoked=_field("tokens_revoked")),
}.items():
    entries.register(event_class, describe)


@entries.register
def _(event: UnknownUsername.PasswordResetRequested, cur) -> list[Entry]:
    return [Entry("account:password:reset:request", details={"known": False})]


@entries.register
def _(event: Account.LoggedIn, cur) -> list[Entry]:
    return [Entry("account:login:success", event.originator_id,
                  details={"session_id": str(event.session_id),
                           "two_factor_label": event.two_factor_label},
                  two_factor_method=event.two_factor_method)]


@entries.register
def _(event: Account.EmailRemoved, cur) -> list[Entry]:
    """By its holder, or (reason "claimed") to another account, this one never verified it."""
    details = {"email": event.email_key, **({"reason": event.reason} if event.reason else {})}
    return [Entry("account:email:remove", event.originator_id, details=details)]


@entries.register
def _(event: UnknownUsername.LoginFailed, cur) -> list[Entry]:
    return [Entry("account:login:failure", details={"reason": event.reason})]


def _made_up_name_failures(event, cur) -> list[Entry]:
    """One entry for every failure at a made-up name until `logged_until` (counted, not logged)."""
    return [Entry("account:login:failure", details={
        "reason": "unknown_username", "stands_for_failures_until": stamp(event.logged_until)})]


entries.register(UnknownUsername.FirstFailureLogged, _made_up_name_failures)
entries.register(UnknownUsername.FailuresLogged, _made_up_name_failures)


def _two_factor(name: str, method: str | None = None, **details):
    """An entry about the account whose second factors these are."""
    def describe(event, cur) -> list[Entry]:
        values = {key: getter(event) for key, getter in details.items()}
        if method:
            values = {"method": method, **values}
        return [Entry(name, _owner(cur, event.originator_id), details=values)]
    return describe


for event_class, describe in {
    TwoFactor.TotpEnabled: _two_factor("account:two_factor:method_added", TOTP,
                                       label=_field("label"), replaced=_field("replaced")),
    TwoFactor.TotpDisabled: _two_factor("account:two_factor:method_removed", TOTP,
                                        label=_field("label")),
    TwoFactor.SecurityKeyAdded: _two_factor("account:two_factor:method_added", WEBAUTHN,
                                            key_id=lambda e: str(e.key_id),
                                            label=_field("label"), aaguid=_field("aaguid")),
    TwoFactor.SecurityKeyRenamed: _two_factor("account:two_factor:method_renamed", WEBAUTHN,
                                              key_id=lambda e: str(e.key_id),
                                              label=_field("label")),
    TwoFactor.SecurityKeyRemoved: _two_factor("account:two_factor:method_removed", WEBAUTHN,
                                              key_id=lambda e: str(e.key_id),
                                              label=_field("label")),
    TwoFactor.Cleared: _two_factor("account:two_factor:cleared", methods=_field("methods")),
    TwoFactor.SecurityKeyRefused: _two_factor(
        "account:two_factor:security_key_refused", WEBAUTHN, reason=_field("reason"),
        ceremony=lambda e: e.ceremony.partition(":")[0]),
    TwoFactor.PossibleCloneDetected: _two_factor(
        "account:two_factor:possible_clone", WEBAUTHN, key_id=lambda e: str(e.key_id),
        label=_field("label"), stored_sign_count=_field("stored_sign_count"),
        presented_sign_count=_field("presented_sign_count")),
}.items():
    entries.register(event_class, describe)


@entries.register
def _(event: MailLog.EmailDelivered, cur) -> list[Entry]:
    return [Entry("account:email:sent", event.account_id,
                  details={"template": event.template, "recipient": event.recipient})]


@entries.register
def _(event: TwoFactor.RecoveryCodesGenerated, cur) -> list[Entry]:
    name = "account:recovery_codes:regenerated" if event.regenerated \
        else "account:recovery_codes:generated"
    return [Entry(name, _owner(cur, event.originator_id),
                  details={"count": len(event.digests)})]


@entries.register
def _(event: TwoFactor.RecoveryCodeUsed, cur) -> list[Entry]:
    return [Entry("account:recovery_codes:used", _owner(cur, event.originator_id),
                  details={"remaining": event.remaining}, two_factor_method=RECOVERY_CODE)]


@entries.register
def _(event: ApiToken.Issued, cur) -> list[Entry]:
    details = {"description": event.description,
               "projects": event.project_names if event.project_ids is not None else None,
               "not_before": stamp(event.not_before), "expires_at": stamp(event.expires_at)}
    token = event.originator_id
    _known(cur, "tokens")[str(token)] = {
        "account_id": str(event.account_id), "description": event.description,
        "project_ids": json.dumps([str(p) for p in event.project_ids])
        if event.project_ids is not None else None}
    return [Entry("account:api_token:added", event.account_id, details=details, token_id=token),
            *(Entry("project:api_token:added", project_id=project,
                    details={"description": event.description}, token_id=token)
              for project in event.project_ids or ())]


@entries.register
def _(event: ApiToken.Revoked, cur) -> list[Entry]:
    token = _token(cur, event.originator_id)
    name = "account:api_token:removed_leak" if event.reason == LEAKED \
        else "account:api_token:removed"
    details = {"description": token["description"], "reason": event.reason, "url": event.url}
    projects = json.loads(token["project_ids"]) if token["project_ids"] else []
    return [Entry(name, token["account_id"], details=details, token_id=event.originator_id),
            *(Entry("project:api_token:removed", project_id=project,
                    details={"description": token["description"], "reason": event.reason},
                    token_id=event.originator_id) for project in projects)]


def _token(cur, token_id) -> dict:
    """What a token was issued for: seen earlier in this transaction, else from its view."""
    return _known(cur, "tokens").get(str(token_id)) or cur.execute(
        "SELECT account_id, description, project_ids FROM api_tokens WHERE id = ?",
        (str(token_id),)).fetchone()


@entries.register
def _(event: ApiToken.ExpiryReminded, cur) -> list[Entry]:
    token = _token(cur, event.originator_id)
    return [Entry("account:api_token:expiry_reminder", token["account_id"],
                  details={"description": token["description"],
                           "expires_at": stamp(event.expires_at)},
                  token_id=event.originator_id)]


@entries.register
def _(event: Containment.Applied, cur) -> list[Entry]:
    return [Entry("account:containment:apply", event.account_id, event.project_id, details={
        "credential_id": str(event.credential_id), "credential_kind": event.credential_kind,
        "since": stamp(event.since), "reason": event.reason, "steps": event.steps,
        **({"project": event.project} if event.project else {})})]


@entries.register
def _(event: Project.Created, cur) -> list[Entry]:
    return [Entry("project:create", event.owner_id, event.originator_id,
                  details={"name": event.name})]


def _role(name: str):
    def describe(event, cur) -> list[Entry]:
        details = {"username": event.username}
        if hasattr(event, "role"):
            details["role"] = event.role
        return [Entry(name, event.account_id, event.originator_id, details=details)]
    return describe


entries.register(Project.RoleGranted, _role("project:role:add"))
entries.register(Project.RoleChanged, _role("project:role:change"))
entries.register(Project.RoleRemoved, _role("project:role:remove"))
entries.register(Project.RoleRestored, _role("project:role:restore"))
entries.register(Project.RoleInvited, _role("project:role:invite"))  # never its nonce
entries.register(Project.InvitationAccepted, _role("project:role:accept"))
entries.register(Project.InvitationDeclined, _role("project:role:decline"))
entries.register(Project.InvitationRevoked, _role("project:role:revoke_invite"))


@entries.register
def _(event: Project.ReleaseAdded, cur) -> list[Entry]:
    return [Entry("project:release:add", event.actor_id, event.originator_id,
                  details={"version": event.version}, token_id=event.token_id)]


@entries.register
def _(event: Project.FileAdded, cur) -> list[Entry]:
    return [Entry("file:add", event.actor_id, event.originator_id,
                  details={"version": event.version, "filename": event.filename,
                           "packagetype": event.packagetype, "size": event.size,
                           "sha256": event.sha256,
                           **_run(event.publisher)},
                  token_id=event.token_id)]


def _run(publisher: dict | None) -> dict:
    """A trusted publisher's upload: the publisher, and the run's claims (repository, ...)."""
    return {"publisher_id": publisher["publisher_id"], **publisher["run"]} if publisher else {}


def _takedown(name: str, *fields: str):
    def describe(event, cur) -> list[Entry]:
        details = {field: getattr(event, field) for field in ("version", *fields, "reason")}
        return [Entry(name, event.actor_id, event.originator_id, details=details)]
    return describe


entries.register(Project.ReleaseYanked, _takedown("project:release:yank"))
entries.register(Project.ReleaseUnyanked, _takedown("project:release:unyank"))
entries.register(Project.ReleaseRemoved, _takedown("project:release:remove", "filenames"))
entries.register(Project.FileRemoved, _takedown("file:remove", "filename"))


def _publisher(name: str):
    def describe(event, cur) -> list[Entry]:
        return [Entry(name, event.actor_id, event.originator_id,
                      details={"publisher_id": str(event.publisher_id), **event.publisher})]
    return describe


entries.register(Project.PublisherAdded, _publisher("project:oidc:publisher-added"))
entries.register(Project.PublisherRemoved, _publisher("project:oidc:publisher-removed"))


@entries.register
def _(event: Project.TrustedPublishingOnlyChanged, cur) -> list[Entry]:
    name = f"project:oidc:trusted-publishing-only:{'on' if event.enabled else 'off'}"
    return [Entry(name, event.actor_id, event.originator_id)]


@entries.register
def _(event: Project.UnusualPublisherNoticed, cur) -> list[Entry]:
    return [Entry("project:release:unusual_publisher", event.actor_id, event.originator_id,
                  details={"version": event.version, "usual_publisher_ids": event.usual,
                           **_run(event.publisher)}, token_id=event.token_id)]


@entries.register
def _(event: PublisherToken.Minted, cur) -> list[Entry]:
    _known(cur, "publisher_tokens")[str(event.originator_id)] = str(event.project_id)
    return [Entry("project:oidc:token-minted", None, event.project_id,
                  details={"publisher_id": str(event.publisher_id), **event.run,
                           "expires_at": stamp(event.expires_at)},
                  token_id=event.originator_id)]


@entries.register
def _(event: PublisherToken.Burned, cur) -> list[Entry]:
    project_id = _known(cur, "publisher_tokens").get(str(event.originator_id)) or cur.execute(
        "SELECT project_id FROM publisher_tokens WHERE id = ?",
        (str(event.originator_id),)).fetchone()["project_id"]
    return [Entry("project:oidc:token-burned", None, project_id, token_id=event.originator_id)]


@entries.register
def _(event: Project.UploadLimitChanged, cur) -> list[Entry]:
    return [Entry("project:upload_limit:change", None, event.originator_id,
                  details={"max_file_bytes": event.max_file_bytes})]


@entries.register
def _(event: LogRepair.EventQuarantined, cur) -> list[Entry]:
    return [Entry("log:event:quarantine", details={
        "position": event.position, "topic": event.topic, "reason": event.reason})]


def _switch(name: str):
    return lambda event, cur: [Entry(name, details={"switch": event.switch,
                                                    "reason": event.reason})]


entries.register(Switchboard.SwitchedOn, _switch("site:switch:on"))
entries.register(Switchboard.SwitchedOff, _switch("site:switch:off"))


@entries.register
def _(event: TwoFactor.Created, cur) -> list[Entry]:
    _known(cur, "two_factor")[str(event.originator_id)] = str(event.account_id)
    return []


def _owner(cur, two_factor_id) -> str:
    """The account whose second factors these are: seen earlier in this transaction (a rebuild
    sees every Created first), else from the two_factor view."""
    return _known(cur, "two_factor").get(str(two_factor_id)) or account_of(cur, two_factor_id)


def _known(cur, kind: str) -> dict:
    """What this transaction has seen of facts that never change (whose a TwoFactor is, what a
    token was issued for), so a rebuild need not ask the store for each."""
    return cur.memo.setdefault(f"audit_log:{kind}", {})


# The stored events the audit log reads (entries, or facts it remembers), so a rebuild need not
# read or decode the others.
TOPICS = tuple(sorted(c.TOPIC for c in entries.registry if c is not object))
