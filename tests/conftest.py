import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from tests.factories import CustomerFactory, UserFactory

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    """`response` is an RFC 9457 problem (SPEC §3) with this status; its body, for further checks."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = json.loads(response.content)
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    assert body["type"].startswith("urn:ecommerce:problem:")
    return body


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters and cached tokens live in the cache; tests must not leak them.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _reads_on_the_primary(request):
    """Only tests marked `replicas` route reads to the replica (they allow its alias; others do not)."""
    if request.node.get_closest_marker("replicas"):
        yield
        return
    with override_settings(DATABASE_REPLICAS=[]):
        yield


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.fixture
def other_customer(db):
    return CustomerFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def customer_client(customer) -> APIClient:
    client = APIClient()
    client.force_authenticate(customer.user)
    return client


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


def _on_mysql() -> bool:
    return connection.vendor == "mysql"


@pytest.fixture
def mysql_only():
    """Skip on SQLite: the behaviour under test needs row locks and real concurrency."""
    if not _on_mysql():
        pytest.skip("needs MySQL/MariaDB (row locks, concurrent connections); run with DATABASE_URL=mysql://...")
