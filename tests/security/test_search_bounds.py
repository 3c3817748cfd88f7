"""Every `?search=` is bounded: SEARCH_MAX_TERMS words and SEARCH_MAX_CHARS characters, else 400 (SPEC §6)."""

import pytest
from rest_framework.test import APIClient

from tests.factories import CustomerFactory, ProductFactory, UserFactory

SEARCHES = ["/api/v1/customers", "/api/v1/products", "/api/v1/categories/{category}/products"]


@pytest.fixture
def shop():
    product = ProductFactory(name="Blue kettle")
    CustomerFactory(first_name="Amina")
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True))
    return client, product


def urls(product) -> list[str]:
    return [url.format(category=product.category_id) for url in SEARCHES]


@pytest.mark.django_db
@pytest.mark.parametrize("search", [" ".join(["a"] * 1000), " ".join(f"w{n}" for n in range(11)), "x" * 201])
def test_a_search_beyond_the_bounds_is_a_400_naming_search(shop, search):
    client, product = shop
    for url in urls(product):
        response = client.get(url, {"search": search})
        assert response.status_code == 400, (url, response.status_code)
        assert response["Content-Type"] == "application/problem+json"
        assert "search" in response.json()["errors"], url


# transaction=True: InnoDB's full-text index sees committed rows only (MySQL/MariaDB search).
@pytest.mark.django_db(transaction=True)
def test_a_search_within_the_bounds_answers(shop):
    client, product = shop
    ten_words = " ".join(["kettle"] * 10)
    assert client.get("/api/v1/products", {"search": "kettle " + "k" * 193}).status_code == 200
    for url in urls(product):
        assert client.get(url, {"search": ten_words}).status_code == 200, url
    found = client.get("/api/v1/products", {"search": "Blue kettle"}).json()
    assert [row["id"] for row in found["results"]] == [product.pk]


@pytest.mark.django_db
def test_the_bounds_are_settings(shop, settings):
    client, _product = shop
    settings.SEARCH_MAX_TERMS = 2
    settings.SEARCH_MAX_CHARS = 5

    assert client.get("/api/v1/customers", {"search": "a b c"}).status_code == 400
    assert client.get("/api/v1/products", {"search": "kettle"}).status_code == 400
    assert client.get("/api/v1/products", {"search": "a b"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changelist",
    ["/admin/catalog/product/", "/admin/customers/customer/", "/admin/customers/user/", "/admin/orders/order/"],
)
def test_admin_searches_are_bounded_too(client, changelist):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    ProductFactory(name="Blue kettle")

    huge = client.get(changelist, {"q": " ".join(["a"] * 1000)})
    fine = client.get(changelist, {"q": "kettle"})

    assert huge.status_code == 200
    assert "Search at most 200 characters" in huge.content.decode()
    assert fine.status_code == 200
