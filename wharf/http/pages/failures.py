"""What a page shows when a command says no: the message, the field it concerns, the status.

The status comes from the JSON API's table (wharf.http.errors.STATUS), so both agree.
"""

from dataclasses import dataclass, field

import falcon
from marshmallow import ValidationError

from wharf.domain import errors
from wharf.http.errors import STATUS
from wharf.http.pages.wording import said, sentence

LABELS = {
    "username": "Username", "email": "Email address", "password": "Password",
    "current_password": "Current password", "new_password": "New password",
    "code": "Code", "label": "Name for this app", "token": "Verification link",
    "ticket": "Log-in ticket", "session_id": "Session", "description": "Description",
    "projects": "Projects", "expires_in_days": "Expires after (days)", "scope": "Scope",
    "token_id": "Token",
}
FAILURES = (errors.DomainError, ValidationError)
# A change refused for want of a confirmed password points at the settings page's form for it.
CONFIRM_PASSWORD = {errors.ReauthenticationRequired: "password"}


@dataclass(frozen=True)
class FieldError:
    field: str | None  # the id of the control it concerns, if any
    label: str | None
    message: str


@dataclass(frozen=True)
class Failure:
    status: str
    errors: list[FieldError] = field(default_factory=list)
    retry_after: int | None = None
    reauthenticate: bool = False  # the sudo window must be (re)opened first

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


def failure_of(error: Exception, fields: dict | None = None, ids: dict | None = None) -> Failure:
    """`fields` names the form field a kind of domain error concerns; `ids` maps a field name
    to its control's id where the page has more than one control of that name."""
    ids = ids or {}
    if isinstance(error, ValidationError):
        messages = error.messages if isinstance(error.messages, dict) else {None: error.messages}
        return Failure(falcon.HTTP_400, [
            _field_error(name, sentence(" ".join(map(str, text))), ids)
            for name, text in messages.items()])
    fields = {**CONFIRM_PASSWORD, **(fields or {})}
    name = next((f for kind, f in fields.items() if isinstance(error, kind)), None)
    return Failure(status_for(error), [_field_error(name, said(error, error.detail), ids)],
                   retry_after=_retry_after(error),
                   reauthenticate=isinstance(error, errors.ReauthenticationRequired))


def status_for(error: errors.DomainError) -> str:
    return next(status for kind, status in STATUS if isinstance(error, kind))


def _retry_after(error: errors.DomainError) -> int | None:
    if isinstance(error, errors.RateLimited):
        return error.retry_after
    return 5 if isinstance(error, errors.Unavailable) else None


def _field_error(name: str | None, message: str, ids: dict) -> FieldError:
    if name is None or name not in LABELS:
        return FieldError(None, None, message)
    return FieldError(ids.get(name, name), LABELS[name], message)
