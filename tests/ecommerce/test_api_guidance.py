"""API answers that tell a client what to do (issue 16): the allowed values, which object is missing, where the new
resource is, links that name the page size applied, a root that links every collection.

The E.164 example in the phone error and a registration's every problem in one answer are in
tests/security/test_registration_input.py.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import resolve

from orders.models import OrderStatus
from tests.conftest import assert_problem
from tests.factories import CategoryFactory, CustomerFactory, OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db

PRODUCT_ORDERINGS = "price, -price, name, -name, created_at, -created_at"


@pytest.mark.parametrize("path", ["/api/v1/products", "/api/v1/categories/{category}/products"])
def test_an_invalid_ordering_lists_the_allowed_values(api_client, path):
    category = CategoryFactory()

    response = api_client.get(path.format(category=category.pk), {"ordering": "stock"})

    body = assert_problem(response, 400)
    assert body["errors"] == {"ordering": [f"'stock' is not one of the allowed values: {PRODUCT_ORDERINGS}."]}


def test_an_invalid_choice_filter_lists_the_allowed_values(api_client):
    response = api_client.get("/api/v1/products", {"in_stock": "yes"})

    errors = assert_problem(response, 400)["errors"]
    assert errors == {"in_stock": ["'yes' is not one of the allowed values: true, false."]}


@pytest.mark.parametrize(("path", "param"), [("/api/v1/products", "category"), ("/api/v1/categories", "parent")])
def test_a_category_id_of_nothing_says_that_category_does_not_exist(api_client, path, param):
    CategoryFactory()

    response = api_client.get(path, {param: "9999"})

    assert assert_problem(response, 400)["errors"] == {param: ["Category 9999 does not exist."]}


def test_a_category_name_instead_of_an_id_says_an_id_is_wanted(api_client):
    CategoryFactory(name="Audio", slug="audio")

    response = api_client.get("/api/v1/products", {"category": "audio"})

    (message,) = assert_problem(response, 400)["errors"]["category"]
    assert message.startswith("Enter a category id: digits 0-9 only") and "not a name or a slug" in message


def test_an_existing_category_still_filters(api_client):
    category = CategoryFactory()
    product = ProductFactory(category=category)
    ProductFactory()

    response = api_client.get("/api/v1/products", {"category": str(category.pk)})

    assert [row["id"] for row in response.json()["results"]] == [product.pk]


def test_a_customers_orders_take_the_status_filter_of_orders(customer_client, customer):
    pending = OrderFactory(customer=customer, status=OrderStatus.PENDING)
    OrderFactory(customer=customer, status=OrderStatus.CONFIRMED)
    OrderFactory(status=OrderStatus.PENDING)  # another customer's

    response = customer_client.get(f"/api/v1/customers/{customer.pk}/orders", {"status": "pending"})
    everything = customer_client.get(f"/api/v1/customers/{customer.pk}/orders")

    assert response.status_code == 200
    assert [order["id"] for order in response.json()["results"]] == [pending.pk]
    assert everything.json()["count"] == 2


def test_a_customers_orders_with_an_invalid_status_list_the_statuses(customer_client, customer):
    response = customer_client.get(f"/api/v1/customers/{customer.pk}/orders", {"status": "bogus"})

    assert assert_problem(response, 400)["errors"] == {
        "status": ["'bogus' is not one of the allowed values: pending, confirmed, shipped, delivered, cancelled."]
    }


def test_another_customers_orders_are_404_before_the_filter_is_checked(customer_client):
    other = CustomerFactory()

    response = customer_client.get(f"/api/v1/customers/{other.pk}/orders", {"status": "bogus"})

    assert_problem(response, 404)


def test_registration_answers_with_the_location_of_the_new_customer(api_client):
    response = api_client.post(
        "/api/v1/customers",
        {"email": "new@example.com", "password": "Zebra-Lamp-2026!", "phone": "+254712345678"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response["Location"] == f"/api/v1/customers/{response.json()['id']}"
    assert resolve(response["Location"]).url_name == "customer-detail"


def page_size_of(link: str) -> list[str]:
    return parse_qs(urlsplit(link).query)["page_size"]


def test_next_and_previous_carry_the_page_size_applied_not_the_one_asked(api_client):
    category = CategoryFactory()
    ProductFactory.create_batch(205, category=category)

    first = api_client.get("/api/v1/products", {"page_size": "500"}).json()
    second = api_client.get(first["next"]).json()

    assert len(first["results"]) == 100
    assert page_size_of(first["next"]) == ["100"] and parse_qs(urlsplit(first["next"]).query)["page"] == ["2"]
    assert len(second["results"]) == 100
    assert page_size_of(second["next"]) == ["100"] and page_size_of(second["previous"]) == ["100"]


def test_a_page_size_within_the_cap_is_kept_and_none_given_adds_none(api_client):
    category = CategoryFactory()
    ProductFactory.create_batch(5, category=category)

    asked = api_client.get("/api/v1/products", {"page_size": "2"}).json()
    default = api_client.get(f"/api/v1/categories/{category.pk}/products").json()

    assert page_size_of(asked["next"]) == ["2"]
    assert default["next"] is None and default["previous"] is None


def test_an_unusable_page_size_links_with_the_default_one(api_client):
    category = CategoryFactory()
    ProductFactory.create_batch(25, category=category)

    body = api_client.get("/api/v1/products", {"page_size": "many"}).json()

    assert len(body["results"]) == 20 and page_size_of(body["next"]) == ["20"]


COLLECTIONS = {"products", "categories", "category_tree", "orders", "customers"}
AUTH = {"auth_login", "auth_refresh", "auth_logout"}
DOCS = {"schema", "docs", "redoc"}


def test_the_api_root_links_every_collection_and_each_link_answers(api_client, staff_client, customer_client):
    links = api_client.get("/api/v1").json()

    assert set(links) == COLLECTIONS | {"me"} | AUTH | DOCS
    for name in COLLECTIONS:
        response = staff_client.get(links[name])
        assert response.status_code == 200, name
        assert resolve(urlsplit(links[name]).path).url_name != "api-root"
    assert customer_client.get(links["me"]).status_code == 200
    for name in AUTH:
        assert staff_client.get(links[name]).status_code == 405, name  # POST only, but there
    assert staff_client.get(links["docs"]).status_code == 200
