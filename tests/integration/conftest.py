"""An API client over falcon.testing, with the few steps most stories start from."""

from email import message_from_bytes
from email.policy import default as default_policy

import falcon.testing
import pytest

from wharf.domain.origin import cli_origin
from wharf.http.app import create_app

PASSWORD = "correct horse battery staple"


class Api:
    def __init__(self, wiring):
        self.wiring = wiring
        self.client = falcon.testing.TestClient(create_app(wiring))

    def call(self, method: str, path: str, token: str | None = None, json=None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.simulate_request(method, path, json=json, headers=headers,
                                            remote_addr=kwargs.pop("remote_addr", "192.0.2.10"),
                                            **kwargs)

    def register(self, username: str, email: str | None = None, password: str = PASSWORD):
        result = self.call("POST", "/api/accounts", json={
            "username": username, "password": password,
            "email": email or f"{username.lower()}@example.com"})
        assert result.status_code == 201, result.json
        return result.json["id"]

    def log_in(self, username: str, password: str = PASSWORD, **kwargs) -> str:
        result = self.call("POST", "/api/session",
                           json={"username": username, "password": password}, **kwargs)
        assert result.status_code == 201, result.json
        return result.json["token"]

    def user(self, username: str) -> str:
        """A new account's session, with the sudo window open."""
        self.register(username)
        token = self.log_in(username)
        self.sudo(token)
        return token

    def sudo(self, token: str) -> None:
        result = self.call("POST", "/api/session/reauthenticate", token,
                           json={"password": PASSWORD})
        assert result.status_code == 200, result.json

    def grant(self, owner: str, project: str, member: str, role: str = "Maintainer",
              member_address: str = "192.0.2.10"):
        """Give `member` (a session) a role the only way there is: the Owner invites, the
        member (their primary address verified first, if it was not) accepts."""
        me = self.call("GET", "/api/account", member).json
        primary = next(e for e in me["emails"] if e["primary"])
        if not primary["verified"]:
            verified = self.call("POST", "/api/account/emails/verify",
                                 json={"token": self.verification_token(primary["email"])})
            assert verified.status_code == 204, verified.json
        invited = self.call("POST", f"/api/projects/{project}/roles", owner,
                            json={"username": me["username"], "role": role})
        assert invited.status_code == 201, invited.json
        accepted = self.call("POST", f"/api/account/invitations/{project}/accept", member,
                             remote_addr=member_address)
        assert accepted.status_code == 204, accepted.json

    def mail(self) -> list:
        """Deliver the outbox, then read every .eml file written so far."""
        self.wiring.deliver_mail()
        directory = self.wiring.settings.outbox_dir
        return [message_from_bytes(path.read_bytes(), policy=default_policy)
                for path in sorted(directory.glob("*.eml"))] if directory.exists() else []

    def verification_token(self, address: str) -> str:
        """The token of the latest verification email sent to this address."""
        bodies = [m.get_content() for m in self.mail()
                  if m["To"] == address and "Verify" in m["Subject"]]
        assert bodies, f"no verification email to {address}"
        return bodies[-1].split("token=")[1].split()[0]


@pytest.fixture
def admin(api, clock) -> str:
    """dave, an admin, in a session with the sudo window open."""
    session = api.user("dave")
    api.wiring.app.grant_admin(cli_origin(clock()), "dave")
    return session


@pytest.fixture
def api(wiring) -> Api:
    return Api(wiring)
