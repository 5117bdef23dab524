"""Projects, their normalised names, and the Owner and Maintainer roles."""

from tests.integration.test_two_factor import verified_user


def test_creating_a_project_makes_you_its_owner(api):
    alice = verified_user(api, "alice")

    created = api.call("POST", "/api/projects", alice, json={"name": "My.Cool_Project"})

    assert created.status_code == 201
    project = api.call("GET", "/api/projects/my-cool-project").json
    assert project["name"] == "My.Cool_Project"
    assert project["normalized_name"] == "my-cool-project"
    roles = api.call("GET", "/api/projects/My_Cool.Project/roles", alice).json["roles"]
    assert [(r["username"], r["role"]) for r in roles] == [("alice", "Owner")]


def test_project_names_are_unique_once_normalised(api):
    alice, bob = verified_user(api, "alice"), verified_user(api, "bob")
    api.call("POST", "/api/projects", alice, json={"name": "wharf-demo"})

    taken = api.call("POST", "/api/projects", bob, json={"name": "Wharf__Demo"})

    assert taken.status_code == 409
    assert taken.json["code"] == "project_name_taken"


def test_invalid_project_names_are_refused(api):
    alice = verified_user(api, "alice")
    for name in ["-bad", "bad-", "has space", "ünïcode", "x" * 101]:
        assert api.call("POST", "/api/projects", alice, json={"name": name}).status_code == 400


def test_owners_grant_change_and_remove_roles(api):
    alice, bob = verified_user(api, "alice"), verified_user(api, "bob")
    api.call("POST", "/api/projects", alice, json={"name": "demo"})

    invited = api.call("POST", "/api/projects/demo/roles", alice,
                       json={"username": "BOB", "role": "Maintainer"})
    assert invited.status_code == 201
    assert api.call("GET", "/api/projects/demo/roles", bob).status_code == 403
    assert api.call("POST", "/api/account/invitations/demo/accept", bob).status_code == 204
    assert api.call("GET", "/api/projects/demo/roles", bob).status_code == 200

    promoted = api.call("PATCH", "/api/projects/demo/roles/bob", alice, json={"role": "Owner"})
    assert promoted.status_code == 204
    removed = api.call("DELETE", "/api/projects/demo/roles/alice", bob)
    assert removed.status_code == 204

    roles = api.call("GET", "/api/projects/demo/roles", bob).json["roles"]
    assert [(r["username"], r["role"]) for r in roles] == [("bob", "Owner")]
    assert api.call("GET", "/api/projects/demo").json["maintainers"] == ["bob"]


def test_the_last_owner_can_never_be_removed_or_demoted(api):
    alice, bob = verified_user(api, "alice"), api.user("bob")
    api.call("POST", "/api/projects", alice, json={"name": "demo"})
    api.grant(alice, "demo", bob)

    demoted = api.call("PATCH", "/api/projects/demo/roles/alice", alice,
                       json={"role": "Maintainer"})
    removed = api.call("DELETE", "/api/projects/demo/roles/alice", alice)

    assert demoted.status_code == removed.status_code == 409
    assert demoted.json["code"] == removed.json["code"] == "last_owner"


def test_granting_a_role_twice_or_to_nobody_is_refused(api):
    alice, bob = verified_user(api, "alice"), api.user("bob")
    api.call("POST", "/api/projects", alice, json={"name": "demo"})
    api.grant(alice, "demo", bob)

    twice = api.call("POST", "/api/projects/demo/roles", alice,
                     json={"username": "bob", "role": "Owner"})
    nobody = api.call("POST", "/api/projects/demo/roles", alice,
                      json={"username": "ghost", "role": "Owner"})
    bad_role = api.call("POST", "/api/projects/demo/roles", alice,
                        json={"username": "bob", "role": "Admin"})

    assert twice.status_code == 409
    assert nobody.status_code == 404
    assert bad_role.status_code == 400


def test_unknown_projects_are_not_found(api):
    alice = verified_user(api, "alice")
    assert api.call("GET", "/api/projects/nothing-here").status_code == 404
    assert api.call("GET", "/api/projects/-invalid-").status_code == 404
    assert api.call("GET", "/api/projects/nothing-here/roles", alice).status_code == 404
    assert api.call("PATCH", "/api/projects/nothing-here/roles/alice", alice,
                    json={"role": "Owner"}).status_code == 404


def test_granting_changing_and_removing_roles_need_the_sudo_window(api, clock):
    alice, bob = verified_user(api, "alice"), api.user("bob")
    api.call("POST", "/api/projects", alice, json={"name": "demo"})
    api.grant(alice, "demo", bob)
    verified_user(api, "mallory")
    stolen = api.log_in("alice")  # a session whose password was never confirmed

    changes = [("POST", "/api/projects/demo/roles", {"username": "mallory", "role": "Owner"}),
               ("PATCH", "/api/projects/demo/roles/bob", {"role": "Owner"}),
               ("DELETE", "/api/projects/demo/roles/bob", None)]
    refused = [api.call(method, path, stolen, json=body) for method, path, body in changes]

    assert [(r.status_code, r.json["code"]) for r in refused] == \
        [(403, "reauthentication_required")] * 3
    roles = api.call("GET", "/api/projects/demo/roles", stolen).json["roles"]
    assert sorted((r["username"], r["role"]) for r in roles) == \
        [("alice", "Owner"), ("bob", "Maintainer")]
    clock.advance(minutes=31)  # the first session's window has closed too
    late = api.call("DELETE", "/api/projects/demo/roles/bob", alice)
    assert late.json["code"] == "reauthentication_required"


def test_a_stranger_is_told_only_owners_manage_roles_whatever_their_sudo_window(api):
    alice, _ = verified_user(api, "alice"), api.user("bob")
    api.call("POST", "/api/projects", alice, json={"name": "demo"})
    api.register("mallory")
    stranger = api.log_in("mallory")

    refused = api.call("DELETE", "/api/projects/demo/roles/alice", stranger)

    assert refused.status_code == 403 and refused.json["code"] == "forbidden"
