"""The authorisation matrix: every route of ROUTES and PAGES x every kind of caller.

EXPECTED holds one row per (method, path template); a route added without a row fails
`test_every_route_has_an_entry`. A cell is what that caller must get: THROUGH (the gate and the
resource let it in: the answer may still be a 400/404/409 for the deliberately useless body,
never 401, 403, a redirect to /login or a 5xx), LOGIN (303 to /login), or an exact status.
Bodies are chosen so that nothing a caller does changes what a later caller gets, and the
callers run in KINDS order, the Owner last (she may log out or revoke her own things).
Sessions and API tokens go as Bearer to the API, a session as its cookie (with the Origin and
CSRF token a browser sends) to a page; /legacy/ gets a real upload with Basic __token__.
"""

import re
from collections import namedtuple
from datetime import timedelta
from urllib.parse import urlencode
from uuid import UUID

import pytest

from tests.integration.test_api_tokens import mint, project
from tests.integration.test_two_factor import enrolled, verified_user
from tests.integration.test_uploads import upload, wheel
from wharf.domain.origin import cli_origin
from wharf.http.pages.forms import FORM_TYPE, csrf_token
from wharf.http.routes import PAGES, ROUTES

THROUGH, LOGIN = "through", "303 to /login"
TOKENS = ("tok_expired", "tok_revoked", "tok_else", "tok_proj", "tok_all")
SESSIONS = ("no2fa", "other", "maint", "admin", "owner")
KINDS = ("anon", *TOKENS, *SESSIONS)
# anon: nobody; tok_*: alice's API tokens (expired, revoked, scoped to her other project, scoped
# to sampleproject, account-wide); no2fa: erin, verified, no second factor; other: carol, no
# role; maint: bob, Maintainer of sampleproject; admin: dave; owner: alice, its Owner.


def session(allowed=SESSIONS, refused=403, unauthenticated=401) -> dict:
    """A SESSION route: no session (API tokens included) is `unauthenticated`; a session in
    `allowed` goes through, any other is `refused`."""
    return {"anon": unauthenticated, **dict.fromkeys(TOKENS, unauthenticated),
            **{kind: THROUGH if kind in allowed else refused for kind in SESSIONS}}


def page(allowed=SESSIONS, refused=403) -> dict:
    return session(allowed, refused, unauthenticated=LOGIN)


ANYONE = dict.fromkeys(KINDS, THROUGH)
SIGNED_IN, SIGNED_IN_PAGE = session(), page()
MEMBERS = session(("owner", "maint", "admin"))
OWNERS = session(("owner", "admin"))  # a project's history: its Owners and admins
ONLY_OWNER = session(("owner",))  # managing roles: Owners only, not even admins
ADMINS = session(("admin",))
ALICES = session(("owner",), refused=404)  # alice's email, token or session, named by others
ALICES_PAGE = page(("owner",), refused=404)


def tokens(*allowed) -> dict:
    return {kind: THROUGH if kind in allowed else 403 for kind in KINDS}


EXPECTED = {
    ("GET", "/api/health"): ANYONE,
    ("GET", "/api/ready"): ANYONE,
    ("GET", "/metrics"): dict.fromkeys(KINDS, 403),  # only WHARF_METRICS_TOKEN, unset here
    ("POST", "/api/accounts"): ANYONE,
    ("POST", "/api/session"): ANYONE,
    ("GET", "/api/session"): SIGNED_IN,
    ("DELETE", "/api/session"): SIGNED_IN,
    ("POST", "/api/session/reauthenticate"): SIGNED_IN,
    ("POST", "/api/session/unlock"): ANYONE,  # the emailed link is its own credential
    ("POST", "/api/session/totp"): ANYONE,
    ("POST", "/api/session/recovery-code"): ANYONE,
    ("POST", "/api/session/webauthn/begin"): ANYONE,
    ("POST", "/api/session/webauthn/complete"): ANYONE,
    ("GET", "/api/account"): SIGNED_IN,
    ("POST", "/api/account/password"): SIGNED_IN,
    ("POST", "/api/account/emails"): SIGNED_IN,
    ("POST", "/api/account/emails/verify"): ANYONE,
    ("POST", "/api/account/emails/{email}/primary"): ALICES,
    ("DELETE", "/api/account/emails/{email}"): ALICES,
    ("POST", "/api/account/totp"): SIGNED_IN,
    ("DELETE", "/api/account/totp"): SIGNED_IN,
    ("POST", "/api/account/totp/confirm"): SIGNED_IN,
    ("GET", "/api/account/recovery-codes"): SIGNED_IN,
    ("POST", "/api/account/recovery-codes"): SIGNED_IN,
    ("GET", "/api/account/webauthn"): SIGNED_IN,
    ("POST", "/api/account/webauthn/begin"): SIGNED_IN,
    ("POST", "/api/account/webauthn/complete"): SIGNED_IN,
    ("PATCH", "/api/account/webauthn/{key_id}"): SIGNED_IN,
    ("DELETE", "/api/account/webauthn/{key_id}"): SIGNED_IN,
    ("GET", "/api/account/tokens"): SIGNED_IN,
    ("POST", "/api/account/tokens"): SIGNED_IN,
    ("DELETE", "/api/account/tokens/{token_id}"): ALICES,
    ("DELETE", "/api/token"): tokens("tok_else", "tok_proj", "tok_all"),
    ("GET", "/api/account/sessions"): SIGNED_IN,
    ("DELETE", "/api/account/sessions/{session_id}"): ALICES,
    ("GET", "/api/account/events"): SIGNED_IN,
    ("GET", "/api/account/events/export"): SIGNED_IN,
    ("POST", "/_/secrets/disclose-token"): ANYONE,
    ("POST", "/legacy/"): tokens("tok_proj", "tok_all"),  # a real upload to sampleproject
    ("GET", "/simple/"): ANYONE,
    ("GET", "/simple/{project}/"): ANYONE,
    ("GET", "/files/{sha256}/{filename}"): ANYONE,
    ("POST", "/api/projects"): SIGNED_IN,
    ("GET", "/api/projects/{name}"): ANYONE,
    ("GET", "/api/projects/{name}/roles"): MEMBERS,
    ("POST", "/api/projects/{name}/roles"): ONLY_OWNER,
    ("PATCH", "/api/projects/{name}/roles/{username}"): ONLY_OWNER,
    ("DELETE", "/api/projects/{name}/roles/{username}"): ONLY_OWNER,
    ("GET", "/api/projects/{name}/events"): OWNERS,
    ("GET", "/api/projects/{name}/events/export"): OWNERS,
    ("GET", "/api/admin/events"): ADMINS,
    ("GET", "/api/admin/events/export"): ADMINS,
    ("GET", "/api/admin/replay"): ADMINS,
    # The pages: a session page sends whoever has no session to log in.
    ("GET", "/"): ANYONE,
    ("GET", "/signup"): ANYONE,
    ("POST", "/signup"): ANYONE,
    ("GET", "/account/verify-email"): ANYONE,
    ("POST", "/account/verify-email"): ANYONE,
    ("GET", "/login"): ANYONE,
    ("POST", "/login"): ANYONE,
    ("POST", "/login/totp"): ANYONE,
    ("POST", "/login/recovery-code"): ANYONE,
    ("GET", "/account/unlock"): ANYONE,
    ("POST", "/account/unlock"): ANYONE,
    ("POST", "/logout"): SIGNED_IN_PAGE,
    ("GET", "/account"): SIGNED_IN_PAGE,
    ("POST", "/account/reauthenticate"): SIGNED_IN_PAGE,
    ("POST", "/account/password"): SIGNED_IN_PAGE,
    ("POST", "/account/emails"): SIGNED_IN_PAGE,
    ("POST", "/account/emails/primary"): ALICES_PAGE,
    ("POST", "/account/emails/remove"): ALICES_PAGE,
    ("POST", "/account/totp"): SIGNED_IN_PAGE,
    ("POST", "/account/totp/confirm"): SIGNED_IN_PAGE,
    ("POST", "/account/totp/remove"): SIGNED_IN_PAGE,
    ("POST", "/account/recovery-codes"): SIGNED_IN_PAGE,
    ("POST", "/account/sessions/end"): ALICES_PAGE,
    ("POST", "/account/tokens"): SIGNED_IN_PAGE,
    ("POST", "/account/tokens/revoke"): ALICES_PAGE,
    ("GET", "/account/history"): SIGNED_IN_PAGE,
    ("GET", "/projects/{name}/history"): page(("owner", "admin")),
    ("GET", "/static/{name}"): ANYONE,
}

# What is sent (JSON, or a form to a page); {placeholders} are filled from the cast's values.
# Role changes are valid but change nothing when let through: a grant to bob, already a
# Maintainer, and a change or removal of alice, the last Owner, are 409s.
BODIES = {
    ("POST", "/api/projects/{name}/roles"): {"username": "bob", "role": "Maintainer"},
    ("PATCH", "/api/projects/{name}/roles/{username}"): {"role": "Maintainer"},
    ("POST", "/account/emails/primary"): {"email": "{email}"},
    ("POST", "/account/emails/remove"): {"email": "{email}"},
    ("POST", "/account/sessions/end"): {"session_id": "{session_id}"},
    ("POST", "/account/tokens/revoke"): {"token_id": "{token_id}"},
}
# Cells that are wrong today, each with why; the test fails once a bug is fixed (so the entry
# goes) or when anything else in its row goes wrong.
PAGE_PATHS = {path for path, _ in PAGES}
ROUTE_KEYS = [(method, path) for path, resource in ROUTES + PAGES
              for method in resource.endpoints]


Caller = namedtuple("Caller", "secret session_id", defaults=(None, None))


@pytest.fixture
def cast(api, clock) -> tuple[dict, dict]:
    """Every kind of caller, and the values the paths and bodies name."""
    alice, _, _ = enrolled(api, clock, "alice")
    project(api, alice, "sampleproject")
    project(api, alice, "otherproject")
    bob, _, _ = enrolled(api, clock, "bob")
    granted = api.call("POST", "/api/projects/sampleproject/roles", alice,
                       json={"username": "bob", "role": "Maintainer"})
    assert granted.status_code == 201, granted.json
    carol, _, _ = enrolled(api, clock, "carol")
    dave, _, _ = enrolled(api, clock, "dave")
    api.wiring.app.grant_admin(cli_origin(clock()), "dave")
    erin = verified_user(api, "erin")
    minted = {kind: mint(api, alice, description=kind, **scope).json for kind, scope in {
        "tok_all": {}, "tok_proj": {"projects": ["sampleproject"]},
        "tok_else": {"projects": ["otherproject"]}, "tok_revoked": {},
        "tok_expired": {"expires_at": (clock.now + timedelta(minutes=1)).isoformat()}}.items()}
    revoked = api.call("DELETE", f"/api/account/tokens/{minted['tok_revoked']['id']}", alice)
    assert revoked.status_code == 204, revoked.json
    clock.advance(minutes=2)  # tok_expired has expired; every sudo window is still open
    callers = {"anon": Caller(), **{kind: Caller(minted[kind]["token"]) for kind in TOKENS}}
    for kind, secret in zip(SESSIONS, (erin, carol, bob, dave, alice), strict=True):
        callers[kind] = Caller(secret, api.call("GET", "/api/session", secret).json["session_id"])
    values = {"email": "alice@example.com", "name": "sampleproject", "project": "sampleproject",
              "username": "alice", "token_id": minted["tok_all"]["id"],
              "session_id": callers["owner"].session_id}
    return callers, values


def fill(text: str, values: dict) -> str:
    return re.sub(r"{(\w+)}", lambda match: values.get(match[1], "x"), text)


def send(api, caller: Caller, method: str, template: str, values: dict):
    path, is_page = fill(template, values), template in PAGE_PATHS
    if (method, template) == ("POST", "/legacy/"):  # a real upload, as twine sends it
        return upload(api, caller.secret or "", *wheel())
    body = {name: fill(value, values) for name, value in BODIES.get((method, template),
                                                                   {}).items()}
    headers = {"Origin": api.wiring.settings.origin}
    if caller.session_id and is_page:
        headers["Cookie"] = f"wharf_session={caller.secret}"  # as a browser does
    elif caller.secret:
        headers["Authorization"] = f"Bearer {caller.secret}"
    if method == "GET":
        return api.call(method, path, headers=headers)
    if not is_page:
        return api.call(method, path, headers=headers, json=body)
    body["csrf"] = csrf_token(api.wiring.settings.secret_key, UUID(caller.session_id)) \
        if caller.session_id else "none"  # the right one for a session; never an empty form
    return api.call(method, path, headers={**headers, "Content-Type": FORM_TYPE},
                    body=urlencode(body))


def outcome(result) -> str | int:
    if result.status_code == 303 and result.headers.get("Location") == "/login":
        return LOGIN
    return result.status_code


def meets(expected, got) -> bool:
    if expected == THROUGH:
        return got != LOGIN and got not in (401, 403) and got < 500
    return got == expected


def test_every_route_has_an_entry():
    assert len(ROUTE_KEYS) == len(set(ROUTE_KEYS))
    assert set(ROUTE_KEYS) - set(EXPECTED) == set(), "a route without an authorisation row"
    assert set(EXPECTED) - set(ROUTE_KEYS) == set(), "a row for a route that is gone"
    assert set(BODIES) <= set(EXPECTED)
    for key, row in EXPECTED.items():
        assert tuple(row) == KINDS, key


@pytest.mark.parametrize(("method", "template"), sorted(EXPECTED),
                         ids=[f"{method} {path}" for method, path in sorted(EXPECTED)])
def test_each_kind_of_caller_gets_what_the_matrix_says(api, cast, method, template):
    callers, values = cast
    mismatches = {}
    for kind, expected in EXPECTED[(method, template)].items():
        result = send(api, callers[kind], method, template, values)
        got = outcome(result)
        if not meets(expected, got):
            mismatches[kind] = f"{kind}: expected {expected}, got {got} {result.text[:160]!r}"
    assert not mismatches, f"{method} {fill(template, values)}\n" + "\n".join(
        mismatches.values())
