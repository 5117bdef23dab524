"""Every error leaves as an RFC 9457 problem document with a stable `code`, mapped here once."""

import logging
import sqlite3

import falcon
import psycopg
from eventsourcing import persistence
from marshmallow import ValidationError

from wharf.domain import errors
from wharf.security.api_tokens import TokenRefused
from wharf.security.oidc import IssuerUnavailable, OidcRefused
from wharf.uploads.errors import UploadRefused
from wharf.uploads.storage import DigestMismatch, FileStoreUnavailable, FileTooLarge

log = logging.getLogger("wharf.http")

# The store could not be reached or stopped answering (a restart, a failover, a full pool):
# nothing was decided, so the client may retry. Never a 500, and never "allowed".
STORE_UNAVAILABLE = (psycopg.OperationalError, psycopg.InterfaceError,
                     persistence.OperationalError, persistence.InterfaceError)
RETRY_AFTER = "5"
BODY, QUERY = "the request body", "the query string"  # where a ValidationError was found

STATUS = [  # most specific first
    (errors.RateLimited, falcon.HTTP_429),
    (errors.Unavailable, falcon.HTTP_503),
    (errors.ReauthenticationRequired, falcon.HTTP_403),
    (errors.InvalidCredentials, falcon.HTTP_401),
    (errors.SecondFactorFailed, falcon.HTTP_401),
    (errors.InvalidInput, falcon.HTTP_400),
    (errors.NotFound, falcon.HTTP_404),
    (errors.Conflict, falcon.HTTP_409),
    (errors.Forbidden, falcon.HTTP_403),
]


class Problem(falcon.HTTPError):
    def __init__(self, status: str, code: str, detail: str, *, headers=None, **extra):
        super().__init__(status, title=falcon.code_to_http_status(status)[4:], description=detail,
                         headers=headers)
        self.code = code
        self.extra = extra

    def to_dict(self, obj_type=dict):
        problem = obj_type()
        problem["type"] = f"/api/problems#{self.code}"
        problem["title"] = self.title
        problem["status"] = int(self.status_code)
        problem["detail"] = self.description
        problem["code"] = self.code
        problem.update(self.extra)
        return problem


def _domain_error(req, resp, error: errors.DomainError, params) -> None:
    if isinstance(error, errors.Unavailable) and isinstance(error.__cause__, STORE_UNAVAILABLE):
        _store_unavailable(req, resp, error.__cause__, params)  # a limit unread: the store's
    status = next(s for kind, s in STATUS if isinstance(error, kind))
    headers = None
    if isinstance(error, errors.RateLimited):
        headers = {"Retry-After": str(error.retry_after)}
    elif isinstance(error, errors.SwitchedOff):  # until an admin says: no time to give
        status = f"503 {error.detail}"  # one line of ASCII: twine prints the reason phrase
    elif isinstance(error, errors.Unavailable):
        headers = {"Retry-After": RETRY_AFTER}
    raise Problem(status, error.code, error.detail, headers=headers)


def refused(message: str, code: str = TokenRefused.code) -> Problem:
    """403 for an API token, with the message as the reason phrase too: twine prints that."""
    return Problem(f"403 {message}", code, message)


def _token_refused(req, resp, error: TokenRefused, params) -> None:
    raise refused(str(error), error.code)


def _oidc_refused(req, resp, error: OidcRefused, params) -> None:
    """PyPI's shape for a refused exchange, which uv and the official action print; an issuer
    out of reach decided nothing: 503, try again."""
    if isinstance(error, IssuerUnavailable):
        raise Problem(falcon.HTTP_503, "issuer_unavailable", str(error),
                      headers={"Retry-After": RETRY_AFTER})
    resp.status = falcon.HTTP_422
    resp.media = {"message": "Token request failed",
                  "errors": [{"code": error.code, "description": str(error)}]}


def _upload_refused(req, resp, error, params) -> None:
    """UploadRefused, FileTooLarge, DigestMismatch, FileRefused: the message as reason phrase."""
    status = 413 if isinstance(error, FileTooLarge) else 400
    message = str(UploadRefused(error.detail if isinstance(error, errors.FileRefused)
                                else str(error)))  # one line of printable ASCII
    raise Problem(f"{status} {message}", "invalid_upload", message)


def _file_store_unavailable(req, resp, error: FileStoreUnavailable, params) -> None:
    log.warning("file store unavailable on %s %s: %s", req.method, req.uri_template, error)
    message = "The file store is unavailable; nothing was stored. Try again shortly."
    raise Problem(f"503 {message}", "file_store_unavailable", message,
                  headers={"Retry-After": RETRY_AFTER})


def _validation_error(req, resp, error: ValidationError, params) -> None:
    messages = error.messages if isinstance(error.messages, dict) else {"_": error.messages}
    named = sorted(name for name in messages if not name.startswith("_"))  # not _schema
    detail = f"{error.kwargs.get('where', BODY)} is not valid" + (
        f": {', '.join(named)}" if named else "")
    raise Problem(falcon.HTTP_400, "invalid_request", detail, errors=messages)


def _http_error(req, resp, error: falcon.HTTPError, params) -> None:
    if isinstance(error, Problem):
        raise error
    reason = falcon.code_to_http_status(error.status)[4:]
    code = reason.lower().replace(" ", "_").replace("-", "_")
    raise Problem(error.status, code, error.description or reason, headers=error.headers)


def store_unavailable() -> Problem:
    return Problem(falcon.HTTP_503, "store_unavailable",
                   "the store is unavailable; try again shortly",
                   headers={"Retry-After": RETRY_AFTER})


def _store_unavailable(req, resp, error: Exception, params) -> None:
    log.warning("store unavailable on %s %s: %s", req.method, req.uri_template,
                type(error).__name__)
    raise store_unavailable()


def _unexpected(req, resp, error: Exception, params) -> None:
    if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
        _store_unavailable(req, resp, error, params)
    log.exception("unexpected error on %s %s", req.method, req.uri_template)
    raise Problem(falcon.HTTP_500, "internal_error", "something went wrong on our side")


def serialize_problem(req, resp, problem: falcon.HTTPError) -> None:
    resp.content_type = "application/problem+json"
    resp.media = problem.to_dict()


def install(app: falcon.App) -> None:
    app.add_error_handler(Exception, _unexpected)
    app.add_error_handler(falcon.HTTPError, _http_error)
    app.add_error_handler(ValidationError, _validation_error)
    app.add_error_handler(errors.DomainError, _domain_error)
    app.add_error_handler(TokenRefused, _token_refused)
    app.add_error_handler(OidcRefused, _oidc_refused)
    app.add_error_handler((UploadRefused, FileTooLarge, DigestMismatch, errors.FileRefused),
                          _upload_refused)
    app.add_error_handler(FileStoreUnavailable, _file_store_unavailable)
    app.add_error_handler(STORE_UNAVAILABLE, _store_unavailable)
    app.set_error_serializer(serialize_problem)
