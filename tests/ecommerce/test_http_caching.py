"""HTTP caching of the API (ecommerce.middleware.HttpCachingMiddleware): public and revalidated for
anonymous catalog reads, never stored for anything a customer or staff member asked with credentials."""

from decimal import Decimal

import pytest
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from catalog import services
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(user)}"}


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


def directives(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture
def product():
    return ProductFactory(category=CategoryFactory(), price=Decimal("12.50"), stock=3)


def test_anonymous_product_read_is_public_revalidated_and_answers_304_when_unchanged(product):
    client = Client()
    first = client.get(f"/api/v1/products/{product.pk}")

    assert first.status_code == 200
    assert directives(first) == {"public", "no-cache"}
    assert {"accept", "authorization", "cookie"} <= vary(first)
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) > 10

    again = client.get(f"/api/v1/products/{product.pk}", HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_the_etag_changes_when_the_product_changes(product):
    client = Client()
    etag = client.get(f"/api/v1/products/{product.pk}")["ETag"]
    services.product_update(product=product, price=Decimal("13.00"))

    response = client.get(f"/api/v1/products/{product.pk}", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response.json()["price"] == "13.00"
    assert response["ETag"] != etag


@pytest.mark.parametrize("path", ["/api/v1/products", "/api/v1/categories", "/api/v1/categories/tree"])
def test_anonymous_catalog_lists_are_public_with_an_etag(product, path):
    response = Client().get(path)

    assert response.status_code == 200
    assert "public" in directives(response)
    assert response.has_header("ETag")


def test_price_stats_are_public_with_an_etag(product):
    response = Client().get(f"/api/v1/categories/{product.category_id}/price-stats")

    assert response.status_code == 200
    assert "public" in directives(response)
    assert response.has_header("ETag")


def test_max_age_comes_from_the_setting(product, settings):
    settings.API_CACHE_MAX_AGE = 30

    response = Client().get(f"/api/v1/products/{product.pk}")

    assert directives(response) == {"public", "max-age=30"}


def test_a_customers_order_and_profile_are_never_stored_nor_validated(customer, product):
    client = Client()
    placed = client.post(
        "/api/v1/orders",
        {"items": [{"product": product.pk, "quantity": 1}]},
        content_type="application/json",
        **bearer(customer.user),
    )
    assert placed.status_code == 201, placed.content

    for path in (
        f"/api/v1/orders/{placed.json()['id']}",
        "/api/v1/orders",
        "/api/v1/customers/me",
        f"/api/v1/customers/{customer.pk}",
        f"/api/v1/customers/{customer.pk}/orders",
    ):
        response = client.get(path, **bearer(customer.user))
        assert response.status_code == 200, (path, response.content)
        assert {"private", "no-store"} <= directives(response), path
        assert "public" not in directives(response), path
        assert not response.has_header("ETag"), path
        assert {"authorization", "cookie"} <= vary(response), path
        # Even a client claiming to hold every version gets the data, never a 304 to reuse a copy.
        assert client.get(path, HTTP_IF_NONE_MATCH="*", **bearer(customer.user)).status_code == 200


def test_catalog_read_with_credentials_is_private(customer, staff_user, product):
    """Staff see inactive products too: nothing asked with credentials may be shared."""
    for user in (customer.user, staff_user):
        response = Client().get(f"/api/v1/products/{product.pk}", **bearer(user))

        assert response.status_code == 200
        assert {"private", "no-store"} <= directives(response)
        assert not response.has_header("ETag")


def test_catalog_read_with_a_session_is_private(staff_user, product):
    client = Client()
    client.force_login(staff_user)

    response = client.get(f"/api/v1/products/{product.pk}")

    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)


def test_errors_and_writes_get_no_caching_headers(staff_user, product):
    missing = Client().get("/api/v1/products/999999")
    assert missing.status_code == 404
    assert not missing.has_header("ETag") and not missing.has_header("Cache-Control")

    created = Client().post(
        "/api/v1/products",
        {"name": "X", "sku": "HTTP-CACHE-1", "price": "1.00", "stock": 1, "category": product.category_id},
        content_type="application/json",
        **bearer(staff_user),
    )
    assert created.status_code == 201, created.content
    assert not created.has_header("ETag") and not created.has_header("Cache-Control")
