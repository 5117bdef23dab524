"""The Project aggregate's role rules."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from wharf.domain.errors import Conflict, Forbidden, InvalidInput, LastOwner, NotFound
from wharf.domain.origin import Origin
from wharf.domain.project import Project

OWNER, OTHER = uuid4(), uuid4()


def by(actor) -> Origin:
    return Origin(actor, "192.0.2.1", "tests", datetime(2026, 6, 1, tzinfo=UTC))


def new_project() -> Project:
    return Project.create(by(OWNER), uuid4(), "Demo", "demo", "owner")


def test_the_creator_is_the_only_owner():
    assert new_project().roles == {str(OWNER): "Owner"}


def test_only_owners_manage_roles():
    project = new_project()
    project.grant_role(by(OWNER), OTHER, "other", "Maintainer")
    with pytest.raises(Forbidden):
        project.grant_role(by(OTHER), uuid4(), "third", "Maintainer")
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
    project.grant_role(by(OWNER), OTHER, "other", "Owner")
    project.change_role(by(OWNER), OWNER, "owner", "Maintainer")
    assert project.roles == {str(OWNER): "Maintainer", str(OTHER): "Owner"}


def test_roles_are_owner_or_maintainer_and_held_once():
    project = new_project()
    with pytest.raises(InvalidInput):
        project.grant_role(by(OWNER), OTHER, "other", "Admin")
    project.grant_role(by(OWNER), OTHER, "other", "Maintainer")
    with pytest.raises(Conflict):
        project.grant_role(by(OWNER), OTHER, "other", "Owner")
    with pytest.raises(NotFound):
        project.remove_role(by(OWNER), uuid4(), "ghost")
