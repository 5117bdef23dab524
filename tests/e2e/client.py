"""A small HTTP client for one Wharf server, and a reader for the .eml outbox directory."""

import subprocess
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path

import requests

PASSWORD = "correct horse battery staple"
TIMEOUT = 15
MAIL_WAIT = 15.0


class Api:
    """Sends the session token as a bearer header; only a `browser` keeps cookies."""

    def __init__(self, url: str, *, browser: bool = False):
        self.url = url
        self.timeout = TIMEOUT  # seconds to wait for an answer
        self.http = requests.Session()
        if not browser:
            self.http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.responses: list[requests.Response] = []  # every answer, for contract checks

    def call(self, method: str, path: str, token: str | None = None, json=None,
             **kwargs) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.http.request(method, self.url + path, json=json, headers=headers,
                                     timeout=self.timeout, **kwargs)
        self.responses.append(response)
        return response

    def register(self, username: str, email: str | None = None,
                 password: str = PASSWORD) -> str:
        result = self.call("POST", "/api/accounts", json={
            "username": username, "password": password,
            "email": email or f"{username.lower()}@example.com"})
        assert result.status_code == 201, result.text
        return result.json()["id"]

    def log_in(self, username: str, password: str = PASSWORD) -> dict:
        """Return the new session: {session_id, token, expires_at}."""
        result = self.call("POST", "/api/session",
                           json={"username": username, "password": password})
        assert result.status_code == 201, result.text
        return result.json()

    def token(self, username: str, password: str = PASSWORD) -> str:
        return self.log_in(username, password)["token"]

    def user(self, username: str) -> str:
        self.register(username)
        return self.token(username)

    def verified_user(self, mail: "MailDirectory", username: str) -> str:
        """A new account whose email is verified through the delivered link: a session."""
        self.register(username)
        self.verify_email(mail, f"{username.lower()}@example.com")
        return self.token(username)

    def sudo(self, token: str, password: str = PASSWORD) -> str:
        """Open the sudo window (needed for email changes) on this session."""
        result = self.call("POST", "/api/session/reauthenticate", token,
                           json={"password": password})
        assert result.status_code == 200, result.text
        return token

    def from_address(self, ip: str) -> "Api":
        """Another client of this server whose requests arrive through a proxy for `ip`.

        The server believes it only when WHARF_TRUSTED_PROXIES covers 127.0.0.1.
        """
        api = Api(self.url)
        api.http.headers["X-Forwarded-For"] = ip
        return api

    def grant(self, owner: str, project: str, member: str, role: str = "Maintainer") -> None:
        """Give `member` (a verified account's session) a role the only way there is: the
        Owner (sudo window open) invites, the member accepts."""
        username = self.call("GET", "/api/account", member).json()["username"]
        invited = self.call("POST", f"/api/projects/{project}/roles", owner,
                            json={"username": username, "role": role})
        assert invited.status_code == 201, invited.text
        accepted = self.call("POST", f"/api/account/invitations/{project}/accept", member)
        assert accepted.status_code == 204, accepted.text

    def verify_email(self, mail: "MailDirectory", address: str) -> None:
        """Open the verification link the outbox sent to `address`."""
        result = self.call("POST", "/api/account/emails/verify",
                           json={"token": mail.verification_token(address)})
        assert result.status_code == 204, result.text

    def enrol_totp(self, token: str, at: float) -> tuple[str, list[str]]:
        """Add an authenticator app, confirmed with its code for `at`; (secret, recovery codes)."""
        self.sudo(token)
        started = self.call("POST", "/api/account/totp", token)
        assert started.status_code == 201, started.text
        secret = started.json()["secret"]
        confirmed = self.call("POST", "/api/account/totp/confirm", token,
                              json={"code": oathtool(secret, at)})
        assert confirmed.status_code == 200, confirmed.text
        return secret, confirmed.json()["recovery_codes"]

    def two_factor_user(self, username: str, mail: "MailDirectory",
                        at: float) -> tuple[str, list[str]]:
        """A new account, email verified, TOTP confirmed with its code for `at`."""
        self.register(username)
        self.verify_email(mail, f"{username.lower()}@example.com")
        return self.enrol_totp(self.token(username), at)

    def ticket(self, username: str, password: str = PASSWORD) -> str:
        """The password step of an account with two factors: the ticket for the second step."""
        result = self.call("POST", "/api/session",
                           json={"username": username, "password": password})
        assert result.status_code == 202, result.text
        return result.json()["ticket"]

    def second_step(self, method: str, ticket: str, code: str) -> requests.Response:
        """POST /api/session/<method> (totp or recovery-code) with the ticket and the code."""
        return self.call("POST", f"/api/session/{method}", json={"ticket": ticket, "code": code})


TOTP_STEP = 30


def current_step() -> float:
    """The Unix time at which the current 30 s TOTP step began."""
    now = time.time()
    return now - now % TOTP_STEP


def oathtool(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for `secret` at Unix time `at` (now by default)."""
    moment = [] if at is None else ["-N", f"@{int(at)}"]
    done = subprocess.run(["oathtool", "--totp", "--base32", *moment, secret],
                          capture_output=True, text=True, check=True, timeout=10)
    return done.stdout.strip()


def oathtool_window(secret: str, first: float, steps: int) -> list[str]:
    """The codes of `steps` consecutive 30 s steps, starting with the one holding `first`."""
    done = subprocess.run(["oathtool", "--totp", "--base32", "-N", f"@{int(first)}",
                           "-w", str(steps - 1), secret],
                          capture_output=True, text=True, check=True, timeout=10)
    return done.stdout.split()


class MailDirectory:
    """The outbox directory the projection process writes; reads wait a bounded time for mail."""

    def __init__(self, directory: Path):
        self.directory = directory

    def messages(self) -> list[EmailMessage]:
        if not self.directory.exists():
            return []
        return [message_from_bytes(path.read_bytes(), policy=default_policy)
                for path in sorted(self.directory.glob("*.eml"))]

    def wait_for(self, to: str, subject_contains: str) -> EmailMessage:
        deadline = time.monotonic() + MAIL_WAIT
        while True:
            for message in self.messages():
                if message["To"] == to and subject_contains in message["Subject"]:
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"no '{subject_contains}' mail to {to} within {MAIL_WAIT}s")
            time.sleep(0.05)

    def verification_token(self, to: str) -> str:
        body = self.wait_for(to, "Verify").get_content()
        return body.split("token=")[1].split()[0]
