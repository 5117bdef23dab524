"""What trusted publishing's exchange costs: POST /_/oidc/mint-token through gunicorn, against a
bare signature check of the same identity tokens with their JWKS already at hand (the floor).

In one run: a throwaway PostgreSQL schema (`wharf init`, dropped at the end); the tests' OIDC
issuer (tests/oidc_issuer.py) in a process of its own over TLS, with a test CA from trustme
that Wharf trusts through SSL_CERT_FILE; one Wharf server (gunicorn, 2 workers) trusting that
issuer; one account owning `sampleproject`, whose GitHub publisher the issuer's runs match.
Every identity token is fetched from the issuer before anything is timed (each has its own
`jti`, as each exchange must). Then:
  floor: jwt.decode(token, cached key, RS256, audience) for each token, one after another;
  mint:  each token posted once to /_/oidc/mint-token by CLIENTS threads (a new connection
         per request), every answer checked to be 200;
  hello: as many GETs of a bare Falcon hello-world (bench/hello.py) under the same gunicorn
         command line, the same way: what any HTTP answer costs here before Wharf does a thing.
Printed, never asserted: exchanges per second, p50 and p95 of each; the target, mint's p50
within 5x of the floor's, and whether it was met; and hello-world's p50 over the floor's, which
shows whether the target is within reach of any HTTP service (the exchange also writes four
aggregates and the views in one PostgreSQL transaction).

Run: .venv/bin/python bench/mint_token.py [TOKENS]   (default 300; about 30 s)
"""

import http.client
import json
import secrets
import ssl
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import jwt
import trustme
from load import percentile
from servers import (
    drop_schema,
    free_port,
    init_store,
    start_gunicorn,
    wharf_environ,
)

from wharf.bootstrap import bootstrap
from wharf.domain.origin import Origin
from wharf.domain.publishers import GitHubPublisher
from wharf.settings import from_environ

REPO = Path(__file__).resolve().parents[1]
DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
REQUEST_TOKEN = "bench-request-token"
AUDIENCE = "wharf"
CLIENTS = 4
TARGET = 5  # mint's p50 at most this many times the floor's


def start_issuer(directory: Path, ca: trustme.CA) -> tuple[subprocess.Popen, str]:
    served = ca.issue_cert("127.0.0.1")
    cert, key = directory / "issuer-cert.pem", directory / "issuer-key.pem"
    served.cert_chain_pems[0].write_to_path(cert)
    served.private_key_pem.write_to_path(key)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.oidc_issuer", str(port), str(cert),
                                str(key), REQUEST_TOKEN, "{}"], cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"https://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            get_json(url, "/.well-known/openid-configuration", ca)
            return process, url
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the OIDC issuer did not start")


def get_json(url: str, path: str, ca: trustme.CA, headers: dict | None = None) -> dict:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    connection = http.client.HTTPSConnection(url.removeprefix("https://"), context=context,
                                             timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def owner_with_publisher(environ: dict[str, str], issuer: str) -> None:
    """An account with a verified email owning sampleproject, whose publisher is the issuer's
    default run (octo-org/sampleproject, release.yml, environment pypi)."""
    wiring = bootstrap(from_environ(environ))
    try:
        app, at = wiring.app, datetime.now(UTC)
        origin = Origin(None, "127.0.0.1", "wharf-bench", at)
        account_id = app.register(origin, "minter", "bench minter password 1", "m@example.com")
        nonce = next(iter(app.repository.get(account_id).emails.values()))["nonce"]
        app.verify_email(origin, app.verification_tokens.issue(account_id, nonce))
        session = app.log_in(origin, "minter", "bench minter password 1")
        acting = Origin(account_id, "127.0.0.1", "wharf-bench", at, session.session_id)
        app.reauthenticate(acting, session.session_id, "bench minter password 1")
        app.create_project(acting, "sampleproject")
        app.add_publisher(acting, "sampleproject", GitHubPublisher(
            issuer, "octo-org", "1234567", "sampleproject", "release.yml", "pypi"))
    finally:
        wiring.close()


def mint(port: int, token: str) -> float:
    """Milliseconds one exchange takes, on a new connection."""
    return timed(port, "POST", "/_/oidc/mint-token", json.dumps({"token": token}))


def timed(port: int, method: str, path: str, body: str | None = None) -> float:
    """Milliseconds one request takes, on a new connection; any answer but 200 stops the run."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body)
        answer = connection.getresponse()
        answer.read()
    finally:
        connection.close()
    if answer.status != 200:
        raise RuntimeError(f"{method} {path} answered {answer.status}")
    return (time.perf_counter() - start) * 1000


def report(name: str, times: list[float], seconds: float) -> float:
    p50 = percentile(times, 50)
    print(f"{name:<6} {len(times) / seconds:>10.0f}/s   p50 {p50:8.3f} ms"
          f"   p95 {percentile(times, 95):8.3f} ms")
    return p50


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    work = Path(tempfile.mkdtemp(prefix="wharf-mint-bench-"))
    schema, ca = f"bench_{secrets.token_hex(6)}", trustme.CA()
    ca.cert_pem.write_to_path(work / "ca.pem")
    issuer_process, issuer = start_issuer(work, ca)
    environ = {**wharf_environ(DATABASE_URL, schema, work), "WHARF_OIDC_ISSUERS": issuer,
               "SSL_CERT_FILE": str(work / "ca.pem"), "PYTHONPATH": str(REPO)}
    server = hello = None
    try:
        init_store(environ)
        owner_with_publisher(environ, issuer)
        server = start_gunicorn("wharf", "wharf.http.app:get_app()", environ, work,
                                "/api/health")
        auth = {"Authorization": f"bearer {REQUEST_TOKEN}"}
        tokens = [get_json(issuer, f"/token?audience={AUDIENCE}", ca, auth)["value"]
                  for _ in range(count + 1)]
        keys = jwt.PyJWKSet.from_dict(get_json(issuer, "/jwks", ca))
        key = keys[jwt.get_unverified_header(tokens[0])["kid"]].key
        mint(server.port, tokens.pop())  # warms the server's JWKS cache, untimed
        hello = start_gunicorn("hello", "hello:app",
                               {**environ, "PYTHONPATH": str(Path(__file__).parent)}, work, "/")

        start, floor = time.perf_counter(), []
        for token in tokens:
            began = time.perf_counter()
            jwt.decode(token, key, algorithms=["RS256"], audience=AUDIENCE)
            floor.append((time.perf_counter() - began) * 1000)
        floor_seconds = time.perf_counter() - start
        start = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            minted = list(pool.map(lambda token: mint(server.port, token), tokens))
        mint_seconds = time.perf_counter() - start
        start = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            hellos = list(pool.map(lambda _: timed(hello.port, "GET", "/"), tokens))
        hello_seconds = time.perf_counter() - start

        print(f"{count} identity tokens; mint-token through gunicorn ({CLIENTS} clients,"
              f" 2 workers, PostgreSQL) against a bare RS256 check with the key cached")
        floor_p50 = report("floor", floor, floor_seconds)
        mint_p50 = report("mint", minted, mint_seconds)
        hello_p50 = report("hello", hellos, hello_seconds)
        ratio = mint_p50 / floor_p50
        print(f"mint p50 / floor p50 = {ratio:.1f}x; target: within {TARGET}x ->"
              f" {'met' if ratio <= TARGET else 'NOT met'}")
        print(f"hello-world p50 / floor p50 = {hello_p50 / floor_p50:.1f}x (an HTTP answer that"
              f" does nothing); mint p50 / hello-world p50 = {mint_p50 / hello_p50:.1f}x")
    finally:
        for running in (server, hello):
            if running is not None:
                running.stop()
        issuer_process.terminate()
        issuer_process.wait()
        drop_schema(DATABASE_URL, schema)
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
