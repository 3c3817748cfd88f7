"""OrderSerializer builds its output directly (for speed); it must equal DRF's field-by-field output."""

from decimal import Decimal

import pytest
from rest_framework import serializers

from orders.api.serializers import OrderLineSerializer, OrderSerializer
from orders.selectors import order_get
from orders.services import order_create
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def drf_representation(order) -> dict:
    """What DRF's ModelSerializer walk makes of the order and its lines (the declared fields, one by one)."""
    data = super(OrderSerializer, OrderSerializer(order)).to_representation(order)
    data["items"] = [
        super(OrderLineSerializer, OrderLineSerializer(line)).to_representation(line) for line in order.lines.all()
    ]
    return data


@pytest.mark.parametrize(
    "prices",
    [[Decimal("0.00")], [Decimal("1499.00"), Decimal("0.5"), Decimal("9999999999.99")]],
    ids=["one-free-line", "three-lines"],
)
def test_the_direct_representation_equals_drfs(customer, prices):
    products = [ProductFactory(price=price, stock=5000, name="Ünïcode ✓") for price in prices]
    result = order_create(
        customer=customer, items=[{"product": p.pk, "quantity": 1000} for p in products], note="Ring twice\n✓"
    )
    stored = order_get(order_id=result.order.pk)

    from_memory = OrderSerializer(result.order, context={"lines": result.lines}).data
    read_back = OrderSerializer(stored).data

    assert from_memory == read_back == drf_representation(stored)
    assert list(read_back) == list(OrderSerializer().fields)
    assert list(read_back["items"][0]) == list(OrderLineSerializer().fields)
    assert isinstance(OrderSerializer().fields["total"], serializers.DecimalField)


def test_many_orders_are_each_represented_with_their_own_lines(customer):
    first, second = ProductFactory.create_batch(2, stock=10, price=Decimal("2.50"))
    orders = [
        order_create(customer=customer, items=[{"product": first.pk, "quantity": 1}]).order,
        order_create(customer=customer, items=[{"product": second.pk, "quantity": 2}]).order,
    ]

    data = OrderSerializer([order_get(order_id=o.pk) for o in orders], many=True).data

    assert [[item["product"] for item in order["items"]] for order in data] == [[first.pk], [second.pk]]
    assert [order["total"] for order in data] == ["2.50", "5.00"]
