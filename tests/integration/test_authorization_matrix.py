"""The authorisation matrix: every route of the live app x every kind of caller.

EXPECTED holds one row per (method, path template); a route the app serves without a row (the
router is walked, so a route added outside ROUTES and PAGES counts too) fails
`test_every_route_has_an_entry`. A cell is what that caller must get: THROUGH (the gate and the
resource let it in: the answer may still be a 400/404/409 for the deliberately useless body,
never 401, 403, a redirect to /login or a 5xx), LOGIN (303 to /login), SUDO (403, the password
must be confirmed first), or an exact status. What a caller let through to a GET is checked to
be about that caller (ABOUT): their own account, sessions, keys, tokens and history.
Bodies are chosen so that nothing a caller does changes what a later caller gets, and the
callers run in KINDS order, the Owner last (she may log out or revoke her own things).
Sessions and API tokens go as Bearer to the API, a session as its cookie (with the Origin and
CSRF token a browser sends) to a page; /legacy/ gets a real upload with Basic __token__.
"""

import json
import re
from collections import namedtuple
from datetime import timedelta
from urllib.parse import urlencode
from uuid import UUID

import pytest
from falcon import inspect

from tests.conftest import fast_passwords, initialised
from tests.integration.conftest import Api
from tests.integration.test_api_tokens import mint, project
from tests.integration.test_security_keys import ORIGIN, add_key
from tests.integration.test_two_factor import (
    code,
    enrolled,
    password_step,
    verified_user,
)
from tests.integration.test_uploads import upload, wheel
from tests.saved_stores import restore, save
from tests.soft_authenticator import SoftKey
from wharf.bootstrap import bootstrap
from wharf.domain.origin import cli_origin
from wharf.http.pages.forms import FORM_TYPE, csrf_token
from wharf.http.routes import PAGES

THROUGH, LOGIN, SUDO = "through", "303 to /login", "403 reauthentication_required"
TOKENS = ("tok_expired", "tok_revoked", "tok_else", "tok_proj", "tok_all")
SESSIONS = ("no2fa", "other", "maint", "admin", "nosudo", "owner")
KINDS = ("anon", *TOKENS, *SESSIONS)
# anon: nobody; tok_*: alice's API tokens (expired, revoked, scoped to her other project, scoped
# to sampleproject, account-wide); no2fa: erin, verified, no second factor; other: carol, no
# role; maint: bob, Maintainer of sampleproject; admin: dave; owner: alice, its Owner, with her
# password confirmed (the sudo window open) like every other session; nosudo: alice again, in a
# session of her own without the sudo window: let through where the Owner is, except SUDO.
PERSON = {"no2fa": "erin", "other": "carol", "maint": "bob", "admin": "dave", "nosudo": "alice",
          "owner": "alice"}


def session(allowed=SESSIONS, refused=403, unauthenticated=401, sudo=False) -> dict:
    """A SESSION route: no session (API tokens included) is `unauthenticated`; a session in
    `allowed` goes through, any other is `refused`; with `sudo`, the route needs the window."""
    allowed = {PERSON[kind] for kind in allowed}
    row = {"anon": unauthenticated, **dict.fromkeys(TOKENS, unauthenticated)}
    for kind in SESSIONS:
        row[kind] = THROUGH if PERSON[kind] in allowed else refused
    if sudo:
        row["nosudo"] = SUDO
    return row


def page(allowed=SESSIONS, refused=403, sudo=False) -> dict:
    return session(allowed, refused, unauthenticated=LOGIN, sudo=sudo)


ANYONE = dict.fromkeys(KINDS, THROUGH)
SIGNED_IN, SIGNED_IN_PAGE = session(), page()
SIGNED_IN_SUDO, SIGNED_IN_SUDO_PAGE = session(sudo=True), page(sudo=True)
MEMBERS = session(("owner", "maint", "admin"))
OWNERS = session(("owner", "admin"))  # a project's history: its Owners and admins
ONLY_OWNER_SUDO = session(("owner",), sudo=True)  # managing roles: Owners only, not admins
ADMINS = session(("admin",))
ALICES = session(("owner",), refused=404)  # alice's email, token or session, named by others
ALICES_SUDO = session(("owner",), refused=404, sudo=True)
ALICES_PAGE = page(("owner",), refused=404)
ALICES_SUDO_PAGE = page(("owner",), refused=404, sudo=True)


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
    ("POST", "/api/password-reset"): ANYONE,
    ("POST", "/api/password-reset/complete"): ANYONE,
    ("POST", "/api/session/recovery-code"): ANYONE,
    ("POST", "/api/session/device"): ANYONE,  # the emailed link is its own credential
    ("POST", "/api/session/webauthn/begin"): ANYONE,
    ("POST", "/api/session/webauthn/complete"): ANYONE,
    ("POST", "/api/session/passkey/begin"): ANYONE,
    ("POST", "/api/session/passkey/complete"): ANYONE,  # the passkey's answer is the credential
    ("GET", "/api/account"): SIGNED_IN,
    ("POST", "/api/account/password"): SIGNED_IN,
    ("POST", "/api/account/emails"): SIGNED_IN_SUDO,
    ("POST", "/api/account/emails/verify"): ANYONE,
    ("POST", "/api/account/emails/{email}/primary"): ALICES_SUDO,
    ("POST", "/api/account/emails/{email}/verification"): ALICES,
    ("DELETE", "/api/account/emails/{email}"): ALICES_SUDO,
    ("POST", "/api/account/totp"): SIGNED_IN_SUDO,
    ("DELETE", "/api/account/totp"): SIGNED_IN_SUDO,
    ("POST", "/api/account/totp/confirm"): SIGNED_IN_SUDO,
    ("GET", "/api/account/recovery-codes"): SIGNED_IN,
    ("POST", "/api/account/recovery-codes"): SIGNED_IN_SUDO,
    ("GET", "/api/account/webauthn"): SIGNED_IN,
    ("POST", "/api/account/webauthn/begin"): SIGNED_IN_SUDO,
    ("POST", "/api/account/webauthn/complete"): SIGNED_IN_SUDO,
    ("PATCH", "/api/account/webauthn/{key_id}"): SIGNED_IN,
    ("DELETE", "/api/account/webauthn/{key_id}"): SIGNED_IN_SUDO,
    ("GET", "/api/account/tokens"): SIGNED_IN,
    ("POST", "/api/account/tokens"): SIGNED_IN_SUDO,
    ("DELETE", "/api/account/tokens/{token_id}"): ALICES_SUDO,
    ("GET", "/api/account/pending-publishers"): SIGNED_IN,
    ("POST", "/api/account/pending-publishers"): SIGNED_IN_SUDO,
    ("DELETE", "/api/account/pending-publishers/{pending_id}"): SIGNED_IN_SUDO,
    ("POST", "/api/account/pending-gitlab-publishers"): SIGNED_IN_SUDO,
    ("DELETE", "/api/token"): tokens("tok_else", "tok_proj", "tok_all"),
    ("GET", "/api/account/sessions"): SIGNED_IN,
    ("DELETE", "/api/account/sessions/{session_id}"): ALICES,
    # alice's token contained (nothing left to do), for her and admins in the sudo window; for
    # others, no token
    ("POST", "/api/account/containment"): session(("owner", "admin"), refused=404, sudo=True),
    # alice's token: what it did, for her and admins; for anyone else it does not exist
    ("GET", "/api/account/credentials/{credential_id}/activity"): session(("owner", "admin"),
                                                                          refused=404),
    ("GET", "/api/account/events"): SIGNED_IN,
    ("GET", "/api/account/events/export"): SIGNED_IN,
    ("POST", "/_/secrets/disclose-token"): ANYONE,
    ("POST", "/legacy/"): tokens("tok_proj", "tok_all"),  # a real upload to sampleproject
    ("GET", "/simple/"): ANYONE,
    ("GET", "/simple/{project}/"): ANYONE,
    ("GET", "/files/{sha256}/{filename}"): ANYONE,
    ("GET", "/files/{sha256}/{filename}.metadata"): ANYONE,
    ("POST", "/api/projects"): SIGNED_IN,
    ("GET", "/api/projects/{name}"): ANYONE,
    ("GET", "/api/projects/{name}/roles"): MEMBERS,
    ("POST", "/api/projects/{name}/roles"): ONLY_OWNER_SUDO,
    ("PATCH", "/api/projects/{name}/roles/{username}"): ONLY_OWNER_SUDO,
    ("DELETE", "/api/projects/{name}/roles/{username}"): ONLY_OWNER_SUDO,
    ("GET", "/api/projects/{name}/invitations"): session(("owner",)),
    ("DELETE", "/api/projects/{name}/invitations/{username}"): ONLY_OWNER_SUDO,  # none: 404
    ("GET", "/api/account/invitations"): SIGNED_IN,
    # Answers: no caller has an invitation (404), and "x" is no link (400).
    ("POST", "/api/account/invitations/accept"): SIGNED_IN,
    ("POST", "/api/account/invitations/decline"): SIGNED_IN,
    ("POST", "/api/account/invitations/{name}/accept"): SIGNED_IN,
    ("POST", "/api/account/invitations/{name}/decline"): SIGNED_IN,
    ("GET", "/api/projects/{name}/releases"): ANYONE,
    ("POST", "/api/projects/{name}/releases/{version}/yank"): ONLY_OWNER_SUDO,
    ("POST", "/api/projects/{name}/releases/{version}/unyank"): ONLY_OWNER_SUDO,
    ("POST", "/api/projects/{name}/releases/{version}/remove"): ONLY_OWNER_SUDO,
    ("POST", "/api/projects/{name}/files/{filename}/remove"): ONLY_OWNER_SUDO,
    ("GET", "/api/projects/{name}/publishers"): session(("owner",)),
    ("POST", "/api/projects/{name}/publishers"): ONLY_OWNER_SUDO,
    ("DELETE", "/api/projects/{name}/publishers/{publisher_id}"): ONLY_OWNER_SUDO,
    ("POST", "/api/projects/{name}/trusted-publishing-only"): ONLY_OWNER_SUDO,
    ("POST", "/api/projects/{name}/gitlab-publishers"): ONLY_OWNER_SUDO,
    ("GET", "/_/oidc/audience"): ANYONE,
    ("POST", "/_/oidc/mint-token"): dict.fromkeys(KINDS, 422),  # no identity token: refused
    ("POST", "/_/oidc/burn-token"): dict.fromkeys(KINDS, 422),  # no token in the body
    ("GET", "/api/projects/{name}/uploaders"): OWNERS,
    ("GET", "/api/projects/{name}/credentials/{credential_id}/activity"): OWNERS,  # who can publish: not Maintainers
    ("GET", "/api/projects/{name}/events"): OWNERS,
    # alice's token contained as far as the project goes (nothing left): Owners, admins, sudo
    ("POST", "/api/projects/{name}/containment"): session(("owner", "admin"), sudo=True),
    ("GET", "/api/projects/{name}/events/export"): OWNERS,
    ("GET", "/api/admin/events"): ADMINS,
    ("GET", "/api/admin/events/export"): ADMINS,
    ("GET", "/api/admin/replay"): ADMINS,
    ("POST", "/api/admin/accounts/{username}/freeze"): ADMINS,  # an empty reason: 400
    ("POST", "/api/admin/accounts/{username}/unfreeze"): ADMINS,
    ("POST", "/api/admin/accounts/{username}/recovery-case"): ADMINS,
    ("GET", "/api/account/recovery"): SIGNED_IN,
    ("DELETE", "/api/account/recovery"): SIGNED_IN,  # none open: 409
    ("POST", "/api/account/recovery/cancel"): ANYONE,  # the emailed link is its own credential
    ("GET", "/api/admin/switches"): ADMINS,
    ("POST", "/api/admin/switches/{switch}"): ADMINS,
    ("GET", "/api/openapi.json"): ANYONE,  # added by create_app, outside ROUTES
    ("GET", "/api/log/checkpoint"): ANYONE,
    ("GET", "/api/log/key"): ANYONE,
    ("GET", "/api/log/proof/inclusion"): ANYONE,  # 400 without an index: let through
    ("GET", "/api/log/proof/consistency"): ANYONE,
    ("GET", "/api/log/public"): ANYONE,
    # The pages: a session page sends whoever has no session to log in.
    ("GET", "/"): ANYONE,
    ("GET", "/signup"): ANYONE,
    ("POST", "/signup"): ANYONE,
    ("GET", "/account/verify-email"): ANYONE,
    ("POST", "/account/verify-email"): ANYONE,
    ("GET", "/login"): ANYONE,
    ("POST", "/login"): ANYONE,
    ("POST", "/login/totp"): ANYONE,
    ("GET", "/password-reset"): ANYONE,
    ("POST", "/password-reset"): ANYONE,
    ("GET", "/account/password-reset"): ANYONE,
    ("POST", "/account/password-reset"): ANYONE,
    ("POST", "/login/recovery-code"): ANYONE,
    ("GET", "/login/confirm-device"): ANYONE,
    ("POST", "/login/confirm-device"): ANYONE,
    ("GET", "/account/unlock"): ANYONE,
    ("POST", "/account/unlock"): ANYONE,
    ("GET", "/account/recovery/cancel"): ANYONE,
    ("POST", "/account/recovery/cancel"): ANYONE,
    ("POST", "/account/recovery"): SIGNED_IN_PAGE,  # none open: the page says so (409)
    ("POST", "/logout"): SIGNED_IN_PAGE,
    ("GET", "/account"): SIGNED_IN_PAGE,
    ("POST", "/account/reauthenticate"): SIGNED_IN_PAGE,
    ("POST", "/account/password"): SIGNED_IN_PAGE,
    ("POST", "/account/emails"): SIGNED_IN_SUDO_PAGE,
    ("POST", "/account/emails/primary"): ALICES_SUDO_PAGE,
    ("POST", "/account/emails/remove"): ALICES_SUDO_PAGE,
    ("POST", "/account/emails/verification"): ALICES_PAGE,
    ("POST", "/account/totp"): SIGNED_IN_SUDO_PAGE,
    ("POST", "/account/totp/confirm"): SIGNED_IN_SUDO_PAGE,
    ("POST", "/account/totp/remove"): SIGNED_IN_SUDO_PAGE,
    ("POST", "/account/recovery-codes"): SIGNED_IN_SUDO_PAGE,
    ("POST", "/account/sessions/end"): ALICES_PAGE,
    ("POST", "/account/tokens"): SIGNED_IN_SUDO_PAGE,
    ("POST", "/account/tokens/revoke"): ALICES_SUDO_PAGE,
    ("GET", "/account/history"): SIGNED_IN_PAGE,
    ("GET", "/account/containment"): SIGNED_IN_PAGE,  # the form
    ("POST", "/account/containment"): page(("owner", "admin"), refused=404),  # a dry run
    ("GET", "/projects/{name}/history"): page(("owner", "admin")),
    ("GET", "/projects/{name}/releases"): page(("owner",)),
    ("GET", "/projects/{name}/uploaders"): page(("owner", "admin")),
    ("GET", "/projects/{name}/containment"): page(("owner", "admin")),
    ("POST", "/projects/{name}/containment"): page(("owner", "admin")),  # a dry run
    ("POST", "/projects/{name}/releases/{action}"): page(("owner",), sudo=True),  # a yank
    ("GET", "/account/invitation"): SIGNED_IN_PAGE,
    ("POST", "/account/invitations/{answer}"): SIGNED_IN_PAGE,  # no invitation: refused
    ("GET", "/projects/{name}/roles"): page(("owner",)),
    ("POST", "/projects/{name}/roles/{change}"): page(("owner",), sudo=True),  # a revoke
    ("GET", "/static/{name}"): ANYONE,
}

# What is sent (JSON, or a form to a page); {placeholders} are filled from the cast's values.
# Role changes are valid but change nothing when let through: a grant to bob, already a
# Maintainer, and a change or removal of alice, the last Owner, are 409s. A route that needs the
# sudo window gets a body it accepts, so that the window, not the body, decides.
BODIES = {
    ("POST", "/api/account/emails"): {"email": "{email}"},
    ("POST", "/account/emails"): {"email": "{email}"},
    ("POST", "/api/account/tokens"): {"description": "tok_all"},
    ("POST", "/api/account/containment"): {"credential": "{credential_id}",
                                           "since": "2026-01-01T00:00:00Z",
                                           "actions": ["revoke_minted"], "confirm": True},
    ("POST", "/api/projects/{name}/containment"): {"credential": "{credential_id}",
                                                   "since": "2026-01-01T00:00:00Z",
                                                   "actions": ["restore_roles"],
                                                   "confirm": True},
    ("POST", "/account/tokens"): {"description": "tok_all"},
    ("POST", "/api/account/totp/confirm"): {"code": "000000"},
    ("POST", "/account/totp/confirm"): {"code": "000000"},
    ("POST", "/api/account/webauthn/complete"): {"label": "matrix", "credential": {}},
    ("POST", "/api/projects/{name}/roles"): {"username": "bob", "role": "Maintainer"},
    ("PATCH", "/api/projects/{name}/roles/{username}"): {"role": "Maintainer"},
    ("POST", "/api/account/invitations/accept"): {"token": "x"},
    ("POST", "/api/account/invitations/decline"): {"token": "x"},
    # No such release or file ("x"): the Owner, let through, takes nothing down.
    ("POST", "/api/projects/{name}/releases/{version}/yank"): {"reason": "matrix"},
    ("POST", "/api/projects/{name}/releases/{version}/unyank"): {"reason": "matrix"},
    ("POST", "/api/projects/{name}/releases/{version}/remove"): {"confirm": "x",
                                                                 "reason": "matrix"},
    ("POST", "/api/projects/{name}/files/{filename}/remove"): {"confirm": "x",
                                                               "reason": "matrix"},
    ("POST", "/projects/{name}/releases/{action}"): {"version": "x", "reason": "matrix"},
    ("POST", "/account/invitations/{answer}"): {"project": "sampleproject"},
    ("POST", "/projects/{name}/roles/{change}"): {"username": "carol"},  # not invited: 404
    # An issuer Wharf does not trust: the Owner, let through, adds nothing.
    ("POST", "/api/projects/{name}/publishers"): {
        "repository_owner": "o", "repository_owner_id": "1", "repository": "r",
        "workflow": "w.yml", "issuer": "https://untrusted.example"},
    ("POST", "/api/projects/{name}/gitlab-publishers"): {
        "namespace": "g", "project": "p", "workflow_filepath": "ci.yml",
        "issuer": "https://untrusted.example"},
    ("POST", "/api/account/pending-gitlab-publishers"): {
        "project_name": "matrix-new", "namespace": "g", "project": "p",
        "workflow_filepath": "ci.yml", "issuer": "https://untrusted.example"},
    # Already off: the Owner, let through, changes nothing (409).
    ("POST", "/api/projects/{name}/trusted-publishing-only"): {"enabled": False},
    ("POST", "/api/account/pending-publishers"): {
        "project_name": "matrix-new", "repository_owner": "o", "repository_owner_id": "1",
        "repository": "r", "workflow": "w.yml", "issuer": "https://untrusted.example"},
    # The admin, let through, freezes no one and turns nothing (an empty reason is a 400).
    ("POST", "/api/admin/accounts/{username}/freeze"): {"reason": ""},
    ("POST", "/api/admin/accounts/{username}/unfreeze"): {"reason": ""},
    ("POST", "/api/admin/switches/{switch}"): {"on": True, "reason": ""},
    ("POST", "/api/admin/accounts/{username}/recovery-case"): {"reason": "", "ticket": ""},
    ("POST", "/account/containment"): {"credential": "{token_id}",  # a dry run
                                       "since": "2026-01-01T00:00:00+00:00", "revoke": "yes"},
    ("POST", "/projects/{name}/containment"): {"credential": "{token_id}",  # a dry run
                                               "since": "2026-01-01T00:00:00+00:00",
                                               "yank_uploads": "yes"},
    ("POST", "/account/emails/primary"): {"email": "{email}"},
    ("POST", "/account/emails/remove"): {"email": "{email}"},
    ("POST", "/account/emails/verification"): {"email": "{email}"},
    ("POST", "/account/totp/remove"): {"confirmed": "yes"},  # past the "are you sure?" page
    ("POST", "/account/sessions/end"): {"session_id": "{session_id}"},
    ("POST", "/account/tokens/revoke"): {"token_id": "{token_id}"},
}
PAGE_PATHS = {path for path, _ in PAGES}


Caller = namedtuple("Caller", "secret session_id person", defaults=(None, None, None))
Person = namedtuple("Person", "username sessions tokens keys recovery_codes")


@pytest.fixture(scope="module")
def saved_casts() -> dict:
    """Per store: the store holding the cast, the clock's time then, and the cast itself."""
    return {}


@pytest.fixture
def wiring(settings, clock, saved_casts, tmp_path_factory):
    """conftest's wiring, on a store that holds the cast: made through the API for the first
    test on each store (over a second), restored from a copy for every later one."""
    kind = "postgres" if settings.uses_postgres else "sqlite"
    if kind in saved_casts:
        store, clock.now, _ = saved_casts[kind]
        assert restore(store, settings)
    else:
        initialised(settings, tmp_path_factory)
    wiring = bootstrap(settings, clock, passwords=fast_passwords())
    if kind not in saved_casts:
        made = make_cast(Api(wiring), clock)
        saved_casts[kind] = (save(settings, tmp_path_factory.mktemp("cast") / "var"), clock.now,
                             made)
    yield wiring
    wiring.close()


@pytest.fixture
def cast(wiring, saved_casts):
    return saved_casts["postgres" if wiring.settings.uses_postgres else "sqlite"][2]


def make_cast(api, clock) -> tuple[dict, dict, dict]:
    """Every kind of caller, and the values the paths and bodies name. alice and carol have a
    security key each, alice and bob API tokens, so that lists can be told apart."""
    alice, alice_totp, _ = enrolled(api, clock, "alice")
    project(api, alice, "sampleproject")
    project(api, alice, "otherproject")
    bob, _, _ = enrolled(api, clock, "bob")
    api.grant(alice, "sampleproject", bob)
    carol, _, _ = enrolled(api, clock, "carol")
    dave, _, _ = enrolled(api, clock, "dave")
    api.wiring.app.grant_admin(cli_origin(clock()), "dave")
    erin = verified_user(api, "erin")
    keys = {name: add_key(api, secret, SoftKey(ORIGIN)).json["id"]
            for name, secret in (("alice", alice), ("carol", carol))}
    minted = {kind: mint(api, alice, description=kind, **scope).json for kind, scope in {
        "tok_all": {}, "tok_proj": {"projects": ["sampleproject"]},
        "tok_else": {"projects": ["otherproject"]}, "tok_revoked": {},
        "tok_expired": {"expires_at": (clock.now + timedelta(minutes=1)).isoformat()}}.items()}
    bobs = mint(api, bob, description="bob's").json["id"]
    revoked = api.call("DELETE", f"/api/account/tokens/{minted['tok_revoked']['id']}", alice)
    assert revoked.status_code == 204, revoked.json
    clock.advance(minutes=2)  # tok_expired has expired; every sudo window is still open
    nosudo = second_step(api, password_step(api, "alice")["ticket"], code(alice_totp, clock))
    callers = {"anon": Caller(), **{kind: Caller(minted[kind]["token"]) for kind in TOKENS}}
    for kind, secret in zip(SESSIONS, (erin, carol, bob, dave, nosudo, alice), strict=True):
        session_id = api.call("GET", "/api/session", secret).json["session_id"]
        callers[kind] = Caller(secret, session_id, PERSON[kind])
    people = {name: Person(name, {c.session_id for c in callers.values() if c.person == name},
                           set(), {keys[name]} if name in keys else set(),
                           0 if name == "erin" else 8) for name in PERSON.values()}
    people["alice"].tokens.update(minted[kind]["id"] for kind in TOKENS if kind != "tok_revoked")
    people["bob"].tokens.add(bobs)
    values = {"email": "alice@example.com", "name": "sampleproject", "project": "sampleproject",
              "action": "yank", "switch": "read-only", "answer": "accept", "change": "revoke",
              "username": "alice", "token_id": minted["tok_all"]["id"], "key_id": keys["alice"],
              "pending_id": "00000000-0000-4000-8000-000000000000",  # nobody's: a 404
              "credential_id": minted["tok_all"]["id"],
              # nosudo's own session: ending it leaves the Owner's, who comes next
              "session_id": callers["nosudo"].session_id}
    return callers, values, people


def second_step(api, ticket: str, totp_code: str) -> str:
    result = api.call("POST", "/api/session/totp", json={"ticket": ticket, "code": totp_code})
    assert result.status_code == 201, result.json
    return result.json["token"]


def second_session(api, clock, name: str, totp_secret: str) -> str:
    """Another session of an account with TOTP, its password never confirmed since."""
    ticket = password_step(api, name)["ticket"]
    result = api.call("POST", "/api/session/totp",
                      json={"ticket": ticket, "code": code(totp_secret, clock)})
    assert result.status_code == 201, result.json
    return result.json["token"]


def fill(text: str, values: dict) -> str:
    return re.sub(r"{(\w+)}", lambda match: values.get(match[1], "x"), text)


def send(api, caller: Caller, method: str, template: str, values: dict):
    path, is_page = fill(template, values), template in PAGE_PATHS
    if (method, template) == ("POST", "/legacy/"):  # a real upload, as twine sends it
        return upload(api, caller.secret or "", *wheel())
    body = {name: fill(value, values) if isinstance(value, str) else value
            for name, value in BODIES.get((method, template), {}).items()}
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
    if result.status_code == 403 and refused_for_sudo(result):
        return SUDO
    return result.status_code


def refused_for_sudo(result) -> bool:
    """A 403 because the password must be confirmed: the API's code, or the page that offers
    the confirm-password form instead of what was asked."""
    if result.headers.get("Content-Type", "").startswith("text/html"):
        return re.search(r'action="/[\w/.-]*reauthenticate"', result.text) is not None
    return (result.json or {}).get("code") == "reauthentication_required"


def meets(expected, got) -> bool:
    if expected == THROUGH:
        return got not in (LOGIN, SUDO) and got not in (401, 403) and got < 500
    return got == expected


# What a caller let through to these GETs must see: only things of their own.
def listed(body, key) -> set:
    return {item["id"] for item in body[key]}


def entries(result) -> list:
    if result.headers.get("Content-Type", "").startswith("application/jsonl"):
        return [json.loads(line) for line in result.text.splitlines()]
    return result.json["events"]


ABOUT = {
    ("GET", "/api/session"): lambda result, me, caller: (
        result.json["session_id"], result.json["username"]) == (caller.session_id, me.username),
    ("GET", "/api/account"): lambda result, me, caller: (
        result.json["username"] == me.username
        and [e["email"] for e in result.json["emails"]] == [f"{me.username}@example.com"]),
    ("GET", "/api/account/recovery-codes"): lambda result, me, caller: (
        result.json["recovery_codes_left"] == me.recovery_codes),
    ("GET", "/api/account/webauthn"): lambda result, me, caller: (
        listed(result.json, "security_keys") == me.keys),
    ("GET", "/api/account/tokens"): lambda result, me, caller: (
        listed(result.json, "tokens") == me.tokens),
    ("GET", "/api/account/sessions"): lambda result, me, caller: (
        caller.session_id in listed(result.json, "sessions") <= me.sessions),
    ("GET", "/api/account/events"): lambda result, me, caller: entries(result) and all(
        entry["account"]["username"] == me.username for entry in entries(result)),
    ("GET", "/api/account/events/export"): lambda result, me, caller: all(
        entry["account"]["username"] == me.username for entry in entries(result)),
    ("GET", "/account"): lambda result, me, caller: all(
        (f"{name}@example.com" in result.text) == (name == me.username)
        for name in set(PERSON.values())),
}


def live_routes(app) -> set[tuple[str, str]]:
    """(method, path template) of every responder the app's router holds, Falcon's own
    defaults (OPTIONS, 405) aside; HEAD is its GET's row (endpoint_of gives it GET's gate)."""
    return {("GET" if method.method == "HEAD" else method.method, route.path)
            for route in inspect.inspect_routes(app)
            for method in route.methods if not method.internal}


def test_every_route_has_an_entry(api):
    app = api.client.app
    routes = live_routes(app)

    assert set(routes) - set(EXPECTED) == set(), "a route without an authorisation row"
    assert set(EXPECTED) - set(routes) == set(), "a row for a route that is gone"
    assert inspect.inspect_sinks(app) == [] and inspect.inspect_static_routes(app) == [], \
        "a sink or static route: give it rows here"
    assert set(BODIES) | set(ABOUT) <= set(EXPECTED)
    for key, row in EXPECTED.items():
        assert tuple(row) == KINDS, key


@pytest.mark.parametrize(("method", "template"), sorted(EXPECTED),
                         ids=[f"{method} {path}" for method, path in sorted(EXPECTED)])
def test_each_kind_of_caller_gets_what_the_matrix_says(api, cast, method, template):
    callers, values, people = cast
    about = ABOUT.get((method, template))
    mismatches = {}
    for kind, expected in EXPECTED[(method, template)].items():
        caller = callers[kind]
        result = send(api, caller, method, template, values)
        got = outcome(result)
        if not meets(expected, got):
            mismatches[kind] = f"{kind}: expected {expected}, got {got} {result.text[:160]!r}"
        elif about and got == 200 and not about(result, people[caller.person], caller):
            mismatches[kind] = f"{kind}: got what is not about them {result.text[:300]!r}"
    assert not mismatches, f"{method} {fill(template, values)}\n" + "\n".join(
        mismatches.values())
