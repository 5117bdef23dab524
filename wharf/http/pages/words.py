"""How stored values read on a page: times, and a history entry's internal values (`totp`,
`invalid_totp`, `two_factor_change`) in public words, with the details a person is shown.

The audit log, its API and its exports keep the stored values; only the pages translate. A
detail left out here (ids a person cannot use) is still in the exports.
"""

import re
from datetime import datetime

from wharf.domain.security_keys import WEBAUTHN
from wharf.domain.two_factor import RECOVERY_CODE, TOTP
from wharf.projections.audit_names import NAMES
from wharf.projections.database import unstamp

METHODS = {TOTP: "authenticator app", WEBAUTHN: "security key",
           RECOVERY_CODE: "recovery code"}
REASONS = {
    # a failed log-in
    "password": "wrong password", "unknown_username": "no such username",
    "rate_limited": "too many attempts", "invalid_totp": "wrong authenticator app code",
    "out_of_sync": "authenticator app code from the wrong time",
    "totp_replayed": "authenticator app code used twice",
    "invalid_recovery_code": "wrong recovery code",
    "burned_recovery_code": "recovery code already used",
    "invalid_security_key": "security key refused",
    "possible_clone": "security key's counter went backwards (a copied key?)",
    "backup_eligibility_changed": "security key's backup state changed",
    "registration_refused": "the new key's answer was refused",
    "new_device_elsewhere": "a new device's emailed link opened from another address",
    # an ended session
    "logout": "logged out", "revoked": "ended from another session",
    "two_factor_change": "two-factor settings changed",
    # a revoked API token
    "user": "revoked by its owner", "self": "revoked with itself",
    "role_lost": "its owner lost a role", "leaked": "found in public",
    "password_reset": "its owner reset a forgotten password",
}
CEREMONIES = {"register": "adding a key", "login": "logging in"}
DETAILS = {  # a detail's key -> its name on the page, in the order shown
    "reason": "Reason", "method": "Method", "label": "Name", "methods": "Methods offered",
    "email": "Email address", "primary": "Primary", "username": "Username", "role": "Role",
    "name": "Project", "description": "Description", "projects": "Projects",
    "not_before": "Valid from", "expires_at": "Expires", "url": "Found at",
    "count": "Codes", "remaining": "Codes left", "replaced": "Replaced an app",
    "sessions_ended": "Other sessions ended", "ceremony": "While",
    "stored_sign_count": "Counter known", "presented_sign_count": "Counter presented",
    "version": "Version", "filename": "File", "packagetype": "Kind", "size": "Size (bytes)",
    "sha256": "SHA-256", "verified": "Address verified", "resent": "Sent again",
    "tokens_revoked": "API tokens revoked", "known": "An account by that name",
}
VALUES = {  # how a detail's value reads, where not as it is
    "reason": lambda value: REASONS.get(value, str(value).replace("_", " ")),
    "method": lambda value: METHODS.get(value, value),
    "methods": lambda value: ", ".join(METHODS.get(m, m) for m in value),
    "ceremony": lambda value: CEREMONIES.get(value, value),
    "projects": lambda value: "whole account" if value is None else ", ".join(value),
    "not_before": lambda value: when(value) if value else "at once",
    "expires_at": lambda value: when(value) if value else "never",
}
IDENTIFIERS = ("sha256",)  # long values without words: they may break anywhere


def when(moment: datetime | str | None) -> str:
    """A stored time as people read it: 2026-06-01 12:00 UTC."""
    if isinstance(moment, str):
        moment = unstamp(moment)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def wait(seconds: int) -> str:
    """A wait as a person reads it: "about 24 hours", "3 minutes", "40 seconds"."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            count = round(seconds / size)
            return f"about {count} {unit}s" if seconds % size else f"{count} {unit}s"
    return f"{seconds} second" + ("" if seconds == 1 else "s")


def happened(name: str) -> str:
    """What an entry's public name says happened, as a sentence's start: the catalogue's
    description without its note in brackets (the entry's own columns say it)."""
    text = re.sub(r" \([^)]*\)$", "", NAMES[name])
    return text[:1].upper() + text[1:]


def second_factor(entry: dict) -> str | None:
    """The second factor an entry was made with, in words: authenticator app "Phone"."""
    method = entry.get("two_factor_method")
    if not method:
        return None
    label = (entry.get("details") or {}).get("two_factor_label")
    name = METHODS.get(method, method)
    return f"{name} \u201c{label}\u201d" if label else name


def details(entry: dict) -> list[tuple[str, str, bool]]:
    """(name, value, is an identifier) for each detail a person is shown, in DETAILS order."""
    given = entry.get("details") or {}
    return [(name, _value(key, given[key]), key in IDENTIFIERS)
            for key, name in DETAILS.items() if key in given]


def _value(key: str, value) -> str:
    if key in VALUES:
        return VALUES[key](value)
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
