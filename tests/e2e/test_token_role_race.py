"""A token minted while its owner's role is being removed, on two servers at the same instant:
whichever wins, no token scoped to the project outlives the role (so none uploads again when
the role comes back)."""

import json
import uuid

import pytest

from tests.e2e.racing import Call, race
from tests.e2e.upload_clients import maintainer

pytestmark = pytest.mark.e2e

ROUNDS = 12


def still_accepted(api, token: str) -> bool:
    """Whether /legacy/ lets the token past its first check (a revoked token is refused
    before any body is read; a live one gets as far as the missing form): nothing uploads."""
    answer = api.call("POST", "/legacy/", token)  # as Bearer
    assert answer.status_code in (400, 403), answer.text
    return "revoked" not in answer.text


def test_a_token_minted_as_the_role_goes_never_outlives_it(two_servers, mail):
    a, b = two_servers
    tag = uuid.uuid4().hex[:6]
    alice, bob = maintainer(a, mail, f"owner{tag}"), maintainer(a, mail, f"member{tag}")
    projects = [f"raced{tag}-{i}" for i in range(ROUNDS)]
    for name in projects:
        alice.create_project(a, name)
        a.grant(alice.session, name, bob.session)

    outcomes = race(
        (a.url, [Call("/api/account/tokens", {"description": name, "projects": [name]},
                      bob.session) for name in projects]),
        (b.url, [Call(f"/api/projects/{name}/roles/{bob.username}", None, alice.session,
                      method="DELETE") for name in projects]))

    assert all(removed.status == 204 for _, removed in outcomes), outcomes
    minted = [m for m, _ in outcomes if m.status == 201]
    assert all(m.status == 403 for m, _ in outcomes if m.status != 201), outcomes
    for name in projects:  # the role comes back
        a.grant(alice.session, name, bob.session)
    survivors = [m for m in minted if still_accepted(b, json.loads(m.text)["token"])]
    assert not survivors, f"{len(survivors)} of {len(minted)} tokens minted in the race live on"
