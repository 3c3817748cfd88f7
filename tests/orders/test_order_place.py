"""orders.services.order_place: the typed entry the API calls (shape already checked); lines go to order_placed."""

from decimal import Decimal

import pytest

from catalog.exceptions import InsufficientStock
from orders.models import Order, OrderLine
from orders.services import OrderLineRequest, order_place
from orders.signals import order_placed
from tests.factories import ProductFactory
from tests.orders.conftest import snapshot, stock_of

pytestmark = pytest.mark.django_db


def test_typed_lines_are_placed_and_the_result_carries_the_lines_written(customer):
    first, second = ProductFactory(stock=5, price=Decimal("2.00")), ProductFactory(stock=5, price=Decimal("0.50"))

    result = order_place(
        customer=customer,
        lines=[OrderLineRequest(product_id=second.pk, quantity=3), OrderLineRequest(product_id=first.pk, quantity=1)],
        note="n",
        idempotency_key="k",
    )

    assert [(line.product_id, line.quantity, line.line_total) for line in result.lines] == [
        (second.pk, 3, Decimal("1.50")),
        (first.pk, 1, Decimal("2.00")),
    ]
    assert [line.pk for line in result.lines] == list(result.order.lines.order_by("id").values_list("id", flat=True))
    assert Order.objects.get(pk=result.order.pk).idempotency_key == "k"
    assert stock_of(first, second) == [4, 2]


def test_order_placed_receives_the_lines_just_written(customer):
    product = ProductFactory(stock=5)
    received = []

    def receiver(sender, order, lines, **kwargs):
        received.append((order.pk, lines))

    order_placed.connect(receiver)
    try:
        result = order_place(customer=customer, lines=[OrderLineRequest(product_id=product.pk, quantity=2)])
    finally:
        order_placed.disconnect(receiver)

    [(order_id, lines)] = received
    assert order_id == result.order.pk
    assert lines == result.lines and all(isinstance(line, OrderLine) and line.pk for line in lines)


def test_short_stock_through_order_place_is_the_catalogs_error_and_changes_nothing(customer):
    product = ProductFactory(stock=1)
    before = snapshot()

    with pytest.raises(InsufficientStock) as raised:
        order_place(customer=customer, lines=[OrderLineRequest(product_id=product.pk, quantity=2)])

    assert raised.value.errors == {"items.0.quantity": ["Only 1 available."]}
    assert snapshot() == before


def test_a_replay_carries_no_lines_the_api_reads_it_back(customer):
    product = ProductFactory(stock=5)
    lines = [OrderLineRequest(product_id=product.pk, quantity=1)]
    first = order_place(customer=customer, lines=lines, idempotency_key="again")

    replay = order_place(customer=customer, lines=lines, idempotency_key="again")

    assert replay.replayed and replay.order.pk == first.order.pk and replay.lines == []
    assert stock_of(product) == [4]
