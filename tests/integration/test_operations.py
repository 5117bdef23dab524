"""What operators and orchestrators rely on: liveness, readiness, a store outage answered with
503 and Retry-After, and the lease that lets one projection process lead among many."""

from dataclasses import replace
from uuid import uuid4

import psycopg
import pytest

from tests.integration.test_two_factor import verified_user
from tests.older_release import write_as_an_older_release
from wharf.domain.account import Account
from wharf.domain.origin import cli_origin
from wharf.projections.client_actions import ClientActions


def test_liveness_needs_no_store_and_readiness_reports_the_lag(api):
    alive = api.call("GET", "/api/health")
    ready = api.call("GET", "/api/ready")

    assert alive.status_code == 200 and alive.json == {"status": "alive"}
    assert ready.status_code == 200 and ready.json == {"status": "ready", "lag": 0}


def test_views_behind_the_log_are_not_ready_until_caught_up(api, clock):
    api.wiring.settings = replace(api.wiring.settings, ready_max_lag=1)
    behind = [Account.register(cli_origin(clock()), uuid4(), f"user{n}", "x") for n in range(2)]
    write_as_an_older_release(api.wiring.app)
    api.wiring.app.save(*behind)  # stored, but no view has applied them

    refused = api.call("GET", "/api/ready")
    api.wiring.projector.catch_up()

    assert refused.status_code == 503 and refused.json["code"] == "views_behind"
    assert refused.headers["Retry-After"] == "5" and "2 events behind" in refused.json["detail"]
    assert api.call("GET", "/api/ready").status_code == 200


def test_a_store_that_stops_answering_gets_503_and_retry_after_never_a_pass(settings, api):
    if not settings.uses_postgres:
        pytest.skip("SQLite is a file beside the process: there is no server to lose")
    session = api.user("alice")
    api.wiring.db.close()  # every view read now fails as in an outage

    for path in ("/api/account", "/api/ready", "/account"):
        answer = api.call("GET", path, session)
        assert answer.status_code == 503, (path, answer.status_code)
        assert answer.headers["Retry-After"] == "5"
    assert answer.headers["content-type"].startswith("text/html")  # a page gets a page
    assert api.call("GET", "/api/account", session).json["code"] == "store_unavailable"


def test_one_lease_holder_at_a_time_and_the_next_takes_over_on_release(wiring):
    first = wiring.db.lease("wharf:test")
    second = wiring.db.lease("wharf:test")

    assert first is not None and first.alive() and second is None
    first.release()
    third = wiring.db.lease("wharf:test")
    assert third is not None and third.alive()
    third.release()


def test_a_lease_whose_connection_dies_is_no_longer_held(settings, wiring):
    if not settings.uses_postgres:
        pytest.skip("SQLite's lease is a file lock: only its holder's death frees it")
    lease = wiring.db.lease("wharf:test")
    with psycopg.connect(settings.database_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_locks"
                      " WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
                      " AND objid = (hashtextextended(%s, 2) & 4294967295)::oid",
                      (f"wharf:{settings.database_schema}:wharf:test",))

    assert not lease.alive()
    successor = wiring.db.lease("wharf:test")
    assert successor is not None
    successor.release()


def test_a_limit_the_store_cannot_read_is_the_store_s_outage_503(api):
    class Unreachable(ClientActions):
        def by_ip(self, *args):
            raise psycopg.OperationalError("connection refused")

        by_account = by_ip

    session = verified_user(api, "alice")
    api.wiring.app.client_actions = Unreachable(api.wiring.db)

    refused = api.call("POST", "/api/projects", session, json={"name": "sampleproject"})

    assert refused.status_code == 503 and refused.json["code"] == "store_unavailable"
    assert refused.headers["Retry-After"] == "5"
