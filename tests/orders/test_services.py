"""Order services: creation, pricing, stock, idempotency, the state machine (SPEC §4.5)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from catalog.models import Product
from orders.exceptions import (
    IdempotencyKeyReused,
    IllegalTransition,
    InsufficientStock,
    InvalidIdempotencyKey,
    InvalidOrder,
    OrderNotFound,
    OrderPermissionDenied,
)
from orders.models import Order, OrderStatus
from orders.services import idempotency_key_parse, order_cancel, order_create, order_set_status
from orders.signals import order_placed
from tests.factories import ProductFactory, UserFactory
from tests.orders.conftest import items, metric, snapshot, stock_of

pytestmark = pytest.mark.django_db


def test_order_is_priced_from_current_prices_and_takes_stock(customer, products):
    phone, cable, sticker = products

    result = order_create(customer=customer, items=items((phone, 3), (cable, 1), (sticker, 7)), note="Leave at door")

    order = result.order
    assert not result.replayed
    assert order.status == OrderStatus.PENDING
    assert order.customer_id == customer.pk
    assert order.currency == "KES"
    assert order.note == "Leave at door"
    lines = list(
        order.lines.order_by("id").values("product_id", "product_name", "sku", "unit_price", "quantity", "line_total")
    )
    assert lines == [
        {
            "product_id": phone.pk,
            "product_name": phone.name,
            "sku": phone.sku,
            "unit_price": Decimal("19.99"),
            "quantity": 3,
            "line_total": Decimal("59.97"),
        },
        {
            "product_id": cable.pk,
            "product_name": cable.name,
            "sku": cable.sku,
            "unit_price": Decimal("5.00"),
            "quantity": 1,
            "line_total": Decimal("5.00"),
        },
        {
            "product_id": sticker.pk,
            "product_name": sticker.name,
            "sku": sticker.sku,
            "unit_price": Decimal("0.10"),
            "quantity": 7,
            "line_total": Decimal("0.70"),
        },
    ]
    assert Order.objects.get(pk=order.pk).total == Decimal("65.67")
    assert stock_of(phone, cable, sticker) == [7, 2, 93]


def test_price_and_name_changes_after_ordering_leave_the_order_untouched(customer, products):
    phone = products[0]
    order = order_create(customer=customer, items=items((phone, 2))).order

    Product.objects.filter(pk=phone.pk).update(price=Decimal("999.00"), name="Renamed", sku="NEW-SKU")

    order = Order.objects.get(pk=order.pk)
    line = order.lines.get()
    assert (line.unit_price, line.line_total, line.product_name, line.sku) == (
        Decimal("19.99"),
        Decimal("39.98"),
        phone.name,
        phone.sku,
    )
    assert order.total == Decimal("39.98")


def test_an_order_may_take_the_last_unit(customer, products):
    cable = products[1]

    order_create(customer=customer, items=items((cable, 3)))

    assert stock_of(cable) == [0]


def test_short_lines_are_each_reported_and_no_stock_moves(customer, products):
    phone, cable, sticker = products
    before = snapshot()
    conflicts = metric("ecommerce_stock_conflicts_total")

    with pytest.raises(InsufficientStock) as raised:
        order_create(customer=customer, items=items((phone, 11), (sticker, 5), (cable, 4)))

    assert raised.value.errors == {
        "items.0.quantity": ["Only 10 available."],
        "items.2.quantity": ["Only 3 available."],
    }
    assert snapshot() == before
    assert metric("ecommerce_stock_conflicts_total") == conflicts + 1


@pytest.mark.parametrize(
    ("bad_items", "field"),
    [
        ([], "items"),
        ("not a list", "items"),
        ([{"product": 1, "quantity": 1}] * 101, "items"),
        ([{"product": "P", "quantity": 1}], "items.0.product"),
        ([{"product": True, "quantity": 1}], "items.0.product"),
        ([{"product": 0, "quantity": 1}], "items.0.product"),
        ([{"product": 2**63, "quantity": 1}], "items.0.product"),
        (["just a string"], "items.0"),
    ],
)
def test_malformed_items_are_refused(customer, products, bad_items, field):
    before = snapshot()

    with pytest.raises(InvalidOrder) as raised:
        order_create(customer=customer, items=bad_items)

    assert field in raised.value.errors
    assert snapshot() == before


@pytest.mark.parametrize("quantity", [0, -1, 1001, 2.0, 1.5, "3", True, None])
def test_quantity_must_be_an_integer_from_1_to_1000(customer, products, quantity):
    before = snapshot()

    with pytest.raises(InvalidOrder) as raised:
        order_create(customer=customer, items=[{"product": products[0].pk, "quantity": quantity}])

    assert list(raised.value.errors) == ["items.0.quantity"]
    assert snapshot() == before


def test_quantity_1000_and_100_lines_are_accepted(customer, db):
    many = ProductFactory.create_batch(100, stock=1000, price=Decimal("1.00"))

    order = order_create(customer=customer, items=[{"product": p.pk, "quantity": 1000} for p in many]).order

    assert order.lines.count() == 100
    assert Order.objects.get(pk=order.pk).total == Decimal("100000.00")


def test_the_same_product_twice_is_refused(customer, products):
    phone, cable, _ = products
    before = snapshot()

    with pytest.raises(InvalidOrder) as raised:
        order_create(customer=customer, items=items((phone, 1), (cable, 1), (phone, 2)))

    assert list(raised.value.errors) == ["items.2.product"]
    assert snapshot() == before


def test_unknown_and_inactive_products_are_refused(customer, products):
    phone, cable, _ = products
    Product.objects.filter(pk=cable.pk).update(is_active=False)
    before = snapshot()

    with pytest.raises(InvalidOrder) as raised:
        order_create(customer=customer, items=[*items((phone, 1), (cable, 1)), {"product": 987654, "quantity": 1}])

    assert sorted(raised.value.errors) == ["items.1.product", "items.2.product"]
    assert snapshot() == before


def test_the_largest_possible_order_fits_exactly(customer, db):
    dear = ProductFactory(price=Decimal("9999999999.99"), stock=1000)

    order = order_create(customer=customer, items=items((dear, 1000))).order

    assert Order.objects.get(pk=order.pk).total == Decimal("9999999999990.00")


# --- order_placed ------------------------------------------------------------------


def test_order_placed_is_sent_once_in_the_transaction_after_the_lines_exist(customer, products):
    seen = []

    def receiver(sender, order, **kwargs):
        seen.append((sender, order.pk, order.lines.count(), transaction.get_connection().in_atomic_block))

    order_placed.connect(receiver)
    try:
        order = order_create(customer=customer, items=items((products[0], 1), (products[1], 1))).order
    finally:
        order_placed.disconnect(receiver)

    assert seen == [(Order, order.pk, 2, True)]


def test_a_failing_receiver_rolls_the_whole_order_back(customer, products):
    before = snapshot()

    def receiver(sender, order, **kwargs):
        raise RuntimeError("receiver failed")

    order_placed.connect(receiver)
    try:
        with pytest.raises(RuntimeError):
            order_create(customer=customer, items=items((products[0], 1)))
    finally:
        order_placed.disconnect(receiver)

    assert snapshot() == before


def test_metrics_count_committed_orders_and_their_value(customer, products, django_capture_on_commit_callbacks):
    created = metric("ecommerce_orders_created_total", currency="KES")
    value_sum = metric("ecommerce_order_value_sum", currency="KES")

    with django_capture_on_commit_callbacks(execute=True):
        order_create(customer=customer, items=items((products[0], 2)))

    assert metric("ecommerce_orders_created_total", currency="KES") == created + 1
    assert metric("ecommerce_order_value_sum", currency="KES") == pytest.approx(value_sum + 39.98)


# --- Idempotency-Key --------------------------------------------------------------------


def test_same_key_and_body_replays_the_first_order_without_taking_stock(customer, products):
    phone = products[0]
    first = order_create(customer=customer, items=items((phone, 2)), note="n", idempotency_key="key-1")

    again = order_create(customer=customer, items=items((phone, 2)), note="n", idempotency_key="key-1")

    assert again.replayed and not first.replayed
    assert again.order.pk == first.order.pk
    assert Order.objects.count() == 1
    assert stock_of(phone) == [8]


def test_same_key_with_a_different_body_is_422_and_changes_nothing(customer, products):
    phone = products[0]
    order_create(customer=customer, items=items((phone, 2)), idempotency_key="key-1")
    before = snapshot()

    with pytest.raises(IdempotencyKeyReused):
        order_create(customer=customer, items=items((phone, 3)), idempotency_key="key-1")
    with pytest.raises(IdempotencyKeyReused):
        order_create(customer=customer, items=items((phone, 2)), note="other note", idempotency_key="key-1")

    assert snapshot() == before


def test_keys_belong_to_one_customer(customer, other_customer, products):
    phone = products[0]

    mine = order_create(customer=customer, items=items((phone, 1)), idempotency_key="shared")
    theirs = order_create(customer=other_customer, items=items((phone, 1)), idempotency_key="shared")

    assert mine.order.pk != theirs.order.pk
    assert not theirs.replayed
    assert stock_of(phone) == [8]


def test_a_refused_request_does_not_use_up_its_key(customer, products):
    phone = products[0]
    with pytest.raises(InsufficientStock):
        order_create(customer=customer, items=items((phone, 50)), idempotency_key="retry-me")

    result = order_create(customer=customer, items=items((phone, 5)), idempotency_key="retry-me")

    assert not result.replayed
    assert stock_of(phone) == [5]


def test_an_expired_key_may_be_used_again_for_a_new_order(customer, products, settings):
    phone = products[0]
    old = order_create(customer=customer, items=items((phone, 1)), idempotency_key="k").order
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=24, seconds=1))

    new = order_create(customer=customer, items=items((phone, 2)), idempotency_key="k")

    assert not new.replayed and new.order.pk != old.pk
    assert Order.objects.get(pk=old.pk).idempotency_key is None
    assert Order.objects.get(pk=new.order.pk).idempotency_key == "k"
    assert stock_of(phone) == [7]


def test_a_key_just_inside_its_lifetime_still_replays(customer, products):
    phone = products[0]
    old = order_create(customer=customer, items=items((phone, 1)), idempotency_key="k").order
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=23, minutes=59))

    again = order_create(customer=customer, items=items((phone, 1)), idempotency_key="k")

    assert again.replayed and again.order.pk == old.pk


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "café", "line\nbreak", '""'])
def test_invalid_keys_are_refused(customer, products, key):
    before = snapshot()

    with pytest.raises(InvalidIdempotencyKey):
        order_create(customer=customer, items=items((products[0], 1)), idempotency_key=key)

    assert snapshot() == before


@pytest.mark.parametrize(
    ("header", "key"),
    [("a", "a"), ("x" * 255, "x" * 255), (" ~!", " ~!"), ('"abc"', "abc"), (r'"a\"b\\c"', 'a"b\\c')],
)
def test_valid_keys_bare_or_as_structured_strings(header, key):
    assert idempotency_key_parse(header) == key


# --- State machine ---------------------------------------------------------------------


@pytest.fixture
def placed(customer, products):
    """A pending order of 4 phones and 2 cables (stock afterwards: 6 and 1)."""
    return order_create(customer=customer, items=items((products[0], 4), (products[1], 2))).order


def test_owner_cancels_a_pending_order_and_the_stock_comes_back(customer, products, placed):
    order = order_cancel(order_id=placed.pk, by=customer.user)

    assert order.status == OrderStatus.CANCELLED
    assert Order.objects.get(pk=placed.pk).status == OrderStatus.CANCELLED
    assert stock_of(products[0], products[1]) == [10, 3]


def test_owner_cannot_cancel_a_confirmed_order_but_staff_can(customer, staff_user, products, placed):
    order_set_status(order_id=placed.pk, status=OrderStatus.CONFIRMED, by=staff_user)
    before = snapshot()

    with pytest.raises(IllegalTransition):
        order_cancel(order_id=placed.pk, by=customer.user)
    assert snapshot() == before

    order_cancel(order_id=placed.pk, by=staff_user)
    assert Order.objects.get(pk=placed.pk).status == OrderStatus.CANCELLED
    assert stock_of(products[0], products[1]) == [10, 3]


def test_another_customer_cannot_see_or_cancel_the_order(other_customer, placed):
    before = snapshot()

    with pytest.raises(OrderNotFound):
        order_cancel(order_id=placed.pk, by=other_customer.user)
    with pytest.raises(OrderNotFound):
        order_set_status(order_id=placed.pk, status=OrderStatus.CONFIRMED, by=other_customer.user)

    assert snapshot() == before


def test_only_staff_change_status(customer, placed):
    with pytest.raises(OrderPermissionDenied):
        order_set_status(order_id=placed.pk, status=OrderStatus.CONFIRMED, by=customer.user)

    assert Order.objects.get(pk=placed.pk).status == OrderStatus.PENDING


def test_staff_walk_an_order_to_delivered(staff_user, products, placed):
    for status in (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        order_set_status(order_id=placed.pk, status=status, by=staff_user)
        assert Order.objects.get(pk=placed.pk).status == status

    assert stock_of(products[0], products[1]) == [6, 1]


ALLOWED = {
    ("pending", "confirmed"),
    ("pending", "cancelled"),
    ("confirmed", "shipped"),
    ("confirmed", "cancelled"),
    ("shipped", "delivered"),
}


@pytest.mark.parametrize("start", OrderStatus.values)
@pytest.mark.parametrize("target", OrderStatus.values)
def test_every_transition_outside_the_machine_is_refused(staff_user, placed, start, target):
    Order.objects.filter(pk=placed.pk).update(status=start)
    before = snapshot()

    if (start, target) in ALLOWED:
        order_set_status(order_id=placed.pk, status=target, by=staff_user)
        assert Order.objects.get(pk=placed.pk).status == target
    else:
        with pytest.raises(IllegalTransition):
            order_set_status(order_id=placed.pk, status=target, by=staff_user)
        assert snapshot() == before


def test_staff_cancel_through_set_status_gives_stock_back(staff_user, products, placed):
    order_set_status(order_id=placed.pk, status=OrderStatus.CANCELLED, by=staff_user)

    assert stock_of(products[0], products[1]) == [10, 3]


def test_stock_comes_back_even_to_a_deactivated_product(customer, products, placed):
    Product.objects.filter(pk=products[0].pk).update(is_active=False)

    order_cancel(order_id=placed.pk, by=customer.user)

    assert stock_of(products[0]) == [10]


def test_unknown_status_and_unknown_order(staff_user, placed):
    with pytest.raises(InvalidOrder):
        order_set_status(order_id=placed.pk, status="lost", by=staff_user)
    with pytest.raises(OrderNotFound):
        order_set_status(order_id=placed.pk + 1000, status=OrderStatus.CONFIRMED, by=staff_user)


def test_a_staff_user_who_is_not_the_owner_may_cancel(placed, products):
    other_staff = UserFactory(is_staff=True)

    order_cancel(order_id=placed.pk, by=other_staff)

    assert Order.objects.get(pk=placed.pk).status == OrderStatus.CANCELLED
