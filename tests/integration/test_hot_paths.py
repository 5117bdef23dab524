"""The hot routes send the store a fixed, small number of SQL statements (counted at the
drivers, tests/integration/statements.py): one more is a regression, found here rather than in
a benchmark."""

import re
from dataclasses import replace
from itertools import takewhile

import pytest

from tests.conftest import fast_passwords
from tests.integration.conftest import Api
from tests.integration.statements import counting
from tests.integration.test_api_tokens import mint
from tests.integration.test_uploads import owner, upload, wheel  # noqa: F401 - a fixture
from wharf.bootstrap import bootstrap, initialise
from wharf.domain.quotas import Rate
from wharf.http.schemas.accounts import AccountView
from wharf.http.schemas.common import dump


@pytest.fixture
def statements(monkeypatch):
    with counting(monkeypatch) as statements:
        yield statements


@pytest.fixture
def wiring(statements, settings, clock):
    """The wiring of conftest, its connections opened while the statements are counted; the
    quotas on addresses far off, as the benchmark's are (bench/servers.py)."""
    settings = replace(settings, quotas=replace(
        settings.quotas, emails_added_per_ip=Rate.parse("999 per day"),
        verification_emails=Rate.parse("999 per day")))
    initialise(settings)
    wiring = bootstrap(settings, clock, passwords=fast_passwords())
    yield wiring
    wiring.close()


@pytest.fixture
def token(api, owner) -> str:
    """alice's API token, with which she uploaded one file to sampleproject."""
    minted = mint(api, owner).json["token"]
    assert upload(api, minted, *wheel()).status_code == 200
    return minted


def sent(statements, work) -> list[str]:
    """The statements `work` sends, after it ran once (pools filled, pages cached)."""
    work()
    with statements.during() as seen:
        work()
    return seen


def test_reading_the_account_is_one_statement(api: Api, owner, statements):
    def read():
        assert api.call("GET", "/api/account", owner).status_code == 200

    assert len(sent(statements, read)) == 1


def test_an_upload_decision_is_one_statement(api: Api, token, statements):
    wiring = api.wiring

    def decide():
        assert wiring.upload_authority.decide(token, "sampleproject", wiring.clock())

    assert len(sent(statements, decide)) == 1


def test_the_simple_index_is_one_statement(api: Api, token, statements):
    def index():
        assert api.call("GET", "/simple/").status_code == 200

    def project_page():
        assert api.call("GET", "/simple/sampleproject/").status_code == 200

    assert len(sent(statements, index)) == 1
    assert len(sent(statements, project_page)) == 1  # the page's fingerprint: unchanged


def test_a_history_page_is_two_statements(api: Api, owner, statements):
    def history():
        assert api.call("GET", "/api/account/events", owner).status_code == 200

    def page():
        assert api.call("GET", "/account/history", owner).status_code == 200

    # the session, then the page of entries (its own statement: it needs the account's id)
    assert len(sent(statements, history)) == 2
    assert len(sent(statements, page)) == 2


def test_adding_an_email_address(api: Api, owner, statements, settings):
    """Its reads (session, switches, the account's snapshot and events in one statement, the
    limiter, the address's claim, the views' position; PostgreSQL's advisory lock besides),
    then the events and views in one pipelined transaction (SQLite inserts the views' rows one
    by one, as many as the audit tree's shape asks). When the events call for a snapshot, it
    is taken from the account in hand and stored in the same transaction (1 more)."""
    count = iter(range(100))

    def add():
        added = api.call("POST", "/api/account/emails", owner,
                         json={"email": f"alice{next(count)}@example.org"})
        assert added.status_code == 201, added.json

    add()
    runs = []
    for _ in range(6):  # 12 events: a snapshot among them
        with statements.during() as seen:
            add()
        runs.append(seen)
    reads = {len(list(takewhile(is_read, seen))) for seen in runs}
    if settings.uses_postgres:
        assert reads == {7}
        assert {len(seen) for seen in runs} == {19, 20}
    else:
        assert reads == {8}


def is_read(sql: str) -> bool:
    """A SELECT, or a WITH whose first statement is one (the aggregate's one read)."""
    first = re.search(r"\b(SELECT|INSERT|UPDATE|DELETE|LOCK)\b", sql)
    return first is not None and first.group(1) == "SELECT"


def test_the_account_read_needs_no_schema_pass(api: Api, owner):
    """GET /api/account answers the profile as read (no marshmallow dump): it must be exactly
    what AccountView would make of it."""
    api.call("POST", "/api/account/emails", owner, json={"email": "alice@example.org"})
    account = api.call("GET", "/api/account", owner).json
    assert len(account["emails"]) == 2 and account["two_factor"]["methods"]
    assert dump(AccountView, account) == account
