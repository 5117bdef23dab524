"""schemathesis against /api/openapi.json, in process, on both stores: no server errors, and no
answer the document does not describe (status, media type, body), for anyone, for a signed-in
account, and along the links schemathesis infers between operations (stateful).

The document is built by `build_spec`, as the app serves it (checked below), because pytest
collects one test per operation before any app exists: schemathesis's `from_fixture` would load
it from the app, but it does not run under pytest 9. Every run is derandomized (the same examples
each time, and a failure prints the request that reproduces it), unless WHARF_FUZZ_SEED=N asks
for the examples of seed N: CI runs this module once more with a fresh seed, and prints it.
"""

import json
from dataclasses import replace
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
import schemathesis
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import DERANDOMIZE, FUZZ_SEED, Clock, empty_schema, fast_passwords
from tests.integration.conftest import Api
from tests.integration.test_api_tokens import mint
from tests.integration.test_two_factor import verified_user
from wharf.bootstrap import bootstrap, initialise
from wharf.http.openapi import build_spec
from wharf.security.api_tokens import TokenRefused
from wharf.security.tokens import token_hash
from wharf.settings import Settings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
SITE_NAME = Settings().site_name
schema = schemathesis.openapi.from_dict(
    build_spec(SITE_NAME),
    config=SchemathesisConfig.from_dict({"generation": {"deterministic": DERANDOMIZE},
                                         **({} if DERANDOMIZE else {"seed": FUZZ_SEED})}))
# Per operation and pass: the coverage phase's edge cases, then 25 generated examples (valid
# and invalid); `database=None` keeps CI from replaying failures saved by earlier runs.
BOUNDS = settings(max_examples=25, derandomize=DERANDOMIZE, deadline=None, database=None)
STATEFUL = settings(BOUNDS, max_examples=25, stateful_step_count=10)


def open_store(data_dir: Path, postgres_url: str | None) -> Api:
    """A new, empty store: a SQLite file in `data_dir`, or a schema of its own in PostgreSQL."""
    store = Settings(data_dir=data_dir, secret_key=b"fuzz-secret-0123")
    if postgres_url:
        store = replace(store, database_url=postgres_url,
                        database_schema=f"t_fuzz_{uuid4().hex[:12]}")
    initialise(store)
    return Api(bootstrap(store, Clock(), passwords=fast_passwords()))


def close_store(api: Api) -> None:
    store = api.wiring.settings
    api.wiring.close()
    if store.uses_postgres:
        with psycopg.connect(store.database_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{store.database_schema}" CASCADE')


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def postgres_or_sqlite(request) -> str | None:
    """The PostgreSQL URL, or None for SQLite."""
    return request.getfixturevalue("postgres_url") if request.param == "postgres" else None


@pytest.fixture(scope="module")
def shared_api(postgres_or_sqlite, tmp_path_factory) -> Api:
    """One store for the whole module: a fresh one per operation costs more than its fuzzing."""
    api = open_store(tmp_path_factory.mktemp("fuzz"), postgres_or_sqlite)
    yield api
    close_store(api)


class Identity:
    """A verified account's session (sudo window open) and API token, renewed whenever a
    fuzzed call ended them (a log-out, a token revoking itself), so every call is signed in."""

    def __init__(self, api: Api):
        self.api = api
        self.session = verified_user(api, "fuzzer")
        self.minted = 0
        self.token = self._mint()

    def headers(self, case) -> dict:
        security = case.operation.definition.raw.get("security", [])
        live = self._live_token() if {"api_token": []} in security else self._live_session()
        return {"Authorization": f"Bearer {live}"}

    def _live_session(self) -> str:
        wiring = self.api.wiring
        row = wiring.sessions.active_by_token_hash(token_hash(self.session), wiring.clock())
        if row is None or row["sudo_until"] is None or row["sudo_until"] <= wiring.clock():
            self.session = self.api.log_in("fuzzer")
            self.api.sudo(self.session)
        return self.session

    def _live_token(self) -> str:
        try:
            self.api.wiring.upload_authority.identify(self.token)
        except TokenRefused:
            self.token = self._mint()
        return self.token

    def _mint(self) -> str:
        self.minted += 1
        minted = mint(self.api, self._live_session(), description=f"fuzzing {self.minted}")
        assert minted.status_code == 201, minted.json
        return minted.json["token"]


@pytest.fixture(scope="module")
def identity(shared_api) -> Identity:
    return Identity(shared_api)


def test_the_fuzzed_document_is_the_one_the_app_serves(shared_api):
    served = shared_api.call("GET", "/api/openapi.json").json

    assert served == json.loads(json.dumps(build_spec(SITE_NAME)))


@schema.parametrize()
@BOUNDS
def test_anyone_gets_the_answers_the_document_describes(case, shared_api):
    case.call_and_validate(checks=CHECKS, app=shared_api.client.app)


@schema.parametrize()
@BOUNDS
def test_a_signed_in_account_gets_the_answers_the_document_describes(case, shared_api,
                                                                    identity):
    case.call_and_validate(headers=identity.headers(case), checks=CHECKS,
                           app=shared_api.client.app)


def test_linked_calls_get_the_answers_the_document_describes(postgres_or_sqlite, tmp_path):
    """Each scenario starts from an empty store: hypothesis replays scenarios (to shrink one,
    and to check that it is reproducible), and a replay must meet the same answers, which a
    store changed by earlier scenarios would not give."""
    kept = open_store(tmp_path / "store", postgres_or_sqlite)
    store = kept.wiring.settings

    class SignedIn(schema.as_state_machine()):
        def setup(self):
            self.api = Api(bootstrap(emptied(store, tmp_path), Clock(), passwords=fast_passwords()))
            self.identity = Identity(self.api)

        def teardown(self):
            self.api.wiring.close()

        def get_call_kwargs(self, case):
            return {"headers": self.identity.headers(case), "app": self.api.client.app}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    try:
        SignedIn.run(settings=STATEFUL)
    finally:
        close_store(kept)


def emptied(store: Settings, tmp_path: Path) -> Settings:
    """The store emptied (PostgreSQL: its tables; SQLite: a new file), then initialised."""
    fresh = replace(store, data_dir=tmp_path / uuid4().hex)
    if store.uses_postgres:
        empty_schema(store.database_url, store.database_schema)
    initialise(fresh)
    return fresh
