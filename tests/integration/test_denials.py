"""Who is refused what: every route denies by default, and each denial is pinned here."""

import re

import pytest

from tests.integration.test_two_factor import verified_user
from wharf.domain.origin import cli_origin
from wharf.http.endpoint import API_TOKEN, PUBLIC, SESSION
from wharf.http.pages import Page
from wharf.http.routes import PAGES, ROUTES

SESSION_ENDPOINTS = [(path, method) for path, resource in ROUTES
                     for method, endpoint in resource.endpoints.items() if endpoint.auth == SESSION]
PUBLIC_ENDPOINTS = {(path, method) for path, resource in ROUTES
                    for method, endpoint in resource.endpoints.items() if endpoint.auth == PUBLIC}


def concrete(path: str) -> str:
    return re.sub(r"{\w+}", "x", path)


def test_every_route_method_declares_who_may_call_it():
    for path, resource in ROUTES + PAGES:
        responders = {name[3:].upper() for name in dir(resource) if name.startswith("on_")}
        assert responders - {"HEAD"} == set(resource.endpoints), path
        assert ("HEAD" in responders) == ("GET" in responders), path  # HEAD is GET's


@pytest.mark.parametrize(("path", "method"), [(p, m) for p, m in SESSION_ENDPOINTS
                                              if m == "GET"])
def test_head_asks_what_get_asks(api, path, method):
    assert api.call("HEAD", concrete(path)).status_code == 401


def test_the_public_surface_is_exactly_what_we_mean_to_be_public():
    assert PUBLIC_ENDPOINTS == {
        ("/api/health", "GET"), ("/api/ready", "GET"), ("/metrics", "GET"),
        ("/api/accounts", "POST"), ("/api/session", "POST"), ("/api/session/totp", "POST"),
        ("/api/session/unlock", "POST"),
        ("/api/session/recovery-code", "POST"), ("/api/session/webauthn/begin", "POST"),
        ("/api/session/device", "POST"),
        ("/api/session/webauthn/complete", "POST"),
        ("/api/session/passkey/begin", "POST"), ("/api/session/passkey/complete", "POST"),
        ("/api/account/emails/verify", "POST"), ("/api/projects/{name}", "GET"),
        ("/api/projects/{name}/releases", "GET"),
        ("/api/password-reset", "POST"), ("/api/password-reset/complete", "POST"),
        ("/api/account/recovery/cancel", "POST"),  # the emailed link is the credential
        ("/_/secrets/disclose-token", "POST"), ("/simple/", "GET"),
        ("/simple/{project}/", "GET"), ("/files/{sha256}/{filename}", "GET"),
        ("/files/{sha256}/{filename}.metadata", "GET"),
        ("/api/log/checkpoint", "GET"), ("/api/log/key", "GET"),
        ("/api/log/proof/inclusion", "GET"), ("/api/log/proof/consistency", "GET"),
        ("/api/log/public", "GET"),
        # trusted publishing's exchange: the identity token, or the minted one, is the credential
        ("/_/oidc/audience", "GET"), ("/_/oidc/mint-token", "POST"),
        ("/_/oidc/burn-token", "POST"),
    }


TOKEN_ENDPOINTS = [(path, method) for path, resource in ROUTES
                   for method, endpoint in resource.endpoints.items()
                   if endpoint.auth == API_TOKEN]


def test_the_token_surface_is_exactly_uploads_and_self_revocation():
    assert set(TOKEN_ENDPOINTS) == {("/legacy/", "POST"), ("/api/token", "DELETE")}


@pytest.mark.parametrize(("path", "method"), TOKEN_ENDPOINTS)
@pytest.mark.parametrize("authorization", [None, "Bearer made-up", "Basic X19fdG9rZW5fXzo=",
                                           "Bearer pypi-AgEJbG9jYWxob3N0", "Digest x"])
def test_callers_without_a_genuine_api_token_are_refused(api, path, method, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    result = api.call(method, path, headers=headers)
    assert result.status_code == 403 and result.json["code"] == "invalid_token"


@pytest.mark.parametrize(("path", "method"), TOKEN_ENDPOINTS)
def test_a_session_is_no_api_token(api, path, method):
    session = api.user("alice")
    result = api.call(method, path, session)
    assert result.status_code == 403 and "malformed" in result.json["detail"]


SESSION_PAGES = [(path, method) for path, resource in PAGES
                 for method, endpoint in resource.endpoints.items() if endpoint.auth == SESSION]
PUBLIC_PAGES = {(path, method) for path, resource in PAGES
                for method, endpoint in resource.endpoints.items() if endpoint.auth == PUBLIC}


def test_every_page_is_a_page_and_declares_only_known_kinds_of_caller():
    for path, resource in PAGES:
        assert issubclass(resource, Page), path
        assert {e.auth for e in resource.endpoints.values()} <= {PUBLIC, SESSION}, path


def test_the_public_pages_are_exactly_what_we_mean_to_be_public():
    assert PUBLIC_PAGES == {
        ("/", "GET"), ("/signup", "GET"), ("/signup", "POST"),
        ("/account/verify-email", "GET"), ("/account/verify-email", "POST"),
        ("/login", "GET"), ("/login", "POST"), ("/login/totp", "POST"),
        ("/login/recovery-code", "POST"), ("/static/{name}", "GET"),
        ("/password-reset", "GET"), ("/password-reset", "POST"),
        ("/account/password-reset", "GET"), ("/account/password-reset", "POST"),
        ("/account/unlock", "GET"), ("/account/unlock", "POST"),
        ("/account/recovery/cancel", "GET"), ("/account/recovery/cancel", "POST"),
        ("/login/confirm-device", "GET"), ("/login/confirm-device", "POST"),
    }


@pytest.mark.parametrize(("path", "method"), SESSION_PAGES)
def test_anonymous_visitors_of_a_session_page_are_sent_to_log_in(api, path, method):
    for headers in ({}, {"Cookie": "wharf_session=made-up"}, {"Authorization": "Bearer made-up"}):
        result = api.call(method, concrete(path), headers=headers)
        assert result.status_code == 303, (headers, result.text)
        assert result.headers["Location"] == "/login"
        assert result.text == ""


def test_a_method_a_page_does_not_declare_is_denied_with_an_html_page(api):
    class SneakyPage(Page):
        endpoints = {}

        def on_get(self, req, resp):
            resp.text = "leaked"

    api.client.app.add_route("/sneaky", SneakyPage(api.wiring))
    result = api.call("GET", "/sneaky")
    assert result.status_code == 403
    assert result.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "leaked" not in result.text


@pytest.mark.parametrize(("path", "method"), SESSION_ENDPOINTS)
def test_anonymous_callers_are_refused(api, path, method):
    result = api.call(method, concrete(path), json={})
    assert result.status_code == 401
    assert result.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("path", "method"), SESSION_ENDPOINTS)
def test_a_made_up_or_malformed_token_is_refused(api, path, method):
    for header in ("Bearer made-up-token", "Basic YWxpY2U6c2VjcmV0", "Bearer", "Token abc"):
        result = api.call(method, concrete(path), headers={"Authorization": header}, json={})
        assert result.status_code == 401, header


def test_a_method_a_resource_does_not_declare_is_denied(api):
    class Sneaky:
        endpoints = {}

        def on_get(self, req, resp):
            resp.media = {"leaked": True}

    api.client.app.add_route("/api/sneaky", Sneaky())
    result = api.call("GET", "/api/sneaky")
    assert result.status_code == 403
    assert "leaked" not in result.text


def project_with_maintainer(api):
    owner, maintainer, stranger = verified_user(api, "owner"), api.user("maint"), \
        api.user("stranger")
    assert api.call("POST", "/api/projects", owner, json={"name": "demo"}).status_code == 201
    api.grant(owner, "demo", maintainer)
    return owner, maintainer, stranger


ROLE_CHANGES = [
    ("POST", "/api/projects/demo/roles", {"username": "stranger", "role": "Maintainer"}),
    ("PATCH", "/api/projects/demo/roles/owner", {"role": "Maintainer"}),
    ("PATCH", "/api/projects/demo/roles/maint", {"role": "Owner"}),
    ("DELETE", "/api/projects/demo/roles/owner", None),
    ("DELETE", "/api/projects/demo/roles/maint", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROLE_CHANGES)
def test_maintainers_and_strangers_cannot_manage_roles(api, method, path, body):
    _, maintainer, stranger = project_with_maintainer(api)
    for who in (maintainer, stranger):
        result = api.call(method, path, who, json=body)
        assert result.status_code == 403, result.json
        assert result.json["detail"] == "only an Owner of this project can manage its roles"
    roles = api.wiring.projects.by_normalized_name("demo")["roles"]
    assert sorted((r["username"], r["role"]) for r in roles) == [
        ("maint", "Maintainer"), ("owner", "Owner")]


def test_strangers_cannot_read_a_projects_roles_but_admins_can(api):
    _, maintainer, stranger = project_with_maintainer(api)
    admin = api.user("root")
    api.wiring.app.grant_admin(cli_origin(api.wiring.clock()), "root")

    assert api.call("GET", "/api/projects/demo/roles", stranger).status_code == 403
    assert api.call("GET", "/api/projects/demo/roles", maintainer).status_code == 200
    assert api.call("GET", "/api/projects/demo/roles", admin).status_code == 200


ADMIN_CHANGES = [
    ("/api/admin/accounts/owner/freeze", {"reason": "r"}),
    ("/api/admin/accounts/owner/unfreeze", {"reason": "r"}),
    ("/api/admin/switches/read-only", {"on": True, "reason": "r"}),
]


@pytest.mark.parametrize(("path", "body"), ADMIN_CHANGES)
def test_only_an_admin_in_the_sudo_window_freezes_or_switches(api, path, body):
    owner, _, stranger = project_with_maintainer(api)
    for who in (owner, stranger):
        result = api.call("POST", path, who, json=body)
        assert (result.status_code, result.json["detail"]) == (403, "only admins can do this")
    admin = api.user("root")
    api.wiring.app.grant_admin(cli_origin(api.wiring.clock()), "root")
    api.wiring.clock.advance(minutes=31)  # the sudo window closed
    result = api.call("POST", path, admin, json=body)
    assert (result.status_code, result.json["code"]) == (403, "reauthentication_required")
    assert api.call("GET", "/api/account", owner).status_code == 200
    assert api.call("POST", "/api/projects", owner, json={"name": "other"}).status_code == 201


def test_one_user_cannot_touch_another_users_emails(api):
    alice, mallory = verified_user(api, "alice"), api.user("mallory")

    assert api.call("DELETE", "/api/account/emails/alice@example.com", mallory).status_code == 404
    assert api.call("POST", "/api/account/emails/alice@example.com/primary",
                    mallory).status_code == 404
    assert api.call("POST", "/api/account/emails/alice@example.com/verification",
                    mallory).status_code == 404
    claimed = api.call("POST", "/api/account/emails", mallory, json={"email": "alice@example.com"})
    assert claimed.status_code == 409
    emails = api.call("GET", "/api/account", alice).json["emails"]
    assert [e["email"] for e in emails] == ["alice@example.com"]


def test_a_reset_link_is_bound_to_its_account_and_a_session_is_no_reset_link(api):
    from tests.integration.test_password_reset import ask, complete, reset_link_token, verified

    verified(api, "alice")
    mallory = api.user("mallory")
    ask(api, "alice")
    link = reset_link_token(api, "alice@example.com")
    moved = link[:0] + "A" * 22 + link[22:]  # another account id, the same issue time and MAC

    assert complete(api, moved).json["code"] == "invalid_token"
    assert complete(api, mallory).json["code"] == "invalid_token"
    assert api.call("POST", "/api/password-reset/complete", mallory,
                    json={"token": mallory, "new_password": "mallory's new password"}
                    ).status_code == 400
