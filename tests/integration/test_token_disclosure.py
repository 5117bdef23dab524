"""Leaked tokens reported by a trusted scanner are revoked and their owners told; nothing else."""

import base64
import json
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import fast_passwords
from tests.integration.conftest import Api
from tests.integration.test_api_tokens import mint, refusal
from tests.integration.test_two_factor import enrolled
from wharf.bootstrap import bootstrap
from wharf.domain.api_token import ApiToken
from wharf.domain.origin import cli_origin

REPORTER = ec.generate_private_key(ec.SECP256R1())
PEM = REPORTER.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture
def api(wiring, settings, clock):
    trusting = bootstrap(replace(settings, token_reporter_keys={"scanner-1": PEM}), clock,
                         passwords=fast_passwords())
    yield Api(trusting)
    trusting.close()


def report(api, tokens: list[str], *, key=REPORTER, key_id="scanner-1", body=None):
    body = body or json.dumps([{"token": t, "type": "pypi_api_token",
                                "url": "https://github.com/alice/repo/blob/main/.pypirc"}
                               for t in tokens]).encode()
    signature = base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()
    return api.call("POST", "/_/secrets/disclose-token", body=body, headers={
        "Content-Type": "application/json", "GITHUB-PUBLIC-KEY-IDENTIFIER": key_id,
        "GITHUB-PUBLIC-KEY-SIGNATURE": signature})


def revocations(api) -> list:
    return [n for n in api.wiring.app.recorder.select_notifications(1, 1000)
            if n.topic == ApiToken.Revoked.TOPIC]


def test_a_signed_report_revokes_the_token_records_the_url_and_emails_the_owner(api, clock):
    session, _, _ = enrolled(api, clock)
    token = mint(api, session).json["token"]

    answer = report(api, [token, "pypi-not-a-token", "ghp_someone_elses"])

    assert answer.status_code == 204
    assert "revoked" in refusal(api, token, "anything")
    [revoked] = revocations(api)
    assert b"leaked" in revoked.state and b"github.com/alice/repo" in revoked.state
    assert any("found in public" in m["Subject"] for m in api.mail())
    assert report(api, [token]).status_code == 204
    assert len(revocations(api)) == 1


@pytest.mark.parametrize("forgery", ["unknown key", "other signer", "altered body", "unsigned"])
def test_a_report_without_a_good_signature_changes_nothing(api, clock, forgery):
    session, _, _ = enrolled(api, clock)
    token = mint(api, session).json["token"]
    stranger = ec.generate_private_key(ec.SECP256R1())

    if forgery == "unknown key":
        answer = report(api, [token], key_id="scanner-2")
    elif forgery == "other signer":
        answer = report(api, [token], key=stranger)
    elif forgery == "altered body":
        body = json.dumps([{"token": token, "url": "x"}]).encode()
        signature = base64.b64encode(REPORTER.sign(b"[]", ec.ECDSA(hashes.SHA256()))).decode()
        answer = api.call("POST", "/_/secrets/disclose-token", body=body, headers={
            "GITHUB-PUBLIC-KEY-IDENTIFIER": "scanner-1",
            "GITHUB-PUBLIC-KEY-SIGNATURE": signature})
    else:
        answer = api.call("POST", "/_/secrets/disclose-token",
                          body=json.dumps([{"token": token, "url": "x"}]))

    assert answer.status_code == 204
    assert revocations(api) == []


def test_a_report_whose_url_holds_a_nul_is_set_aside_not_stored(api, clock):
    session, _, _ = enrolled(api, clock)
    token = mint(api, session).json["token"]
    body = json.dumps([{"token": token, "type": "pypi_api_token",
                        "url": "https://example.com/\x00"}]).encode()

    assert report(api, [], body=body).status_code == 204
    assert revocations(api) == []
    assert api.call("GET", "/api/ready").json["lag"] == 0


def test_a_leaked_token_is_an_entry_of_its_owner_and_of_its_projects(api, clock):
    session, _, _ = enrolled(api, clock)
    api.call("POST", "/api/projects", session, json={"name": "sampleproject"})
    token = mint(api, session, description="CI for sampleproject",
                 projects=["sampleproject"]).json["token"]

    assert report(api, [token]).status_code == 204

    [mine] = api.call("GET", "/api/account/events", session,
                      params={"name": "account:api_token:removed_leak"}).json["events"]
    [projects] = api.call("GET", "/api/projects/sampleproject/events", session,
                          params={"name": "project:api_token:removed"}).json["events"]
    assert mine["details"] == {"description": "CI for sampleproject", "reason": "leaked",
                               "url": "https://github.com/alice/repo/blob/main/.pypirc"}
    assert projects["details"] == {"description": "CI for sampleproject", "reason": "leaked"}
    assert mine["token_id"] == projects["token_id"] is not None
    assert token not in str([mine, projects])


def test_a_leaked_token_of_a_frozen_account_is_still_revoked(api, clock):
    session, _, _ = enrolled(api, clock)
    token = mint(api, session).json["token"]
    api.wiring.app.freeze_account(cli_origin(clock()), "alice", "incident")

    assert report(api, [token]).status_code == 204

    assert len(revocations(api)) == 1
    api.wiring.app.unfreeze_account(cli_origin(clock()), "alice", "resolved")
    assert "revoked" in refusal(api, token, "anything")  # unfreezing brings back no leak
