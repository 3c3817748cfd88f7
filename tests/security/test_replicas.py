"""What goes where with a read replica (`replica1`, a TEST MIRROR of the primary; SPEC §5, §6).

Each test captures the statements of both connections: catalog reads of the public views on the replica;
writes, transactions, orders, users and a client's reads right after its own write on the primary.
"""

import time
from contextlib import contextmanager

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from catalog.models import Product
from ecommerce import replicas
from tests.factories import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.replicas, pytest.mark.django_db(transaction=True, databases=["default", "replica1"])]


@contextmanager
def statements():
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica1"]) as replica,
    ):
        yield primary, replica


def catalog(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "catalog_" in q["sql"]]


@pytest.fixture
def shop(db):
    category = CategoryFactory()
    product = ProductFactory(category=category, stock=5)
    return category, product


def test_the_replica_is_configured_as_a_mirror(settings):
    assert settings.DATABASE_REPLICAS == ["replica1"]
    assert connections["replica1"].settings_dict["TEST"]["MIRROR"] == "default"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products",
        "/api/v1/products/{product}",
        "/api/v1/categories",
        "/api/v1/categories/tree",
        "/api/v1/categories/{category}",
        "/api/v1/categories/{category}/products",
        "/api/v1/categories/{category}/price-stats",
    ],
)
def test_public_catalog_reads_go_to_the_replica(shop, path):
    category, product = shop
    with statements() as (primary, replica):
        response = APIClient().get(path.format(category=category.pk, product=product.pk))

    assert response.status_code == 200
    assert catalog(replica), "no catalog read on the replica"
    assert not catalog(primary), catalog(primary)


def test_a_customers_own_orders_and_their_user_are_read_from_the_primary(shop, customer_client):
    _, product = shop
    customer_client.post("/api/v1/orders", {"items": [{"product": product.pk, "quantity": 1}]}, format="json")
    with statements() as (primary, replica):
        response = customer_client.get("/api/v1/orders")

    assert response.status_code == 200 and response.json()["count"] == 1
    assert not replica.captured_queries
    assert any("orders_order" in q["sql"] for q in primary.captured_queries)


def test_writes_and_their_reads_go_to_the_primary(shop, staff_client):
    _, product = shop
    with statements() as (primary, replica):
        response = staff_client.patch(f"/api/v1/products/{product.pk}", {"price": "12.00"}, format="json")

    assert response.status_code == 200
    assert not replica.captured_queries
    assert any(q["sql"].startswith("UPDATE") for q in primary.captured_queries)


def test_a_client_reads_its_own_write_from_the_primary_while_others_use_the_replica(shop, staff_client, settings):
    settings.DATABASE_REPLICA_LAG_SECONDS = 30
    category, _ = shop
    body = {"name": "Teapot", "sku": "TEA-1", "price": "9.00", "stock": 1, "category": category.pk}
    assert staff_client.post("/api/v1/products", body, format="json").status_code == 201

    with statements() as (primary, replica):
        own = staff_client.get("/api/v1/products?search=Teapot")
    with statements() as (other_primary, other_replica):
        other = APIClient().get("/api/v1/products?search=Teapot")

    assert own.json()["count"] == 1 and catalog(primary) and not catalog(replica)
    assert other.json()["count"] == 1 and catalog(other_replica) and not catalog(other_primary)


def test_the_pin_lasts_the_tolerated_lag(shop, staff_client, settings):
    settings.DATABASE_REPLICA_LAG_SECONDS = 1
    _, product = shop
    staff_client.patch(f"/api/v1/products/{product.pk}", {"stock": 4}, format="json")
    time.sleep(1.2)

    with statements() as (primary, replica):
        staff_client.get("/api/v1/products")

    assert catalog(replica) and not catalog(primary)


def test_reads_inside_a_transaction_go_to_the_primary(shop, rf):
    request = rf.get("/api/v1/products")
    request.resolver_match = type("Match", (), {"url_name": "product-list"})()
    token = replicas._request.set(request)
    try:
        outside = Product.objects.all().db
        with transaction.atomic():
            inside = Product.objects.all().db
    finally:
        replicas._request.reset(token)

    assert (outside, inside) == ("replica1", "default")


def test_no_request_no_replica_and_migrations_stay_on_the_primary(shop):
    router = replicas.ReplicaRouter()

    assert Product.objects.all().db == "default"  # commands, tasks, the shell
    assert router.allow_migrate("replica1", "catalog") is False
    assert router.allow_migrate("default", "catalog") is None


def test_without_replicas_nothing_is_routed(shop, settings):
    settings.DATABASE_REPLICAS = []
    with statements() as (primary, replica):
        APIClient().get("/api/v1/products")

    assert catalog(primary) and not replica.captured_queries
