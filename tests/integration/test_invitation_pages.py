"""Invitations by form: an Owner invites and revokes from the project's roles page; the invitee
answers from the emailed link's page or from the account page, only by POST."""

from tests.integration.browser import Browser, alert
from tests.integration.test_invitations import demo, link_token, roles

PAGE = "/projects/demo/roles"


def as_(api, session: str) -> Browser:
    browser = Browser(api)
    browser.cookie = session  # the API's session, as its cookie
    return browser


def test_an_owner_invites_and_revokes_from_the_roles_page(api):
    alice, bob, _ = demo(api)
    owner = as_(api, alice)

    invited = owner.post(f"{PAGE}/invite", {"username": "bob", "role": "Maintainer"})
    page = owner.get(PAGE)
    twice = owner.post(f"{PAGE}/invite", {"username": "bob", "role": "Owner"})
    revoked = owner.post(f"{PAGE}/revoke", {"username": "bob"})

    assert invited.status_code == 303 and invited.headers["Location"] == f"{PAGE}?done=invited"
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Pending invitations" in page.text and f'action="{PAGE}/revoke"' in page.text
    assert twice.status_code == 409 and "pending invitation" in alert(twice.text)
    assert revoked.status_code == 303
    assert "No invitation is waiting" in owner.get(PAGE).text
    assert as_(api, bob).get(PAGE).status_code == 403


def test_the_link_shows_buttons_and_only_the_post_accepts(api):
    alice, bob, _ = demo(api)
    api.call("POST", "/api/projects/demo/roles", alice,
             json={"username": "bob", "role": "Maintainer"})
    token = link_token(api, "bob@example.com")
    invitee = as_(api, bob)

    shown = invitee.get(f"/account/invitation?token={token}")
    assert shown.status_code == 200 and roles(api) == [("alice", "Owner")]
    accepted = invitee.post("/account/invitations/accept", {"token": token})
    replayed = invitee.post("/account/invitations/accept", {"token": token})

    assert 'action="/account/invitations/accept"' in shown.text and token in shown.text
    assert accepted.status_code == 303
    assert accepted.headers["Location"] == "/account?done=invitation-accepted"
    assert replayed.status_code == 400
    assert roles(api) == [("alice", "Owner"), ("bob", "Maintainer")]


def test_the_account_page_lists_invitations_to_accept_or_decline(api):
    alice, bob, _ = demo(api)
    api.call("POST", "/api/projects/demo/roles", alice,
             json={"username": "bob", "role": "Owner"})
    invitee = as_(api, bob)

    listed = invitee.get("/account").text
    declined = invitee.post("/account/invitations/decline", {"project": "demo"})

    assert "Invitations" in listed and 'name="project" value="demo"' in listed
    assert declined.headers["Location"] == "/account?done=invitation-declined"
    assert "No invitation to a project" in invitee.get("/account").text
    assert roles(api) == [("alice", "Owner")]
