"""schemathesis against /api/openapi.json, in process, on both stores: no server errors, and no
answer the document does not describe (status, media type, body), for anyone, for a signed-in
account, and along the links schemathesis infers between operations (stateful).

The document is built by `build_spec`, as the app serves it (checked below), because pytest
collects one test per operation before any app exists: schemathesis's `from_fixture` would load
it from the app, but it does not run under pytest 9. Every run is derandomized: CI fuzzes the
same examples each time, and a failure prints the request that reproduces it.
"""

import json
from dataclasses import replace
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

from tests.conftest import Clock, fast_passwords
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
    config=SchemathesisConfig.from_dict({"generation": {"deterministic": True}}))
# Per operation and pass: the coverage phase's edge cases, then 25 generated examples (valid
# and invalid); `database=None` keeps CI from replaying failures saved by earlier runs.
BOUNDS = settings(max_examples=25, derandomize=True, deadline=None, database=None)
STATEFUL = settings(BOUNDS, max_examples=25, stateful_step_count=10)


class Stores:
    """Empty stores of one kind (SQLite or PostgreSQL), each with its app; dropped when done."""

    def __init__(self, kind: str, tmp_path_factory, postgres_url: str | None):
        self._kind, self._tmp, self._postgres_url = kind, tmp_path_factory, postgres_url
        self._open: list[Api] = []

    def new(self) -> Api:
        store = Settings(data_dir=self._tmp.mktemp("fuzz"), secret_key=b"fuzz-secret-0123")
        if self._kind == "postgres":
            store = replace(store, database_url=self._postgres_url,
                            database_schema=f"t_fuzz_{uuid4().hex[:12]}")
        initialise(store)
        api = Api(bootstrap(store, Clock(), passwords=fast_passwords()))
        self._open.append(api)
        return api

    def drop(self, api: Api) -> None:
        self._open.remove(api)
        api.wiring.close()
        store = api.wiring.settings
        if store.uses_postgres:
            with psycopg.connect(store.database_url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{store.database_schema}" CASCADE')

    def drop_all(self) -> None:
        for api in list(self._open):
            self.drop(api)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def stores(request, tmp_path_factory) -> Stores:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    made = Stores(request.param, tmp_path_factory, url)
    yield made
    made.drop_all()


@pytest.fixture(scope="module")
def shared_api(stores) -> Api:
    """One store for the stateless tests: a fresh one per operation costs more than its
    fuzzing."""
    return stores.new()


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


def test_linked_calls_get_the_answers_the_document_describes(stores):
    class SignedIn(schema.as_state_machine()):
        # Each scenario from an empty store: Hypothesis replays a scenario's first steps to
        # explore others and requires them to meet the same answers (the same links to
        # follow), which a store that kept the earlier scenarios' changes would not give.
        def setup(self):
            self.api = stores.new()
            self.identity = Identity(self.api)

        def teardown(self):
            stores.drop(self.api)

        def get_call_kwargs(self, case):
            return {"headers": self.identity.headers(case), "app": self.api.client.app}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    SignedIn.run(settings=STATEFUL)
