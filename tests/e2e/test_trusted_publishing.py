"""Trusted publishing end to end, with uv's own OIDC flow unchanged: the tests' OIDC issuer (its
own process, over TLS) plays GitHub Actions; Wharf runs in real gunicorn over TLS (a test CA
from trustme, given to uv, pip and Wharf through SSL_CERT_FILE / --cert). `uv publish
--trusted-publishing always` asks Wharf's audience, the issuer's ID token, exchanges it, uploads
and burns the token; the burned token is refused afterwards and pip installs the file. The same
through a pending publisher, whose first run creates the project."""

import json
import re
import sys
import time
from pathlib import Path

import pytest
import requests
import trustme

from tests.e2e.client import Api
from tests.e2e.packages import build
from tests.e2e.processes import free_port
from tests.e2e.upload_clients import FreshVenv, maintainer, run, script

pytestmark = pytest.mark.e2e
NAME = "wharf-e2e-tp"
REQUEST_TOKEN = "the-runners-request-token"
RUN = {"repository": f"octo-org/{NAME}", "repository_owner": "octo-org",
       "workflow_ref": f"octo-org/{NAME}/.github/workflows/release.yml@refs/tags/v1.0",
       "sha": "b" * 40, "run_id": "987654"}
PUBLISHER = {"repository_owner": "octo-org", "repository_owner_id": "1234567",
             "repository": NAME, "workflow": "release.yml", "environment": "pypi"}


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> dict:
    """A test CA and a certificate it signed for 127.0.0.1, as files."""
    directory = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    served = ca.issue_cert("127.0.0.1", "localhost")
    files = {name: directory / f"{name}.pem" for name in ("ca", "cert", "key")}
    ca.cert_pem.write_to_path(files["ca"])
    served.cert_chain_pems[0].write_to_path(files["cert"])
    served.private_key_pem.write_to_path(files["key"])
    return files


def trusting(tls: dict) -> requests.Session:
    """A client trusting the test CA alone (REQUESTS_CA_BUNDLE would override `verify`)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(tls["ca"])
    return session


@pytest.fixture(scope="module")
def issuer_url() -> str:
    return f"https://127.0.0.1:{free_port()}"


@pytest.fixture(scope="module")
def extra_environ(tls, issuer_url) -> dict[str, str]:
    """Wharf trusts the tests' issuer, and reaches it through the test CA; the `wharf` script
    runs this checkout's code (an editable install may point at another)."""
    return {"WHARF_OIDC_ISSUERS": issuer_url, "SSL_CERT_FILE": str(tls["ca"]),
            "PYTHONPATH": str(Path(__file__).resolve().parents[2])}


@pytest.fixture(scope="module")
def issuer(deployment, tls, issuer_url) -> str:
    port = issuer_url.rsplit(":", 1)[1]
    process = deployment.start_process("oidc-issuer", [
        sys.executable, "-m", "tests.oidc_issuer", port, str(tls["cert"]), str(tls["key"]),
        REQUEST_TOKEN, json.dumps(RUN)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.popen.poll() is None, process.log_tail()
        try:
            trusting(tls).get(f"{issuer_url}/.well-known/openid-configuration",
                              timeout=2).raise_for_status()
            return issuer_url
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"the OIDC issuer did not start:\n{process.log_tail()}")


@pytest.fixture(scope="module")
def tls_web(deployment, projections, tls) -> Api:
    server = deployment.start_server(workers=2, tls=(tls["cert"], tls["key"], tls["ca"]))
    deployment.wait_until_ready(server)
    api = Api(server.url)
    api.http.trust_env = False  # else REQUESTS_CA_BUNDLE, if set, overrides `verify`
    api.http.verify = str(tls["ca"])
    return api


def uv_trusted_publish(web: Api, issuer: str, tls: dict, files, cache, run_of: str = "") -> str:
    """`run_of`: the query that makes the issuer's run another repository's."""
    published = run([script("uv"), "publish", "--trusted-publishing", "always",
                     "--no-attestations", "--publish-url", f"{web.url}/legacy/",
                     "--cache-dir", cache, *files],
                    GITHUB_ACTIONS="true", SSL_CERT_FILE=str(tls["ca"]),
                    ACTIONS_ID_TOKEN_REQUEST_URL=f"{issuer}/token?api-version=2.0{run_of}",
                    ACTIONS_ID_TOKEN_REQUEST_TOKEN=REQUEST_TOKEN)
    assert published.returncode == 0, published.output
    return published.output


def test_uv_publishes_with_trusted_publishing_and_pip_installs_it(tls_web, mail, issuer, tls,
                                                                   tmp_path):
    owner = maintainer(tls_web, mail, "ci-owner", totp=False)
    owner.create_project(tls_web, NAME)
    added = tls_web.call("POST", f"/api/projects/{NAME}/publishers", owner.session,
                         json={**PUBLISHER, "issuer": issuer})
    assert added.status_code == 201, added.text
    release = build(tmp_path / "dist", NAME, "1.0", value="published by a workflow")

    output = uv_trusted_publish(tls_web, issuer, tls, release.files, tmp_path / "uv-cache")

    token = re.search(r"::add-mask::(pypi-\S+)", output)[1]  # uv masks it for GitHub's log
    refused = tls_web.call("POST", "/legacy/", auth=("__token__", token),
                           files={"content": ("x.whl", b"")})
    assert refused.status_code == 403, refused.text
    assert refused.json()["detail"] == "Invalid API Token: the token has been revoked"
    events = tls_web.call("GET", f"/api/projects/{NAME}/events", owner.session).json()["events"]
    names = [e["name"] for e in events]
    assert names.count("file:add") == 2 and "project:oidc:token-burned" in names
    runs = [e["details"] for e in events if e["name"] == "file:add"]
    assert all((r["repository"], r["sha"], r["run_id"]) == (RUN["repository"], RUN["sha"],
                                                           RUN["run_id"]) for r in runs)
    venv = FreshVenv(tmp_path / "venv").ready()
    try:
        installed = run([venv.path / "bin" / "python", "-m", "pip", "install", "--no-cache-dir",
                         "--retries", "0", "--cert", tls["ca"], "--index-url",
                         f"{tls_web.url}/simple/", NAME], REQUESTS_CA_BUNDLE=str(tls["ca"]))
        assert installed.returncode == 0, installed.output
        assert venv.value_of(release.module).shows("1.0 published by a workflow")
    finally:
        venv.close()


def test_a_second_exchange_of_the_same_identity_token_is_refused(tls_web, issuer, tls):
    identity = trusting(tls).get(f"{issuer}/token?audience=wharf", timeout=10, headers={
        "Authorization": f"bearer {REQUEST_TOKEN}"}).json()["value"]
    body = json.dumps({"token": identity})
    first = tls_web.call("POST", "/_/oidc/mint-token", data=body)
    again = tls_web.call("POST", "/_/oidc/mint-token", data=body)

    assert first.status_code == 200, first.text
    assert again.status_code == 422
    assert again.json()["errors"][0]["code"] == "invalid-reuse-token"


def test_uv_publishes_through_a_pending_publisher_which_creates_the_project(tls_web, mail, issuer,
                                                                           tls, tmp_path):
    name = f"{NAME}-new"
    account = maintainer(tls_web, mail, "ci-newcomer", totp=False)
    pending = tls_web.call("POST", "/api/account/pending-publishers", account.session,
                           json={**PUBLISHER, "repository": name, "project_name": name,
                                 "issuer": issuer})
    assert pending.status_code == 201, pending.text
    release = build(tmp_path / "dist", name, "0.1", value="created by its first run")
    run_of = (f"&repository=octo-org/{name}"
              f"&workflow_ref=octo-org/{name}/.github/workflows/release.yml@refs/tags/v0.1")

    uv_trusted_publish(tls_web, issuer, tls, release.files, tmp_path / "uv-cache", run_of)

    roles = tls_web.call("GET", f"/api/projects/{name}/roles", account.session).json()["roles"]
    assert [(r["username"], r["role"]) for r in roles] == [("ci-newcomer", "Owner")]
    events = tls_web.call("GET", f"/api/projects/{name}/events", account.session).json()
    assert [e["name"] for e in events["events"]].count("file:add") == 2
    listed = tls_web.call("GET", "/api/account/pending-publishers", account.session).json()
    assert listed == {"pending_publishers": []}
