"""Every command of the API driven with hostile values (extreme dates and offsets, NUL,
surrogates, huge numbers, long strings, wrong types), field by field, as a signed-in account
with the sudo window open; after each, the answer is no server error and an unrelated person
can still sign up and log in, on both stores. Derandomized unless WHARF_FUZZ_SEED=N (CI runs
it once more from a fresh, printed seed).
"""

import json
import re
from itertools import count
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import fields

from tests.conftest import DERANDOMIZE
from tests.integration.fuzzing import identity, shared_api  # noqa: F401 - fixtures
from wharf.http.endpoint import SESSION
from wharf.http.routes import ROUTES

MOMENTS = st.sampled_from([
    "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59.999999Z",
    "1969-12-31T23:59:59Z", "2026-06-01T12:00:00+23:59", "2026-06-01T12:00:00-23:59",
    "2026-06-01T12:00:00", "+275760-09-13T00:00:00Z", "2026-02-30T00:00:00Z",
    "2026-06-01T12:00:00+00:00\x00"])
TEXTS = st.one_of(
    st.sampled_from(["\x00", "a\x00b", "\ud800", "x\udfffy", "x" * 100_000, "", " \t ",
                     "\u202eevil", "😀" * 2000, "\r\nX-Injected: 1", "../../etc/passwd",
                     "'; DROP TABLE accounts;--", "%00", "\ufeff", "ǅ" * 64]),
    st.text(max_size=40))
NUMBERS = st.sampled_from([2**63, -(2**63) - 1, 10**100, -1, 0, 1e308, 0.5, True])
HOSTILE = st.one_of(TEXTS, MOMENTS, NUMBERS, st.none(), st.lists(TEXTS, max_size=3),
                    st.dictionaries(TEXTS, TEXTS, max_size=3))


def field_values(field: fields.Field) -> st.SearchStrategy:
    """A hostile value, mostly of the field's own kind, so that it gets past the type check."""
    if isinstance(field, fields.DateTime):
        own = MOMENTS
    elif isinstance(field, (fields.Integer, fields.Float)):
        own = NUMBERS
    elif isinstance(field, fields.List):
        own = st.lists(field_values(field.inner), max_size=3)
    elif isinstance(field, fields.Dict):
        own = st.dictionaries(TEXTS, st.one_of(TEXTS, NUMBERS, st.lists(TEXTS, max_size=2)),
                              max_size=4)
    else:
        own = TEXTS
    return st.one_of(own, own, HOSTILE)


def plausible(field: fields.Field) -> st.SearchStrategy:
    """A value that passes the field's own checks, so that a hostile one beside it is reached."""
    if isinstance(field, fields.DateTime):
        return st.sampled_from(["2030-01-01T00:00:00Z", "2027-06-01T12:00:00+02:00"])
    if isinstance(field, (fields.Integer, fields.Float)):
        return st.integers(1, 50)
    if isinstance(field, fields.Boolean):
        return st.booleans()
    if isinstance(field, fields.List):
        return st.lists(plausible(field.inner), min_size=1, max_size=2)
    if isinstance(field, fields.Dict):
        return st.just({})
    return st.one_of(st.sampled_from(["fuzzed-project", "fuzzer", "Owner"]),
                     st.from_regex(r"[a-z][a-z0-9]{5,11}", fullmatch=True))


def values_of(schema) -> st.SearchStrategy:
    """One field hostile; each of the others plausible, or left out when it may be."""
    named = {field.data_key or name: field for name, field in schema().fields.items()}

    def around(target: str) -> st.SearchStrategy:
        others = {key: field for key, field in named.items() if key != target}
        return st.fixed_dictionaries(
            {target: field_values(named[target]),
             **{key: plausible(field) for key, field in others.items() if field.required}},
            optional={key: plausible(field) for key, field in others.items()
                      if not field.required})

    return st.sampled_from(sorted(named)).flatmap(around)


COMMANDS = [(method, path, endpoint) for path, resource in ROUTES
            for method, endpoint in resource.endpoints.items()
            if endpoint.body or endpoint.query or "{" in path]
PARAMETER = re.compile(r"{(\w+)}")
PATH_VALUES = st.one_of(st.sampled_from(["fuzzer@example.com", "fuzzer", "fuzzed-project",
                                         "00000000-0000-0000-0000-000000000000"]), TEXTS)
HOSTILE_CALLS = settings(max_examples=25, derandomize=DERANDOMIZE, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                HealthCheck.too_slow])
newcomers = count()


def everyone_else_still_signs_up_and_logs_in(api) -> None:
    n = next(newcomers)
    address = f"198.51.100.{n % 250}"  # not the fuzzer's address, whose failures it counts
    name = f"newcomer{n}"
    registered = api.call("POST", "/api/accounts", remote_addr=address, json={
        "username": name, "password": "correct horse battery staple",
        "email": f"{name}@example.com"})
    assert registered.status_code == 201, registered.text
    logged_in = api.call("POST", "/api/session", remote_addr=address, json={
        "username": name, "password": "correct horse battery staple"})
    assert logged_in.status_code == 201, logged_in.text


@pytest.mark.parametrize(("method", "path", "endpoint"), COMMANDS,
                         ids=[f"{m} {p}" for m, p, _ in COMMANDS])
@HOSTILE_CALLS
@given(data=st.data())
def test_a_hostile_value_never_stops_anyone_else(shared_api, identity, method, path, endpoint,
                                                  data):
    if shared_api.call("GET", "/api/projects/fuzzed-project").status_code == 404:
        shared_api.call("POST", "/api/projects", headers=identity.bearer(SESSION),
                        json={"name": "fuzzed-project"})
    concrete = PARAMETER.sub(lambda _: _quoted(data.draw(PATH_VALUES)), path)
    body = data.draw(values_of(endpoint.body)) if endpoint.body else None
    query = data.draw(values_of(endpoint.query)) if endpoint.query else None

    headers = {**identity.bearer(endpoint.auth), "Content-Type": "application/json"}
    answer = shared_api.call(method, concrete, headers=headers,
                             body=None if body is None else json.dumps(body),  # \ud800 escapes
                             query_string=_query_string(query or {}))

    assert answer.status_code < 500, (method, concrete, body, query, answer.text)
    everyone_else_still_signs_up_and_logs_in(shared_api)


def _quoted(value) -> str:
    return quote(str(value).encode("utf-8", "surrogatepass"), safe="")


def _query_string(query: dict) -> str:
    pairs = [(name, item) for name, value in query.items()
             for item in (value if isinstance(value, list) else [value])]
    return "&".join(f"{_quoted(name)}={_quoted(item)}" for name, item in pairs)
