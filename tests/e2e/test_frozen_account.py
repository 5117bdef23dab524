"""A frozen account through real gunicorn on PostgreSQL: an admin freezes it through one
server, and the next request to another server (two workers each) refuses its log-in, its
session, its token and a real twine upload; unfreezing (`wharf admin unfreeze`) restores the
token. A switch turned on one server is obeyed by the other at once."""

import pytest

from tests.e2e.client import PASSWORD, Api
from tests.e2e.packages import build
from tests.e2e.upload_clients import maintainer, twine

pytestmark = pytest.mark.e2e
NAME = "wharf-e2e-frozen"


@pytest.fixture(scope="module")
def servers(deployment, projections) -> tuple[Api, Api]:
    """Two gunicorn servers, two workers each, on the same store."""
    a, b = deployment.start_server(workers=2), deployment.start_server(workers=2)
    deployment.wait_until_ready(a, b)
    return Api(a.url), Api(b.url)


@pytest.fixture(scope="module")
def admin(servers, mail, deployment) -> str:
    """An admin's session on the first server, the sudo window open."""
    first, _ = servers
    warden = maintainer(first, mail, "e2e-warden", totp=False)
    granted = deployment.cli("admin", "grant", "e2e-warden")
    assert granted.returncode == 0, granted.stderr
    return warden.session


def test_a_frozen_account_is_refused_everywhere_on_the_next_request(servers, admin, mail,
                                                                    deployment, tmp_path):
    first, second = servers
    alice = maintainer(second, mail, "e2e-frozen")  # with TOTP: uploads ask for it
    token = alice.mint(second, "ci")["token"]
    releases = {v: build(tmp_path / v, NAME, v, value=v) for v in ("1.0", "1.1")}
    assert twine(second, "__token__", token, *releases["1.0"].files).returncode == 0

    frozen = first.call("POST", "/api/admin/accounts/e2e-frozen/freeze", admin,
                        json={"reason": "token seen in a public CI log"})
    assert frozen.status_code == 204, frozen.text

    for server in (second, first, second):  # the next request, on any worker of either
        assert server.call("GET", "/api/account", alice.session).status_code == 401
        login = server.call("POST", "/api/session",
                            json={"username": "e2e-frozen", "password": PASSWORD})
        assert (login.status_code, login.json()["code"]) == (403, "account_frozen")
        assert server.call("DELETE", "/api/token", token).status_code == 403
    refused = twine(second, "__token__", token, *releases["1.1"].files)
    assert refused.returncode != 0 and refused.shows("frozen by the administrators"), \
        refused.output

    thawed = deployment.cli("admin", "unfreeze", "e2e-frozen", "--reason", "owner verified")
    assert thawed.returncode == 0, thawed.stderr
    uploaded = twine(second, "__token__", token, *releases["1.1"].files)
    assert uploaded.returncode == 0, uploaded.output
    assert second.call("POST", "/api/session", json={"username": "e2e-frozen",
                                                     "password": PASSWORD}).status_code == 202


def test_a_switch_turned_on_one_server_is_obeyed_by_the_other(servers, admin, mail, tmp_path):
    first, second = servers
    owner = maintainer(second, mail, "e2e-switched")
    token = owner.mint(second, "ci")["token"]
    release = build(tmp_path, "wharf-e2e-switched", "1.0", value="1.0")

    on = first.call("POST", "/api/admin/switches/uploads-off", admin,
                    json={"on": True, "reason": "storage migration"})
    assert on.status_code == 200, on.text
    refused = twine(second, "__token__", token, *release.files)
    assert refused.returncode != 0 and refused.shows("Uploads are switched off"), refused.output

    off = second.call("POST", "/api/admin/switches/uploads-off", admin,
                      json={"on": False, "reason": "migration done"})
    assert off.status_code == 200, off.text
    uploaded = twine(first, "__token__", token, *release.files)
    assert uploaded.returncode == 0, uploaded.output
