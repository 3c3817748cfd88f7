"""POST /orders reads nothing it already holds (the bench's order path): the user and the customer come in
one query, the new order is rendered from memory, and the order_placed receivers re-read neither the lines
nor the customer."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from orders.models import Order
from orders.services import order_create
from tests.factories import ProductFactory
from tests.orders.conftest import ORDERS_URL

pytestmark = pytest.mark.django_db


def selects_from(captured, table: str) -> list[str]:
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].lstrip().upper().startswith("SELECT") and table in query["sql"]
    ]


def test_bearer_order_reads_user_and_customer_once_and_never_reads_the_order_back(customer):
    products = ProductFactory.create_batch(3, stock=10, price=Decimal("2.50"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(customer.user)}")

    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            ORDERS_URL, {"items": [{"product": p.pk, "quantity": 2} for p in products]}, format="json"
        )

    assert response.status_code == 201, response.content
    user_reads = selects_from(captured, "customers_user")
    assert len(user_reads) == 1 and "customers_customer" in user_reads[0]  # joined, not a second query
    assert not [q for q in selects_from(captured, "customers_customer") if q not in user_reads]
    assert not selects_from(captured, "orders_orderline") and not selects_from(captured, "orders_order")
    # What was rendered from memory is what was stored.
    assert response.json() == client.get(f"{ORDERS_URL}/{response.json()['id']}").json()
    assert [item["line_total"] for item in response.json()["items"]] == ["5.00", "5.00", "5.00"]


def test_the_receivers_reuse_the_new_orders_lines_and_customer(customer):
    products = ProductFactory.create_batch(20, stock=10)
    customer.user  # noqa: B018 - the view's customer comes with its user (joined by the authentication)

    with CaptureQueriesContext(connection) as captured:
        order = order_create(customer=customer, items=[{"product": p.pk, "quantity": 1} for p in products]).order

    assert not selects_from(captured, "orders_orderline")
    assert not selects_from(captured, "customers_")
    assert order.notifications.count() == 2
    assert [line.product_id for line in order.lines.all()] == [p.pk for p in products]
    assert Order.objects.get(pk=order.pk).lines.count() == 20
