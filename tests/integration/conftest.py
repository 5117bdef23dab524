"""An API client over falcon.testing, with the few steps most stories start from."""

from email import message_from_bytes
from email.policy import default as default_policy

import falcon.testing
import pytest

from wharf.http.app import create_app
from wharf.mail import deliver_pending

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

    def mail(self) -> list:
        """Deliver the outbox, then read every .eml file written so far."""
        deliver_pending(self.wiring.outbox, self.wiring.renderer, self.wiring.mail_transport(),
                        self.wiring.clock())
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
def api(wiring) -> Api:
    return Api(wiring)
