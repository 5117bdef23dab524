"""The fixed set of status messages a redirect may ask for (`?done=key`): no user data in URLs."""

import falcon

DONE = {
    "registered": "Your account was created. We sent you an email with a link to verify your"
                  " address.",
    "email-verified": "Your email address is verified.",
    "reset-requested": "If that is an account's username or address, we sent it an email:"
                       " a link to choose a new password, or how to verify the address first.",
    "password-reset": "Your password was reset and every session was ended. Log in with the"
                      " new password (and your second factor).",
    "verification-sent": "We sent a new verification link; the one sent before no longer"
                         " works.",
    "logged-out": "You have logged out.",
    "recovery-code-used": "You logged in with a recovery code, so it no longer works.",
    "unlocked": "Your account is unlocked: log-ins from new addresses work again. If the failed"
                " log-ins were not you, someone may know or be guessing your password: change"
                " it.",
    "password-confirmed": "Password confirmed: you can make sensitive changes for the next 30"
                          " minutes.",
    "password-changed": "Your password was changed. Every other session was ended.",
    "email-added": "Email address added. We sent it a link to verify it.",
    "email-primary": "Your primary email address was changed.",
    "email-removed": "The email address was removed.",
    "recovery-cancelled": "The recovery case was cancelled; nothing was changed. Tell the"
                          " administrators if you did not ask for it.",
    "totp-enabled": "Your authenticator app is set up.",
    "totp-removed": "Your authenticator app was removed. Every other session was ended.",
    "session-ended": "The session was ended.",
    "token-revoked": "The API token was revoked: it no longer works.",
    "security-key-added": "Your security key was added.",
    "security-key-renamed": "Your security key was renamed.",
    "security-key-removed": "Your security key was removed. Every other session was ended.",
    "password-confirmed-here": "Password confirmed: for the next 30 minutes you can yank and"
                               " remove releases.",
    "release-yanked": "The release was yanked: installers skip it unless it is pinned. Every"
                      " collaborator was emailed.",
    "release-unyanked": "The release was un-yanked. Every collaborator was emailed.",
    "release-removed": "The release and its files were removed. Every collaborator was"
                       " emailed.",
    "file-removed": "The file was removed. Every collaborator was emailed.",
}


def status_message(req: falcon.Request) -> str | None:
    return DONE.get(req.get_param("done") or "")


def done(path: str, key: str) -> str:
    DONE[key]  # KeyError unless a fixed message: a redirect never carries user data
    return f"{path}?done={key}"
