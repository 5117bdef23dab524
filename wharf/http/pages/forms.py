"""HTML form bodies: urlencoded only, bounded, parsed by the standard library; Origin and CSRF.

NOTE: every state-changing page calls `check_origin` (public and session forms alike, which
also stops log-in CSRF) and session forms `check_csrf` as well. Never loosen either.
"""

import hashlib
import hmac
from urllib.parse import parse_qs
from uuid import UUID

import falcon
from marshmallow import Schema

from wharf.http.body import media_type, read_bounded
from wharf.http.errors import Problem

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 20
CSRF_FIELD = "csrf"


def read_form(req: falcon.Request, max_bytes: int) -> dict[str, str]:
    """The first value of each non-blank field of an urlencoded body of at most max_bytes."""
    if media_type(req) != FORM_TYPE:
        raise Problem(falcon.HTTP_415, "unsupported_media_type", f"send the form as {FORM_TYPE}")
    raw = read_bounded(req, max_bytes)
    try:
        fields = parse_qs(raw.decode("ascii"), max_num_fields=MAX_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Problem(falcon.HTTP_400, "malformed_form", "the form could not be read") from None
    return {name: values[0] for name, values in fields.items()}


def check_origin(req: falcon.Request, origin: str) -> None:
    if req.get_header("Origin") != origin:
        raise Problem(falcon.HTTP_403, "cross_site_request",
                      f"forms must be sent from a page of {origin}")


def csrf_token(secret_key: bytes, session_id: UUID) -> str:
    """The session's form token: an HMAC of its id under a key derived from the server secret."""
    key = hashlib.sha256(b"wharf:csrf:" + secret_key).digest()
    return hmac.new(key, session_id.bytes, hashlib.sha256).hexdigest()


def check_csrf(secret_key: bytes, session_id: UUID, presented: str | None) -> None:
    expected = csrf_token(secret_key, session_id)
    if not hmac.compare_digest(expected.encode(), (presented or "").encode()):
        raise Problem(falcon.HTTP_403, "csrf_token_invalid",
                      "this form has expired or did not come from this site; reload the page"
                      " and try again")


def validated(schema: type[Schema], form: dict[str, str]) -> dict:
    """The form's fields that the schema knows, checked by the same schema as the JSON API."""
    instance = schema()
    return instance.load({name: value for name, value in form.items() if name in instance.fields})
