"""What each route's methods promise: who may call them, what they take and what they return.

Resources declare `endpoints = {"POST": Endpoint(...)}`; the authentication middleware and the
OpenAPI document both read that one table, so a method without an entry is denied and undocumented.
"""

from dataclasses import dataclass

from marshmallow import Schema

PUBLIC = "public"    # anyone
SESSION = "session"  # a logged-in account
API_TOKEN = "api-token"  # an API token; the resource decides what it may do


@dataclass(frozen=True)
class Endpoint:
    auth: str
    summary: str
    status: int = 200
    body: type[Schema] | None = None
    returns: type[Schema] | None = None
    errors: tuple[int, ...] = ()
    alternative: tuple[int, type[Schema]] | None = None  # a second success answer
    query: type[Schema] | None = None  # the query string's parameters
    media: tuple[str, ...] = ("application/json",)  # what a success answer may be
    body_required: bool = True  # False: the body may be left out
    # SESSION only: the session's look-up also reads the account's profile, in the same
    # statement (req.context.profile), for the reads that show it.
    profile: bool = False


def endpoint_of(resource, method: str) -> Endpoint | None:
    """The declared endpoint a request reaches; HEAD is GET without the body (RFC 9110)."""
    return getattr(resource, "endpoints", {}).get("GET" if method == "HEAD" else method)


def answering_head(cls: type) -> None:
    """Give a resource class with `on_get` an `on_head` that runs it (Falcon drops the body)."""
    if "on_get" in vars(cls) and "on_head" not in vars(cls):
        cls.on_head = cls.on_get
