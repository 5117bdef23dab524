"""What the fuzzing tests share: one store per module and backend, and a signed-in identity."""

from dataclasses import replace
from uuid import uuid4

import psycopg
import pytest

from tests.conftest import Clock, empty_schema, fast_passwords
from tests.integration.conftest import Api
from tests.integration.test_api_tokens import mint
from tests.integration.test_two_factor import verified_user
from wharf.bootstrap import bootstrap, initialise
from wharf.http.endpoint import API_TOKEN, SESSION
from wharf.security.api_tokens import TokenRefused
from wharf.security.tokens import token_hash
from wharf.settings import Settings


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared_api(request, tmp_path_factory) -> Api:
    """One store for the whole module: a fresh one per operation costs more than its fuzzing."""
    store = Settings(data_dir=tmp_path_factory.mktemp("fuzz"), secret_key=b"fuzz-secret-0123")
    if request.param == "postgres":
        store = replace(store, database_url=request.getfixturevalue("postgres_url"),
                        database_schema=f"t_fuzz_{uuid4().hex[:12]}")
    initialise(store)
    wiring = bootstrap(store, Clock(), passwords=fast_passwords())
    yield Api(wiring)
    wiring.close()
    if store.uses_postgres:
        with psycopg.connect(store.database_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{store.database_schema}" CASCADE')


def empty_store(api: Api) -> None:
    """Forget everything: the log, the views and the mail, as a fresh store would be."""
    wiring = api.wiring
    if wiring.settings.uses_postgres:
        empty_schema(wiring.settings.database_url, wiring.settings.database_schema)
    else:
        with wiring.db.transaction(lock=True) as cur:
            tables = [row["name"] for row in cur.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
            for table in tables:
                cur.execute(f"DELETE FROM {table}")
    for message in wiring.settings.outbox_dir.glob("*.eml"):
        message.unlink()
    wiring.projector.create_tables()  # the views' tracking rows, at the log's start


class Identity:
    """A verified account's session (sudo window open) and API token, renewed whenever a
    fuzzed call ended them (a log-out, a token revoking itself), so every call is signed in."""

    def __init__(self, api: Api):
        self.api = api
        self._sign_up()

    def start_over(self) -> None:
        """An empty store, and this identity made anew in it."""
        empty_store(self.api)
        self._sign_up()

    def _sign_up(self) -> None:
        self.session = verified_user(self.api, "fuzzer")
        self.minted = 0
        self.token = self._mint()

    def headers(self, case) -> dict:
        security = case.operation.definition.raw.get("security", [])
        return self.bearer(API_TOKEN if {"api_token": []} in security else SESSION)

    def bearer(self, auth: str) -> dict:
        """The Authorization header for an endpoint needing `auth`: a live API token or
        session."""
        live = self._live_token() if auth == API_TOKEN else self._live_session()
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
