"""The email outbox: one row per message an event calls for, delivered exactly once.

Message ids derive from the event that asked for them, so replaying the log never makes a second
message, and `outbox_sent` survives a rebuild, so a rebuild never sends old mail again.
Rows hold no secret: verification, unlock, invitation and new-device links are derived from
the nonce at delivery time, password reset links from the request's time and the account's
markers (times, not secrets).
"""

import json
from functools import singledispatch
from uuid import NAMESPACE_OID, uuid5

from wharf.domain.account import Account
from wharf.domain.api_token import LEAKED, ApiToken
from wharf.domain.containment import Containment
from wharf.domain.project import Project
from wharf.domain.publishers import describe_publisher
from wharf.domain.security_keys import WEBAUTHN
from wharf.domain.two_factor import TOTP, TwoFactor
from wharf.projections.database import Database, stamp
from wharf.projections.projector import View
from wharf.projections.two_factor import account_of

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS outbox ("
    " id TEXT PRIMARY KEY, account_id TEXT NOT NULL, recipient TEXT, template TEXT NOT NULL,"
    " params TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS outbox_sent (id TEXT PRIMARY KEY, sent_at TEXT NOT NULL)",
]


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: Account.EmailVerificationSent, cur) -> None:
    _queue(cur, event, "verify-email", recipient=event.email,
           params={"email": event.email, "nonce": event.nonce,
                   "expires_at": stamp(event.expires_at)})


@process.register
def _(event: Account.EmailAdded, cur) -> None:
    if event.primary:
        return
    if not event.told:  # an older event: its message went to the primary address
        _queue(cur, event, "email-added", params={"email": event.email})
    for address in event.told:  # every verified address the account had
        _queue(cur, event, "email-added", params={"email": event.email, "ip": event.ip},
               recipient=address, recipient_key=address)


@process.register
def _(event: Account.PrimaryEmailChanged, cur) -> None:
    if event.previous:  # older events named none, and their change was not emailed
        email = cur.execute("SELECT email FROM account_emails WHERE account_id = ?"
                            " AND email_key = ?", (str(event.originator_id),
                                                   event.email_key)).fetchone()
        _queue(cur, event, "primary-email-changed", recipient=event.previous,
               params={"email": email["email"] if email else event.email_key, "ip": event.ip})


@process.register
def _(event: Account.Locked, cur) -> None:
    _queue(cur, event, "account-locked",
           params={"scope": event.scope, "nonce": event.nonce, "ip": event.ip,
                   "expires_at": stamp(event.expires_at)})


@process.register
def _(event: Account.NewDeviceHeld, cur) -> None:
    _queue(cur, event, "new-device",
           params={"nonce": event.nonce, "ip": event.ip, "user_agent": event.user_agent,
                   "method": event.two_factor_method, "expires_at": stamp(event.expires_at)})


@process.register
def _(event: Account.PasswordChanged, cur) -> None:
    _queue(cur, event, "password-changed", params={"ip": event.ip})


@process.register
def _(event: Account.Frozen, cur) -> None:
    _queue(cur, event, "account-frozen", params={"reason": event.reason})


@process.register
def _(event: Account.Unfrozen, cur) -> None:
    _queue(cur, event, "account-unfrozen", params={"reason": event.reason})


@process.register
def _(event: Account.RecoveryCaseOpened, cur) -> None:
    for address in event.told:  # every verified address, each with the cancel link
        _queue(cur, event, "recovery-case-opened", recipient=address, recipient_key=address,
               params={"reason": event.reason, "ticket": event.ticket, "nonce": event.nonce,
                       "completes_at": stamp(event.completes_at)})


@process.register
def _(event: Account.RecoveryCaseCancelled, cur) -> None:
    for address in event.told:
        _queue(cur, event, "recovery-case-cancelled", recipient=address, recipient_key=address,
               params={"by": "emailed link" if event.by == "link" else "a logged-in session"})


@process.register
def _(event: Account.RecoveryCaseCompleted, cur) -> None:
    _queue(cur, event, "recovery-case-completed", params={})


@process.register
def _(event: Account.AdminGranted, cur) -> None:
    if event.told:
        _queue(cur, event, "admin-granted", params={})


@process.register
def _(event: Account.AdminRevoked, cur) -> None:
    _queue(cur, event, "admin-revoked", params={})


@process.register
def _(event: Account.PasswordResetRequested, cur) -> None:
    last_login_at, password_changed_at = event.last_login_at, event.password_changed_at
    _queue(cur, event, "password-reset" if event.verified else "password-reset-unverified",
           recipient=event.email,
           params={"email": event.email, "issued_at": stamp(event.timestamp),
                   "markers": [stamp(last_login_at), stamp(password_changed_at)]})


@process.register
def _(event: Account.PasswordReset, cur) -> None:
    _queue(cur, event, "password-reset-done",
           params={"ip": event.ip, "tokens_revoked": event.tokens_revoked})


@process.register
def _(event: TwoFactor.TotpEnabled, cur) -> None:
    _to_owner(cur, event, "two-factor-added", method=TOTP, label=event.label)


@process.register
def _(event: TwoFactor.TotpDisabled, cur) -> None:
    _to_owner(cur, event, "two-factor-removed", method=TOTP, label=event.label)


@process.register
def _(event: TwoFactor.SecurityKeyAdded, cur) -> None:
    _to_owner(cur, event, "two-factor-added", method=WEBAUTHN, label=event.label)


@process.register
def _(event: TwoFactor.SecurityKeyRemoved, cur) -> None:
    _to_owner(cur, event, "two-factor-removed", method=WEBAUTHN, label=event.label)


@process.register
def _(event: TwoFactor.PossibleCloneDetected, cur) -> None:
    _to_owner(cur, event, "possible-clone", label=event.label, ip=event.ip)


@process.register
def _(event: TwoFactor.RecoveryCodesGenerated, cur) -> None:
    _to_owner(cur, event, "recovery-codes-generated", count=len(event.digests))


@process.register
def _(event: TwoFactor.RecoveryCodeUsed, cur) -> None:
    _to_owner(cur, event, "recovery-code-used", remaining=event.remaining, ip=event.ip)


@process.register
def _(event: ApiToken.Issued, cur) -> None:
    _queue(cur, event, "api-token-added", params={"description": event.description,
                                                  "ip": event.ip},
           account_id=event.account_id)


@process.register
def _(event: ApiToken.Revoked, cur) -> None:
    if event.reason != LEAKED:
        return
    token = cur.execute("SELECT account_id, description FROM api_tokens WHERE id = ?",
                        (str(event.originator_id),)).fetchone()
    _queue(cur, event, "api-token-leaked", params={"description": token["description"],
                                                   "url": event.url},
           account_id=token["account_id"])


@process.register
def _(event: Account.PendingPublisherAdded, cur) -> None:
    _queue(cur, event, "pending-publisher-added",
           params={"project": event.project_name, "ip": event.ip,
                   "publisher": describe_publisher(event.publisher),
                   "expires_at": stamp(event.expires_at)})


@process.register
def _(event: Account.PendingPublisherRemoved, cur) -> None:
    _queue(cur, event, "pending-publisher-removed",
           params={"project": event.project_name, "ip": event.ip,
                   "publisher": describe_publisher(event.publisher)})


@process.register
def _(event: Account.PendingPublisherUsed, cur) -> None:
    _queue(cur, event, "pending-publisher-used",
           params={"project": event.project_name, "ip": event.ip,
                   "publisher": describe_publisher(event.publisher)})


@process.register
def _(event: ApiToken.ExpiryReminded, cur) -> None:
    token = cur.execute("SELECT account_id, description FROM api_tokens WHERE id = ?",
                        (str(event.originator_id),)).fetchone()
    _queue(cur, event, "api-token-expiring", params={"description": token["description"],
                                                     "expires_at": stamp(event.expires_at)},
           account_id=token["account_id"])


def _to_owners_and_member(template: str):
    """A role given, changed or removed, or an invitation revoked: to the person and to every
    Owner of the project."""
    def queue(event, cur) -> None:
        if not event.owners:  # an older event: its change was not emailed
            return
        _to_project_people(cur, event, template, [str(event.account_id), *event.owners],
                           username=event.username, role=getattr(event, "role", None))
    return queue


process.register(Project.RoleGranted, _to_owners_and_member("role-granted"))
process.register(Project.InvitationRevoked, _to_owners_and_member("invitation-revoked"))
process.register(Project.RoleChanged, _to_owners_and_member("role-changed"))
process.register(Project.RoleRemoved, _to_owners_and_member("role-removed"))


@process.register
def _(event: Project.RoleInvited, cur) -> None:
    """The invitee gets the link (made from the nonce at delivery); every Owner is told."""
    details = {"username": event.username, "role": event.role}
    _to_project_people(cur, event, "role-invitation", [str(event.account_id)], **details,
                       project_id=str(event.originator_id), nonce=event.nonce,
                       expires_at=stamp(event.expires_at))
    _to_project_people(cur, event, "role-invited", event.owners, **details)


@process.register
def _(event: Project.InvitationDeclined, cur) -> None:
    _to_project_people(cur, event, "invitation-declined", event.owners,
                       username=event.username, role=event.role)


def _to_collaborators(template: str):
    """A message about a release or file taken down, to each collaborator the event names."""
    def queue(event, cur) -> None:
        _to_project_people(cur, event, template, event.collaborators, version=event.version,
                           filename=getattr(event, "filename", None), reason=event.reason)
    return queue


process.register(Project.ReleaseYanked, _to_collaborators("release-yanked"))
process.register(Project.ReleaseUnyanked, _to_collaborators("release-unyanked"))
process.register(Project.ReleaseRemoved, _to_collaborators("release-removed"))
process.register(Project.FileRemoved, _to_collaborators("file-removed"))


def _to_owners(template: str):
    """A message about a trusted publisher added or removed, to each Owner the event names."""
    def queue(event, cur) -> None:
        _to_project_people(cur, event, template, event.owners,
                           publisher=describe_publisher(event.publisher))
    return queue


def _to_project_people(cur, event, template: str, account_ids, **params) -> None:
    """One message each to these accounts about a change of the event's project."""
    project = cur.execute("SELECT name FROM projects WHERE id = ?",
                          (str(event.originator_id),)).fetchone()
    params = {"project": project["name"], "ip": event.ip, **params}
    for account_id in dict.fromkeys(account_ids):
        _queue(cur, event, template, params=params, account_id=account_id,
               recipient_key=account_id)


process.register(Project.PublisherAdded, _to_owners("publisher-added"))
process.register(Project.PublisherRemoved, _to_owners("publisher-removed"))


@process.register
def _(event: Containment.Applied, cur) -> None:
    params = {"kind": event.credential_kind, "credential_id": str(event.credential_id),
              "since": stamp(event.since), "reason": event.reason, "steps": event.steps,
              "by": event.by, "project": event.project, "ip": event.ip,
              "account_id": event.account_id and str(event.account_id)}
    for account_id in event.told:  # older containments: none
        _queue(cur, event, "containment-applied", params=params, account_id=account_id,
               recipient_key=account_id)


@process.register
def _(event: Project.TrustedPublishingOnlyChanged, cur) -> None:
    _to_project_people(cur, event, "trusted-publishing-only-on" if event.enabled
                       else "trusted-publishing-only-off", event.owners)


@process.register
def _(event: Project.UnusualPublisherNoticed, cur) -> None:
    publisher = event.publisher
    came = "an API token" if publisher is None else (
        f"a trusted publisher's run ({publisher['run'].get('workflow_ref', '?')},"
        f" run {publisher['run'].get('run_id', '?')})")
    _to_project_people(cur, event, "unusual-publisher", event.owners, version=event.version,
                       came=came)


def _to_owner(cur, event, template: str, **params) -> None:
    """A message about a TwoFactor aggregate's change, to the account that owns it."""
    _queue(cur, event, template, params=params, account_id=account_of(cur, event.originator_id))


def _queue(cur, event, template: str, *, params: dict, recipient: str | None = None,
           account_id=None, recipient_key: str = "") -> None:
    """One message an event calls for; an event that writes to several people gives each a
    `recipient_key` of their own (an id made without one is kept as it always was)."""
    message_id = uuid5(NAMESPACE_OID, f"{event.originator_id}/{event.originator_version}"
                       + (f"/{recipient_key}" if recipient_key else ""))
    cur.execute("INSERT INTO outbox (id, account_id, recipient, template, params, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (str(message_id), str(account_id or event.originator_id), recipient, template,
                 json.dumps(params), stamp(event.timestamp)))


VIEW = View("outbox", SCHEMA, ["outbox"], process)


class Outbox:
    def __init__(self, db: Database):
        self._db = db

    def pending(self, limit: int = 100) -> list[dict]:
        """Unsent messages, with the recipient resolved (the primary email when none is set)."""
        with self._db.transaction() as cur:
            rows = cur.execute(
                "SELECT o.id, o.account_id, o.template, o.params, o.created_at, a.username,"
                " COALESCE(o.recipient, e.email) AS recipient FROM outbox o"
                " JOIN accounts a ON a.id = o.account_id"
                " LEFT JOIN account_emails e ON e.account_id = o.account_id AND e.is_primary = 1"
                " WHERE NOT EXISTS (SELECT 1 FROM outbox_sent s WHERE s.id = o.id)"
                " ORDER BY o.created_at, o.id LIMIT ?", (limit,)).fetchall()
        for row in rows:
            row["params"] = json.loads(row["params"])
        return rows

    def mark_sent(self, message_id: str, now) -> bool:
        """Claim a message as sent; False when another deliverer already did."""
        with self._db.transaction() as cur:
            cur.execute("INSERT INTO outbox_sent (id, sent_at) VALUES (?, ?)"
                        " ON CONFLICT (id) DO NOTHING", (message_id, stamp(now)))
            return cur.rowcount == 1
