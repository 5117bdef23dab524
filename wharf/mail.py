"""Rendering and delivering the outbox's messages: .eml files by default, SMTP when configured."""

import logging
import os
import smtplib
import tempfile
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit
from uuid import UUID

from wharf.projections.database import unstamp
from wharf.projections.outbox import Outbox
from wharf.security.tokens import (
    ACCOUNT_UNLOCK,
    EMAIL_VERIFICATION,
    NEW_DEVICE,
    RECOVERY_CANCEL,
    ROLE_INVITATION,
    ResetTokens,
    VerificationTokens,
)
from wharf.settings import Settings

log = logging.getLogger("wharf.mail")

SUBJECTS = {
    "verify-email": "Verify your email address",
    "password-reset": "Reset your password",
    "password-reset-unverified": "Password reset: verify your email address first",
    "password-reset-done": "Your password was reset",
    "email-added": "A new email address was added to your account",
    "password-changed": "Your password was changed",
    "two-factor-added": "A two-factor method was added to your account",
    "two-factor-removed": "A two-factor method was removed from your account",
    "recovery-codes-generated": "New recovery codes were generated",
    "recovery-code-used": "A recovery code was used",
    "possible-clone": "A log-in with a possibly cloned security key was refused",
    "api-token-added": "A new API token was created",
    "api-token-leaked": "One of your API tokens was found in public and revoked",
    "api-token-expiring": "One of your API tokens expires in 3 days",
    "account-locked": "Your account was locked after too many failed log-ins",
    "new-device": "Confirm a log-in from a new device",
    "release-yanked": "A release of a project of yours was yanked",
    "release-unyanked": "A release of a project of yours was un-yanked",
    "release-removed": "A release of a project of yours was removed",
    "file-removed": "A file of a project of yours was removed",
    "primary-email-changed": "Your account's primary email address was changed",
    "role-granted": "A role on a project was given",
    "role-changed": "A role on a project was changed",
    "role-removed": "A role on a project was removed",
    "role-invitation": "You are invited to a role on a project",
    "role-invited": "Someone was invited to a role on a project",
    "invitation-declined": "An invitation to a role on a project was declined",
    "invitation-revoked": "An invitation to a role on a project was revoked",
    "publisher-added": "A trusted publisher was added to a project of yours",
    "publisher-removed": "A trusted publisher was removed from a project of yours",
    "trusted-publishing-only-on": "A project of yours now takes trusted publishers' uploads only",
    "trusted-publishing-only-off": "A project of yours takes API-token uploads again",
    "unusual-publisher": "A release of a project of yours came an unusual way",
    "pending-publisher-added": "A pending trusted publisher was registered by your account",
    "pending-publisher-removed": "A pending trusted publisher of yours was removed",
    "pending-publisher-used": "Your pending trusted publisher created a project",
    "account-frozen": "Your account was frozen by the administrators",
    "account-unfrozen": "Your account was unfrozen by the administrators",
    "admin-granted": "Your account was made an administrator",
    "admin-revoked": "Your account's administrator rights were revoked",
    "recovery-case-opened": "A recovery case was opened for your account",
    "recovery-case-cancelled": "The recovery case of your account was cancelled",
    "recovery-case-completed": "The recovery case of your account completed",
    "containment-applied": "A stolen credential was contained: what it did was undone",
}
TEMPLATES = {
    "email-added": "The address {email} was added to your account.\n",
    "primary-email-changed": "The primary email address of your account is now {email} (changed"
                             " from {ip}); this address no longer receives its messages.\n",
    "password-changed": "Your password was changed from {ip}. Every other session was ended.\n",
    "password-reset-unverified": "Someone asked to reset the password of your account with the"
                                 " address {email}. That address is not verified, so no reset"
                                 " link can be sent to it: verify it first (log in and send a"
                                 " new verification link from your account page), or ask for the"
                                 " reset with a verified address.\n",
    "two-factor-added": "Two-factor method {method} ({label}) was added to your account.\n",
    "two-factor-removed": "Two-factor method {method} ({label}) was removed from your account."
                          " Every other session was ended.\n",
    "recovery-codes-generated": "{count} new recovery codes were generated; any older ones no"
                                " longer work.\n",
    "api-token-added": "An API token described \"{description}\" was created from {ip}.\n",
    "api-token-leaked": "Your API token described \"{description}\" was found in public at\n\n"
                        "  {url}\n\nso it was revoked: it no longer works. Create a new one"
                        " and keep it secret (for example in your CI's secret store).\n",
    "pending-publisher-added": "The pending trusted publisher {publisher} was registered for the"
                               " new project name {project} from {ip}: until {expires_at}, its"
                               " first run creates {project} with you as Owner.\n",
    "pending-publisher-removed": "The pending trusted publisher {publisher} for the project name"
                                 " {project} was removed from {ip}.\n",
    "pending-publisher-used": "A run of {publisher} (from {ip}) created the project {project}"
                              " with you as Owner; it is now that project's trusted"
                              " publisher.\n",
    "admin-granted": "Your account was made an administrator of the site.\n",
    "admin-revoked": "Your account is no longer an administrator of the site.\n",
    "possible-clone": "A log-in from {ip} with your security key {label} was refused: the key's"
                      " signature counter went backwards, which suggests someone copied it."
                      " Remove that key from your account and register a new one.\n",
}
# To the project's people (collaborators; for roles, the person and the Owners), whoever acted.
PROJECT_NOTICES = {
    "release-yanked": "Release {version} of {project} was yanked from {ip}: installers now skip"
                      " it unless it is pinned. The reason given: {reason}\n",
    "release-unyanked": "Release {version} of {project} was un-yanked from {ip}: installers"
                        " choose it again. The reason given: {reason}\n",
    "release-removed": "Release {version} of {project} and its files were removed from {ip},"
                       " for good; their file names can never be used again. The reason"
                       " given: {reason}\n",
    "file-removed": "The file {filename} of release {version} of {project} was removed from"
                    " {ip}, for good; its name can never be used again. The reason given:"
                    " {reason}\n",
    "role-granted": "{username} was made {role} of {project} (from {ip}).\n",
    "role-changed": "{username} is now {role} of {project} (changed from {ip}).\n",
    "role-removed": "{username} no longer has a role on {project} (removed from {ip}).\n",
    "role-invited": "{username} was invited to be {role} of {project} (from {ip}); they hold"
                    " no role until they accept.\n",
    "invitation-declined": "{username} declined the invitation to be {role} of {project}.\n",
    "invitation-revoked": "The invitation of {username} to be {role} of {project} was revoked"
                          " (from {ip}).\n",
}
# To every Owner of the project, whoever acted.
PROJECT_NOTICES.update({
    "publisher-added": "The trusted publisher {publisher} was added to {project} from {ip}: its"
                       " runs can now upload to {project} with no other credential.\n",
    "publisher-removed": "The trusted publisher {publisher} was removed from {project} from"
                         " {ip}: its runs can no longer upload to {project}.\n",
    "trusted-publishing-only-on": "Trusted publishing only was turned on for {project} from {ip}:"
                                  " API tokens can no longer upload to it, only its trusted"
                                  " publishers' runs.\n",
    "trusted-publishing-only-off": "Trusted publishing only was turned off for {project} from"
                                   " {ip}: API tokens of its Owners and Maintainers can upload"
                                   " to it again.\n",
    "unusual-publisher": "Release {version} of {project} was uploaded by {came} from {ip}, while"
                         " its recent releases came through its trusted publishers' runs. If"
                         " that was meant, nothing is to be done; if not, yank the release,"
                         " revoke the token or remove the publisher that made it.\n",
})
# From the administrators: no "if this was not you", they are the ones to contact.
FROM_ADMINS = {
    "account-frozen": "The administrators froze your account. While it is frozen you cannot log"
                      " in, every session of it was ended, and its API tokens are refused (they"
                      " are not revoked: they work again once it is unfrozen), so nothing can be"
                      " uploaded with them. The reason given: {reason}\n\nContact the"
                      " administrators about it.\n",
    "account-unfrozen": "The administrators unfroze your account: you can log in again and its"
                        " API tokens work again. The reason given: {reason}\n",
    "recovery-case-cancelled": "The recovery case of your account was cancelled (with the"
                               " {by}). Nothing was changed.\n",
    "recovery-case-completed": "The recovery case of your account completed: its second factors"
                               " and recovery codes were removed, its password no longer works"
                               " and every session was ended. A password reset link follows in"
                               " a separate message; after the reset, set up a second factor"
                               " again at once.\n",
}
# Reminders of what is due: nothing happened that someone else could have done.
REMINDERS = {
    "api-token-expiring": "Your API token described \"{description}\" expires at {expires_at}."
                          " Whatever uploads with it (a CI job, say) will then be refused:"
                          " create a new token and put it in its place before then.\n",
}
RECOVERY_OPENED = (
    "The administrators opened a recovery case for your account, because someone told them it"
    " lost every second factor. The reason given: {reason} (ticket {ticket}).\n\n"
    "On {completes_at}, unless it is cancelled, your second factors and recovery codes will be"
    " removed, your password disabled, and a password reset link sent to your primary verified"
    " address.\n\nIf you did NOT ask for this, someone may be trying to take over your account:"
    " cancel the case now by opening\n\n  {origin}/account/recovery/cancel?token={token}\n\n"
    "or by sending the token to POST /api/account/recovery/cancel:\n\n  {token}\n\n"
    "and tell the administrators. You can also cancel it from your account page.\n")
# A containment (wharf/domain/containment.py): the credential, who applied it, each step.
CONTAINED_KINDS = {"session": "A log-in session", "api_token": "An API token",
                   "publisher_token": "A trusted publisher's upload token"}
CONTAINED_BY = {"account": "by the account it belongs to", "admin": "by the administrators",
                "owner": "by an Owner of {project}"}
CONTAINED_STEPS = {
    "end_session": "the session was ended",
    "revoke_token": "API token {token_id} was revoked",
    "burn_token": "the trusted publisher's token was thrown away",
    "yank_release": "release {version} of {project} was yanked",
    "restore_role": "{username} was given back the role {role} on {project}",
    "remove_role": "{username} no longer has the role {role} on {project}",
    "revoke_invitation": "the invitation of {username} to be {role} of {project} was revoked",
}
METHOD_NAMES = {"totp": "a code from your authenticator app", "recovery-code": "a recovery code"}
PROJECT_UNEXPECTED = "If no Owner of {project} meant this, tell the administrators now.\n"
UNEXPECTED = "If this was not you, change your password now and contact the administrators.\n"


LOCKED = {
    "new_addresses": "Your account was locked to new addresses after 100 failed log-ins in a"
                     " row; the last came from {ip}. Someone may be guessing your password."
                     "\n\nLog-ins from addresses you have logged in from before still work."
                     " To unlock the account from anywhere, open\n\n"
                     "  {origin}/account/unlock?token={token}\n\nand enter your password and"
                     " then your second factor (if you have set one up), or send the token and"
                     " your password to"
                     " POST /api/session/unlock:\n\n  {token}\n\nThe link works once and"
                     " expires at {expires_at}. Without your password and second factor it"
                     " unlocks nothing.\n",
    "all_addresses": "Your account was locked from every address after 100 failed log-ins in a"
                     " row from addresses it had logged in from before (or with its unlock"
                     " link); the last came from {ip}. Ask the administrators to unlock it, and"
                     " change your password once you are back in.\n",
}


class Renderer:
    def __init__(self, settings: Settings):
        self._settings = settings
        keys = settings.secret_key, settings.previous_secret_keys
        self._tokens = VerificationTokens(*keys, EMAIL_VERIFICATION)
        self._reset_tokens = ResetTokens(*keys)
        self._unlock_tokens = VerificationTokens(*keys, ACCOUNT_UNLOCK)
        self._recovery_tokens = VerificationTokens(*keys, RECOVERY_CANCEL)
        self._invitation_tokens = VerificationTokens(*keys, ROLE_INVITATION)
        self._device_tokens = VerificationTokens(*keys, NEW_DEVICE)

    def render(self, message: dict) -> EmailMessage:
        params, name = message["params"], message["username"]
        body = f"Hello {name},\n\n" + self._body(message["template"], message, params)
        email = EmailMessage()
        email["Subject"] = f"[{self._settings.site_name}] {SUBJECTS[message['template']]}"
        email["From"] = self._settings.mail_from
        email["To"] = message["recipient"]
        # RFC 5322: both are required. Each is the message's own (the moment the event asked
        # for it, its id), so a message sent again after a crash is the same message.
        email["Date"] = format_datetime(unstamp(message["created_at"]))
        email["Message-ID"] = f"<{message['id']}@wharf>"
        email.set_content(body, cte="8bit")
        return email

    def _body(self, template: str, message: dict, params: dict) -> str:
        if template == "verify-email":
            token = self._tokens.issue(UUID(message["account_id"]), params["nonce"])
            return (f"Confirm that {params['email']} is yours by opening\n\n"
                    f"  {self._settings.origin}/account/verify-email?token={token}\n\n"
                    f"or by sending this token to POST /api/account/emails/verify:\n\n"
                    f"  {token}\n\nThe link works once and expires at {params['expires_at']}.\n")
        if template == "password-reset":
            return self._reset_link(message, params)
        if template == "role-invitation":
            return self._invitation_link(params)
        if template == "new-device":
            return self._device_link(message, params)
        if template == "password-reset-done":
            revoked = params["tokens_revoked"]
            return (f"Your password was reset from {params['ip']} with an emailed link. Every"
                    f" session was ended"
                    + (f" and {revoked} API tokens were revoked" if revoked else "")
                    + ". Your second factor is still asked when you log in.\n" + UNEXPECTED)
        if template == "account-locked":
            token = (self._unlock_tokens.issue(UUID(message["account_id"]), params["nonce"])
                     if params["nonce"] else None)
            return LOCKED[params["scope"]].format(origin=self._settings.origin, token=token,
                                                  ip=params["ip"],
                                                  expires_at=params["expires_at"])
        if template == "recovery-code-used":
            left = params["remaining"]
            warning = ("You have NO recovery codes left: generate a new set now.\n" if left == 0
                       else f"You have {left} recovery codes left.\n")
            return (f"A recovery code was used to log in to your account from {params['ip']}.\n"
                    + warning + UNEXPECTED)
        if template == "recovery-case-opened":
            token = self._recovery_tokens.issue(UUID(message["account_id"]), params["nonce"])
            return RECOVERY_OPENED.format(origin=self._settings.origin, token=token, **{
                key: params[key] for key in ("reason", "ticket", "completes_at")})
        if template == "containment-applied":
            return _containment(params, message["account_id"])
        if template in FROM_ADMINS:
            return FROM_ADMINS[template].format(**params)
        if template in REMINDERS:
            return REMINDERS[template].format(**params)
        if template in PROJECT_NOTICES:
            return (PROJECT_NOTICES[template] + PROJECT_UNEXPECTED).format(**params)
        return TEMPLATES[template].format(**params) + UNEXPECTED

    def _invitation_link(self, params: dict) -> str:
        token = self._invitation_tokens.issue(UUID(params["project_id"]), params["nonce"])
        return (f"You were invited (from {params['ip']}) to be {params['role']} of"
                f" {params['project']}. You hold no role on it until you accept. Answer by"
                f" opening\n\n  {self._settings.origin}/account/invitation?token={token}\n\n"
                f"while logged in, or from your account page, or by sending this token to"
                f" POST /api/account/invitations/accept (or .../decline):\n\n  {token}\n\n"
                f"The invitation expires at {params['expires_at']}. If you do not know this"
                f" project, decline it or simply ignore this email.\n")

    def _reset_link(self, message: dict, params: dict) -> str:
        token = self._reset_tokens.issue(UUID(message["account_id"]),
                                         unstamp(params["issued_at"]),
                                         [unstamp(m) for m in params["markers"]])
        return (f"Someone, hopefully you, asked to reset the password of your account.\n"
                f"Choose a new one by opening\n\n"
                f"  {self._settings.origin}/account/password-reset?token={token}\n\n"
                f"or by sending this token to POST /api/password-reset/complete:\n\n"
                f"  {token}\n\nThe link works once, for 6 hours, and stops working as soon as"
                f" you log in or change your password. If you did not ask, ignore this email:"
                f" your password stays as it is.\n")


    def _device_link(self, message: dict, params: dict) -> str:
        token = self._device_tokens.issue(UUID(message["account_id"]), params["nonce"])
        return (f"Your password and {METHOD_NAMES.get(params['method'], 'a second factor')}"
                f" were just used to log in to your account from a new device: {params['ip']}"
                f" ({params['user_agent']}). No session was opened. If this was you, confirm by"
                f" opening this link on that same device and network:\n\n"
                f"  {self._settings.origin}/login/confirm-device?token={token}\n\n"
                f"or by sending this token to POST /api/session/device from there:\n\n"
                f"  {token}\n\nThe link works once, until {params['expires_at']}, and only"
                f" from the address that logged in.\n\nIf this was not you, do not open the"
                f" link: someone knows your password and got a second factor code from you."
                f" Change your password now.\n")


def _containment(params: dict, recipient_id: str) -> str:
    """To the credential's account, whoever applied it; to a project's Owners when it kept to
    their project or the credential was its trusted publisher's token."""
    by = CONTAINED_BY[params["by"]].format(project=params["project"])
    steps = "".join(f"  - {CONTAINED_STEPS[step['action']].format(**step)}\n"
                    for step in params["steps"])
    if params["by"] == "admin":
        after = "Contact the administrators about it.\n"
    elif params["by"] == "owner" or recipient_id != params["account_id"]:
        after = PROJECT_UNEXPECTED.format(project=params["project"] or "the project")
    else:
        after = UNEXPECTED
    return (f"{CONTAINED_KINDS[params['kind']]} ({params['credential_id']}) was contained {by}"
            f" (from {params['ip']}): what it did since {params['since']} was undone.\n\n"
            f"{steps}\nThe reason given: {params['reason']}\n\n{after}")


class EmlDirectory:
    """Writes each message to DIR/<message id>.eml; rewriting the same message is harmless."""

    def __init__(self, directory: Path):
        self._directory = directory

    def send(self, message_id: str, email: EmailMessage) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(bytes(email))
        os.replace(tmp, self._directory / f"{message_id}.eml")


class Smtp:
    def __init__(self, url: str):
        parts = urlsplit(url)
        self._host, self._port = parts.hostname or "localhost", parts.port or 25
        self._tls = parts.scheme == "smtps"
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None

    def send(self, message_id: str, email: EmailMessage) -> None:
        smtp_class = smtplib.SMTP_SSL if self._tls else smtplib.SMTP
        with smtp_class(self._host, self._port, timeout=30) as smtp:
            if self._user:
                smtp.login(self._user, self._password or "")
            smtp.send_message(email)


def transport_for(settings: Settings):
    return Smtp(settings.smtp_url) if settings.smtp_url else EmlDirectory(settings.outbox_dir)


def deliver_pending(outbox: Outbox, renderer: Renderer, transport, now: datetime,
                    recorded: Callable[[dict], None]) -> int:
    """Send what is waiting: send first, then mark, so a crash can only repeat, never lose;
    then `recorded` (the history's `account:email:sent`), once, by the deliverer that marked it.

    A message the transport cannot take stays pending and is tried again on the next pass.
    """
    sent = 0
    for message in outbox.pending():
        if message["recipient"] is None:
            continue
        try:
            transport.send(message["id"], renderer.render(message))
        except (OSError, smtplib.SMTPException) as error:
            log.warning("could not deliver message %s: %s", message["id"], type(error).__name__)
            continue
        if outbox.mark_sent(message["id"], now):
            recorded(message)
            sent += 1
    return sent
