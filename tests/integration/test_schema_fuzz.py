"""schemathesis against /api/openapi.json, in process, on both stores: no server errors, and no
answer the document does not describe (status, media type, body), for anyone, for a signed-in
account, and along the links schemathesis infers between operations (stateful).

The document is built by `build_spec`, as the app serves it (checked below), because pytest
collects one test per operation before any app exists: schemathesis's `from_fixture` would load
it from the app, but it does not run under pytest 9. Every run is derandomized (the same examples
each time, and a failure prints the request that reproduces it), unless WHARF_FUZZ_SEED=N asks
for the examples of seed N: CI's run draws a fresh seed, and prints it first.
"""

import json

import schemathesis
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import DERANDOMIZE, FUZZ_SEED
from tests.integration.fuzzing import identity, shared_api  # noqa: F401 - fixtures
from wharf.http.openapi import build_spec
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


def test_linked_calls_get_the_answers_the_document_describes(shared_api, identity):
    class SignedIn(schema.as_state_machine()):
        def setup(self):
            """Each scenario starts from an empty store: hypothesis replays scenarios (to
            shrink one, and to check that it is reproducible), and a replay must meet the same
            answers, which a store changed by earlier scenarios would not give."""
            identity.start_over()

        def get_call_kwargs(self, case):
            return {"headers": identity.headers(case), "app": shared_api.client.app}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    SignedIn.run(settings=STATEFUL)
