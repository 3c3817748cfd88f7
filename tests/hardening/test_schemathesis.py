"""A bounded property-based run of schemathesis against the service's own OpenAPI schema (SPEC §6).

Every operation of /api/v1/schema/ is called with generated valid and invalid input, as a
customer and as staff (real JWTs through the real middleware and DRF stack, in-process over
WSGI), and every response must be: not a 5xx, a documented status code, of a documented
content type, and conform to the documented response schema. Half of the generated path ids
are swapped for ids of objects that exist, so the detail, update and action code is reached
too, not only the 404 path. The run is derandomized (a fixed seed) and small
(`MAX_EXAMPLES` per operation, mode and role) so that the suite stays fast.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.hardening.conftest import bearer, existing_id

MAX_EXAMPLES = 6
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
HYPOTHESIS_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def api_schema(django_db_blocker):
    with django_db_blocker.unblock():
        # WSGIHandler, not get_wsgi_application(): that would run django.setup() (and logging setup) again.
        return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WSGIHandler())


@pytest.fixture
def _keep_the_test_connection():
    """As Django's test client does: a request must not close the connection holding the test's
    transaction (on MySQL, `close_old_connections` would, since autocommit is off inside it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


def _run_operation(operation, mode: GenerationMode, headers: dict, shop: dict, role: str) -> None:
    counter = {"n": 0}

    @given(case=operation.as_strategy(generation_mode=mode))
    @HYPOTHESIS_SETTINGS
    def run(case):
        counter["n"] += 1
        if case.path_parameters and "id" in case.path_parameters and counter["n"] % 2:
            known = existing_id(shop, operation.path, role)
            if known is not None:
                case.path_parameters["id"] = known
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.mark.fuzz
@pytest.mark.django_db
@pytest.mark.usefixtures("_keep_the_test_connection")
@pytest.mark.parametrize("role", ["customer", "staff"])
def test_every_operation_answers_within_its_schema_and_never_500(api_schema, shop, role):
    user = shop["customer"].user if role == "customer" else shop["staff"]
    headers = bearer(user)
    operations = _operations(api_schema)
    failures = []

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run_operation(operation, mode, headers, shop, role)
            except Unsatisfiable:
                continue  # nothing invalid can be generated (no parameters, no body)
            except (Exception, BaseExceptionGroup) as error:  # collected: one run reports every failing operation
                failures.append(f"{operation.label} [{mode.value}]: {error}")

    assert not failures, f"{len(failures)} of {2 * len(operations)} operation runs failed:\n\n" + "\n\n".join(failures)
