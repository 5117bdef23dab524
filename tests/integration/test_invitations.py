"""Role invitations: an Owner invites, only the invitee's acceptance gives the role; declined,
revoked, expired, replayed or tampered invitations give nothing."""

from tests.integration.test_two_factor import verified_user

ROLES = "/api/projects/demo/roles"


def invite(api, owner: str, username: str, role: str = "Maintainer"):
    return api.call("POST", ROLES, owner, json={"username": username, "role": role})


def demo(api) -> tuple[str, str, str]:
    """alice Owns demo; bob and carol are verified, with no role."""
    alice, bob, carol = (verified_user(api, name) for name in ("alice", "bob", "carol"))
    assert api.call("POST", "/api/projects", alice, json={"name": "demo"}).status_code == 201
    return alice, bob, carol


def link_token(api, address: str) -> str:
    """The token of the latest invitation link emailed to this address."""
    bodies = [m.get_content() for m in api.mail()
              if m["To"] == address and "invited to a role" in m["Subject"]
              and "You were invited" in m.get_content()]
    assert bodies, f"no invitation to {address}"
    return bodies[-1].split("invitation?token=")[1].split()[0]


def roles(api) -> list[tuple[str, str]]:
    project = api.wiring.projects.by_normalized_name("demo")
    return sorted((r["username"], r["role"]) for r in project["roles"])


def names(api, owner: str) -> list[str]:
    events = api.call("GET", "/api/projects/demo/events", owner).json["events"]
    return [e["name"] for e in reversed(events)]


def test_an_invitation_gives_no_role_until_the_invitee_accepts(api):
    alice, bob, _ = demo(api)

    assert invite(api, alice, "bob").status_code == 201

    assert roles(api) == [("alice", "Owner")]
    assert api.call("GET", ROLES, bob).status_code == 403
    feed = api.call("GET", "/api/log/public").json["entries"]
    assert [e["name"] for e in feed] == ["project:create"]
    pending = api.call("GET", "/api/projects/demo/invitations", alice).json["invitations"]
    assert [(i["username"], i["role"], i["invited_by"]) for i in pending] == [
        ("bob", "Maintainer", "alice")]
    mine = api.call("GET", "/api/account/invitations", bob).json["invitations"]
    assert [(i["project"], i["role"]) for i in mine] == [("demo", "Maintainer")]
    told = [m for m in api.mail() if "invited to a role" in m["Subject"]]
    assert sorted(m["To"] for m in told) == ["alice@example.com", "bob@example.com"]

    assert api.call("POST", "/api/account/invitations/demo/accept", bob).status_code == 204

    assert roles(api) == [("alice", "Owner"), ("bob", "Maintainer")]
    assert api.call("GET", "/api/account/invitations", bob).json["invitations"] == []
    assert api.call("GET", "/api/projects/demo/invitations", alice).json["invitations"] == []
    feed = api.call("GET", "/api/log/public").json["entries"]
    assert [(e["name"], e["username"]) for e in feed][-1] == ("project:role:add", "bob")
    assert names(api, alice)[-3:] == [
        "project:role:invite", "project:role:accept", "project:role:add"]


def test_the_emailed_link_works_once_and_only_for_its_invitee(api):
    alice, bob, carol = demo(api)
    invite(api, alice, "bob")
    token = link_token(api, "bob@example.com")
    accept = "/api/account/invitations/accept"

    by_carol = api.call("POST", accept, carol, json={"token": token})
    tampered = api.call("POST", accept, bob, json={"token": token[:-2] + (
        "AA" if not token.endswith("AA") else "BB")})
    accepted = api.call("POST", accept, bob, json={"token": token})
    replayed = api.call("POST", accept, bob, json={"token": token})

    assert (by_carol.status_code, by_carol.json["code"]) == (403, "forbidden")
    assert (tampered.status_code, tampered.json["code"]) == (400, "invalid_token")
    assert accepted.status_code == 204
    assert (replayed.status_code, replayed.json["code"]) == (400, "invalid_token")
    assert roles(api) == [("alice", "Owner"), ("bob", "Maintainer")]


def test_someone_else_cannot_accept_an_invitation_by_the_projects_name(api):
    alice, _, carol = demo(api)
    invite(api, alice, "bob")

    refused = api.call("POST", "/api/account/invitations/demo/accept", carol)

    assert refused.status_code == 404
    assert roles(api) == [("alice", "Owner")]


def test_an_expired_invitation_cannot_be_accepted_but_can_be_sent_again(api, clock):
    alice, bob, _ = demo(api)
    invite(api, alice, "bob")
    token = link_token(api, "bob@example.com")
    clock.advance(days=7)
    alice, bob = api.log_in("alice"), api.log_in("bob")  # their sessions ended long ago
    api.sudo(alice)

    by_name = api.call("POST", "/api/account/invitations/demo/accept", bob)
    by_link = api.call("POST", "/api/account/invitations/accept", bob, json={"token": token})

    assert (by_name.status_code, by_name.json["code"]) == (409, "invitation_expired")
    assert (by_link.status_code, by_link.json["code"]) == (409, "invitation_expired")
    assert api.call("GET", "/api/account/invitations", bob).json["invitations"] == []
    assert roles(api) == [("alice", "Owner")]
    assert invite(api, alice, "bob").status_code == 201  # a new one replaces it
    assert api.call("POST", "/api/account/invitations/accept", bob,
                    json={"token": token}).status_code == 400  # the old link is dead
    assert api.call("POST", "/api/account/invitations/demo/accept", bob).status_code == 204


def test_a_revoked_invitation_cannot_be_accepted_and_the_invitee_is_told(api):
    alice, bob, _ = demo(api)
    invite(api, alice, "bob", "Owner")
    token = link_token(api, "bob@example.com")

    revoked = api.call("DELETE", "/api/projects/demo/invitations/bob", alice)

    assert revoked.status_code == 204
    assert api.call("POST", "/api/account/invitations/demo/accept", bob).status_code == 404
    assert api.call("POST", "/api/account/invitations/accept", bob,
                    json={"token": token}).status_code == 400
    assert roles(api) == [("alice", "Owner")]
    told = [m["To"] for m in api.mail() if m["Subject"].endswith("invitation to a role on a"
                                                                 " project was revoked")]
    assert sorted(told) == ["alice@example.com", "bob@example.com"]
    assert names(api, alice)[-1] == "project:role:revoke_invite"


def test_a_declined_invitation_cannot_be_accepted_and_the_owners_are_told(api):
    alice, bob, _ = demo(api)
    invite(api, alice, "bob")
    token = link_token(api, "bob@example.com")

    declined = api.call("POST", "/api/account/invitations/decline", bob, json={"token": token})

    assert declined.status_code == 204
    assert api.call("POST", "/api/account/invitations/demo/accept", bob).status_code == 404
    assert api.call("POST", "/api/account/invitations/accept", bob,
                    json={"token": token}).status_code == 400
    assert roles(api) == [("alice", "Owner")]
    told = [m["To"] for m in api.mail() if m["Subject"].endswith("was declined")]
    assert told == ["alice@example.com"]
    assert names(api, alice)[-1] == "project:role:decline"


def test_inviting_a_member_someone_invited_or_an_unverified_account_is_a_clear_409(api):
    alice, bob, _ = demo(api)
    api.grant(alice, "demo", bob)
    invite(api, alice, "carol")
    api.user("dave")  # never verified an address

    member = invite(api, alice, "bob")
    twice = invite(api, alice, "carol", "Owner")
    unverified = invite(api, alice, "dave")
    nobody = invite(api, alice, "ghost")

    assert member.status_code == twice.status_code == unverified.status_code == 409
    assert "already has a role" in member.json["detail"]
    assert "pending invitation" in twice.json["detail"]
    assert "verified primary email" in unverified.json["detail"]
    assert nobody.status_code == 404


def test_only_an_owner_in_the_sudo_window_invites_lists_or_revokes(api):
    alice, bob, carol = demo(api)
    api.grant(alice, "demo", bob)
    invite(api, alice, "carol")
    stolen = api.log_in("alice")  # a session whose password was never confirmed

    assert invite(api, bob, "carol").status_code == 403
    assert api.call("GET", "/api/projects/demo/invitations", bob).status_code == 403
    assert api.call("GET", "/api/projects/demo/invitations", carol).status_code == 403
    assert api.call("DELETE", "/api/projects/demo/invitations/carol", bob).status_code == 403
    late = api.call("DELETE", "/api/projects/demo/invitations/carol", stolen)
    assert (late.status_code, late.json["code"]) == (403, "reauthentication_required")
    assert api.call("GET", "/api/projects/demo/invitations", stolen).status_code == 200
