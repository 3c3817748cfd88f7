"""Query counts (SPEC §5): an order of 20 lines costs what 1 line costs; pages of 1 and 50 orders cost the same."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.services import order_create
from orders.signals import order_placed
from tests.factories import CustomerFactory, ProductFactory
from tests.orders.conftest import ORDERS_URL

pytestmark = pytest.mark.django_db


def lines_of(products, quantity=1):
    return [{"product": product.pk, "quantity": quantity} for product in products]


def queries_of(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def test_creating_an_order_of_20_lines_costs_the_queries_of_one_line(customer, django_assert_num_queries):
    products = ProductFactory.create_batch(21, stock=50, price=Decimal("3.50"))
    one_line = queries_of(lambda: order_create(customer=customer, items=lines_of(products[:1])))

    with django_assert_num_queries(one_line):
        order = order_create(customer=customer, items=lines_of(products[1:])).order

    assert order.lines.count() == 20


def test_order_creation_is_seven_statements_whatever_the_lines(customer, monkeypatch, django_assert_num_queries):
    # Without other apps' order_placed receivers: SAVEPOINT, SELECT products FOR UPDATE, INSERT order,
    # INSERT lines (one bulk statement), UPDATE stock (one bulk statement), INSERT the timeline's
    # "placed" event, RELEASE SAVEPOINT.
    monkeypatch.setattr(order_placed, "receivers", [])
    products = ProductFactory.create_batch(20, stock=50)

    with django_assert_num_queries(7) as captured:
        order_create(customer=customer, items=lines_of(products))

    statements = [query["sql"].split()[0].upper() for query in captured.captured_queries]
    assert statements == ["SAVEPOINT", "SELECT", "INSERT", "INSERT", "UPDATE", "INSERT", "RELEASE"]
    assert "orders_orderevent" in captured.captured_queries[5]["sql"]


def test_keyed_creation_costs_one_more_query_whatever_the_lines(customer, django_assert_num_queries):
    products = ProductFactory.create_batch(21, stock=50)
    plain = queries_of(lambda: order_create(customer=customer, items=lines_of(products[:1])))

    with django_assert_num_queries(plain + 1):
        order_create(customer=customer, items=lines_of(products[1:]), idempotency_key="k-20")


def test_api_order_creation_with_20_lines_costs_the_queries_of_one(
    customer, customer_client, django_assert_num_queries
):
    products = ProductFactory.create_batch(21, stock=50)
    one_line = queries_of(lambda: customer_client.post(ORDERS_URL, {"items": lines_of(products[:1])}, format="json"))

    with django_assert_num_queries(one_line):
        response = customer_client.post(ORDERS_URL, {"items": lines_of(products[1:])}, format="json")

    assert response.status_code == 201 and len(response.json()["items"]) == 20


def _orders(customer, products, count):
    for _ in range(count):
        order_create(customer=customer, items=lines_of(products))


@pytest.mark.parametrize(
    "url",
    [lambda customer: ORDERS_URL, lambda customer: f"/api/v1/customers/{customer.pk}/orders"],
    ids=["orders", "customer-history"],
)
@pytest.mark.parametrize("who", ["customer", "staff"])
def test_a_page_of_50_orders_costs_the_queries_of_one(request, url, who, django_assert_num_queries):
    customer = CustomerFactory()
    client = request.getfixturevalue("staff_client") if who == "staff" else _client_for(customer)
    products = ProductFactory.create_batch(3, stock=1000)
    _orders(customer, products, 1)
    one = queries_of(lambda: client.get(url(customer), {"page_size": 100}))
    _orders(customer, products, 49)

    with django_assert_num_queries(one):
        response = client.get(url(customer), {"page_size": 100})

    assert len(response.json()["results"]) == 50
    assert all(len(order["items"]) == 3 for order in response.json()["results"])


def test_order_detail_costs_the_same_for_1_and_20_lines(customer, customer_client, django_assert_num_queries):
    products = ProductFactory.create_batch(21, stock=50)
    small = order_create(customer=customer, items=lines_of(products[:1])).order
    large = order_create(customer=customer, items=lines_of(products[1:])).order
    one = queries_of(lambda: customer_client.get(f"{ORDERS_URL}/{small.pk}"))

    with django_assert_num_queries(one):
        response = customer_client.get(f"{ORDERS_URL}/{large.pk}")

    assert len(response.json()["items"]) == 20


def test_cancel_costs_the_same_for_1_and_20_lines(customer, customer_client, django_assert_num_queries):
    products = ProductFactory.create_batch(21, stock=50)
    small = order_create(customer=customer, items=lines_of(products[:1])).order
    large = order_create(customer=customer, items=lines_of(products[1:])).order
    one = queries_of(lambda: customer_client.post(f"{ORDERS_URL}/{small.pk}/cancel"))

    with django_assert_num_queries(one):
        response = customer_client.post(f"{ORDERS_URL}/{large.pk}/cancel")

    assert response.json()["status"] == "cancelled"
    assert all(p.stock == 50 for p in type(products[0]).objects.filter(pk__in=[p.pk for p in products]))


def _client_for(customer):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(customer.user)
    return client
