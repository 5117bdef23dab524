"""The Project aggregate's role rules, and the invitations that give roles."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from wharf.domain.errors import Conflict, Forbidden, InvalidInput, InvalidToken, LastOwner, \
    NotFound
from wharf.domain.invitations import InvitationExpired
from wharf.domain.origin import Origin
from wharf.domain.project import Project

OWNER, OTHER = uuid4(), uuid4()
START = datetime(2026, 6, 1, tzinfo=UTC)


def by(actor, at: datetime = START) -> Origin:
    return Origin(actor, "192.0.2.1", "tests", at)


def new_project() -> Project:
    return Project.create(by(OWNER), uuid4(), "Demo", "demo", "owner")


def give(project: Project, account_id, username: str, role: str) -> None:
    """A role, the only way there is: the Owner invites, the invitee accepts."""
    project.invite(by(OWNER), account_id, username, role, nonce=uuid4().hex)
    project.accept_invitation(by(account_id))


def test_the_creator_is_the_only_owner():
    assert new_project().roles == {str(OWNER): "Owner"}


def test_only_owners_manage_roles():
    project = new_project()
    give(project, OTHER, "other", "Maintainer")
    with pytest.raises(Forbidden):
        project.invite(by(OTHER), uuid4(), "third", "Maintainer", uuid4().hex)
    with pytest.raises(Forbidden):
        project.change_role(by(OTHER), OTHER, "other", "Owner")
    with pytest.raises(Forbidden):
        project.remove_role(by(None), OWNER, "owner")


def test_the_last_owner_stays():
    project = new_project()
    with pytest.raises(LastOwner):
        project.remove_role(by(OWNER), OWNER, "owner")
    with pytest.raises(LastOwner):
        project.change_role(by(OWNER), OWNER, "owner", "Maintainer")
    give(project, OTHER, "other", "Owner")
    project.change_role(by(OWNER), OWNER, "owner", "Maintainer")
    assert project.roles == {str(OWNER): "Maintainer", str(OTHER): "Owner"}


def test_roles_are_owner_or_maintainer_and_held_once():
    project = new_project()
    with pytest.raises(InvalidInput):
        project.invite(by(OWNER), OTHER, "other", "Admin", uuid4().hex)
    give(project, OTHER, "other", "Maintainer")
    with pytest.raises(Conflict):
        project.invite(by(OWNER), OTHER, "other", "Owner", uuid4().hex)
    with pytest.raises(NotFound):
        project.remove_role(by(OWNER), uuid4(), "ghost")


def test_an_invitation_gives_its_role_only_when_accepted_before_it_expires():
    project = new_project()
    project.invite(by(OWNER), OTHER, "other", "Maintainer", "ab" * 16)
    assert str(OTHER) not in project.roles
    with pytest.raises(Conflict):  # one pending invitation at a time
        project.invite(by(OWNER), OTHER, "other", "Owner", "cd" * 16)
    with pytest.raises(InvitationExpired):
        project.accept_invitation(by(OTHER, START + timedelta(days=7)))
    project.invite(by(OWNER, START + timedelta(days=7)), OTHER, "other", "Owner", "ef" * 16)
    project.accept_invitation(by(OTHER, START + timedelta(days=7)))
    assert project.roles[str(OTHER)] == "Owner" and project.invitations == {}


def test_only_the_invitee_answers_and_only_a_live_link_names_an_invitation():
    project = new_project()
    project.invite(by(OWNER), OTHER, "other", "Maintainer", "ab" * 16)
    with pytest.raises(NotFound):
        project.accept_invitation(by(uuid4()))
    with pytest.raises(Forbidden):
        project.check_invitation_link(by(uuid4()), "ab" * 16)
    with pytest.raises(InvalidToken):
        project.check_invitation_link(by(OTHER), "cd" * 16)
    project.decline_invitation(by(OTHER))
    with pytest.raises(InvalidToken):
        project.check_invitation_link(by(OTHER), "ab" * 16)
    with pytest.raises(NotFound):
        project.revoke_invitation(by(OWNER), OTHER, "other")


def test_a_containment_restores_a_removed_role_without_an_invitation_once():
    project, containment = new_project(), uuid4()
    give(project, OTHER, "other", "Maintainer")
    project.remove_role(by(OWNER), OTHER, "other")

    assert project.restore_role(by(None), OTHER, "other", "Maintainer", containment) is True
    assert project.roles[str(OTHER)] == "Maintainer"
    assert project.restore_role(by(None), OTHER, "other", "Maintainer", containment) is False
    with pytest.raises(InvalidInput):
        project.restore_role(by(None), uuid4(), "third", "Emperor", containment)


def test_a_containment_removes_a_role_it_finds_but_never_the_last_owner():
    project, containment = new_project(), uuid4()
    give(project, OTHER, "other", "Owner")

    assert project.remove_contained_role(by(None), OTHER, "other", containment) is True
    assert project.remove_contained_role(by(None), OTHER, "other", containment) is False
    with pytest.raises(LastOwner):
        project.remove_contained_role(by(None), OWNER, "owner", containment)
