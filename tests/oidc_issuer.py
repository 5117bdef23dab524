"""The tests' own OpenID Connect issuer, GitHub-Actions-like: RSA keys it can rotate, a discovery
document, a JWKS, identity tokens with a run's claims; and, run as a program, all of that
served over HTTPS with the ID-token request endpoint a workflow's clients call
(`$ACTIONS_ID_TOKEN_REQUEST_URL&audience=...` with `Authorization: bearer $REQUEST_TOKEN`),
whose query may also override the claims given (`&repository=...`: another workflow's run).

    python -m tests.oidc_issuer PORT CERTFILE KEYFILE REQUEST_TOKEN CLAIMS_JSON
"""

import base64
import hashlib
import hmac
import json
import ssl
import sys
import threading
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


def github_claims(issuer: str, audience: str, now: datetime, **overrides) -> dict:
    """A run of octo-org/sampleproject's release.yml, in GitHub's claim names."""
    at = int(now.timestamp())
    claims = {"iss": issuer, "aud": audience, "iat": at, "nbf": at, "exp": at + 300,
              "jti": str(uuid.uuid4()), "sub": "repo:octo-org/sampleproject:environment:pypi",
              "repository": "octo-org/sampleproject", "repository_owner": "octo-org",
              "repository_owner_id": "1234567", "repository_id": "7654321",
              "workflow_ref": "octo-org/sampleproject/.github/workflows/release.yml"
                              "@refs/tags/v1.0",
              "job_workflow_ref": "octo-org/sampleproject/.github/workflows/release.yml"
                                  "@refs/tags/v1.0",
              "ref": "refs/tags/v1.0", "sha": "a" * 40, "run_id": "4242", "run_attempt": "1",
              "environment": "pypi", "event_name": "push"}
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def gitlab_claims(issuer: str, audience: str, now: datetime, **overrides) -> dict:
    """A pipeline of group/sub/sampleproject's .gitlab-ci.yml, in GitLab's claim names."""
    at, host = int(now.timestamp()), urlsplit(issuer).netloc
    claims = {"iss": issuer, "aud": audience, "iat": at, "nbf": at, "exp": at + 300,
              "jti": str(uuid.uuid4()),
              "sub": "project_path:group/sub/sampleproject:ref_type:tag:ref:v1.0",
              "project_path": "group/sub/sampleproject", "namespace_path": "group/sub",
              "ci_config_ref_uri": f"{host}/group/sub/sampleproject//ci/release.yml"
                                   f"@refs/tags/v1.0",
              "ref_path": "refs/tags/v1.0", "sha": "c" * 40, "pipeline_id": "777",
              "job_id": "888", "environment": "pypi"}
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Issuer:
    def __init__(self, url: str):
        self.url = url
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.kid = ""
        self.fetches: list[str] = []
        self.reachable = True
        self.rotate()

    def rotate(self) -> str:
        """A new signing key, published beside the old ones; the new key's id."""
        self.kid = uuid.uuid4().hex[:16]
        self.keys[self.kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self.kid

    def discovery(self) -> dict:
        return {"issuer": self.url, "jwks_uri": f"{self.url}/jwks",
                "id_token_signing_alg_values_supported": ["RS256"]}

    def jwks(self) -> dict:
        return {"keys": [{**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid,
                          "use": "sig", "alg": "RS256"} for kid, key in self.keys.items()]}

    def fetch(self, url: str) -> dict:
        """What Wharf would read at `url`, answered in process (and counted)."""
        if not self.reachable:
            raise ConnectionRefusedError(url)
        self.fetches.append(url)
        return {f"{self.url}/.well-known/openid-configuration": self.discovery(),
                f"{self.url}/jwks": self.jwks()}[url]

    def sign(self, claims: dict, *, kid: str | None = None, key=None) -> str:
        kid = kid or self.kid
        return jwt.encode(claims, key or self.keys[kid], algorithm="RS256",
                          headers={"kid": kid})

    def unsigned(self, claims: dict) -> str:
        """`alg: none`: a token anyone could have written."""
        header = {"alg": "none", "typ": "JWT", "kid": self.kid}
        return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."

    def hmac_with_public_key(self, claims: dict) -> str:
        """HS256 keyed with the issuer's public key, which a confused verifier would accept."""
        public = self.keys[self.kid].public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        header = {"alg": "HS256", "typ": "JWT", "kid": self.kid}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        mac = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(mac)}"


def serve(port: int, certfile: str, keyfile: str, request_token: str, claims: dict) -> None:
    issuer = Issuer(f"https://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urlsplit(self.path)
            if url.path == "/token":
                query = {name: values[0] for name, values in parse_qs(url.query).items()}
                return self._token(query.pop("audience", ""), query)
            try:
                self._answer(200, issuer.fetch(f"{issuer.url}{url.path}"))
            except KeyError:
                self._answer(404, {"message": "not found"})

        def _token(self, audience: str, query: dict) -> None:
            scheme, _, presented = self.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(presented.encode(),
                                                                     request_token.encode()):
                return self._answer(401, {"message": "bad request token"})
            now = datetime.now().astimezone()
            run = {**claims, **{name: value for name, value in query.items() if name in claims}}
            self._answer(200, {"value": issuer.sign(github_claims(issuer.url, audience, now,
                                                                  **run))})

        def _answer(self, status: int, body: dict) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"issuer ready at {issuer.url}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Event().wait()


if __name__ == "__main__":
    port, certfile, keyfile, request_token, claims_json = sys.argv[1:6]
    serve(int(port), certfile, keyfile, request_token, json.loads(claims_json))
