"""Typed domain errors. Each carries a stable machine code; HTTP maps them in one place."""


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class InvalidInput(DomainError):
    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class UsernameTaken(Conflict):
    code = "username_taken"


class EmailTaken(Conflict):
    code = "email_taken"


class ProjectNameTaken(Conflict):
    code = "project_name_taken"


class Forbidden(DomainError):
    code = "forbidden"


class InvalidCredentials(DomainError):
    code = "invalid_credentials"


class WrongPassword(Forbidden):
    code = "wrong_password"


class ReauthenticationRequired(Forbidden):
    code = "reauthentication_required"


class FreshPasswordRequired(ReauthenticationRequired):
    """The sudo window is open, but this change wants a more recent confirmation."""


class WeakPassword(InvalidInput):
    code = "weak_password"


class InvalidToken(InvalidInput):
    code = "invalid_token"


class TicketRefused(InvalidToken):
    """A log-in ticket that is unknown, used or expired: log in again."""


class TotpNotStarted(InvalidInput):
    """A code to confirm, but no TOTP enrolment waiting for it."""


class TotpNotEnabled(NotFound):
    pass


class AccountLocked(Forbidden):
    code = "account_locked"


class DeviceElsewhere(Forbidden):
    """A new device's confirmation link, followed from another address than the log-in's."""
    code = "new_device_elsewhere"


class AccountFrozen(Forbidden):
    """The administrators froze the account: no log-in, session or API token of it works."""
    code = "account_frozen"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


class SecondFactorFailed(DomainError):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.code = reason


class Unavailable(DomainError):
    """Nothing was decided; the client may try again shortly (503)."""
    code = "service_unavailable"


class LimiterUnavailable(Unavailable):
    code = "service_unavailable"


class SwitchedOff(Unavailable):
    """An administrator's switch refuses this for now (read-only, uploads off, ...)."""
    code = "switched_off"


class ViewsStuck(Unavailable):
    """The views cannot apply an event already in the log; an operator must quarantine it."""
    code = "views_stuck"

    def __init__(self, position: int):
        super().__init__("the service cannot record changes right now; try again later")
        self.position = position


class Unrecordable(InvalidInput):
    """A view cannot hold a value of this request's events: nothing was recorded."""
    code = "unrecordable"


class LastOwner(Conflict):
    code = "last_owner"


class FileRefused(InvalidInput):
    """An upload the project's releases cannot take; told to the uploader as an upload refusal
    (twine prints the reason phrase)."""
    code = "invalid_upload"
