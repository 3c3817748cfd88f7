"""The order timeline as the order services write it: placed, status changes, cancellation with the stock."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from orders.events import MAX_TEXT, Actor, ActorType, EventSource, order_event_record, order_events_batched
from orders.exceptions import IllegalTransition, InsufficientStock, OrderNotFound
from orders.models import OrderEvent, OrderEventKind, OrderStatus
from orders.services import order_cancel, order_create, order_set_status
from orders.signals import order_placed
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def timeline(order) -> list[tuple]:
    return [
        (event.kind, event.actor_type, event.user_id, event.source)
        for event in OrderEvent.objects.filter(order=order).order_by("created_at", "id")
    ]


@pytest.fixture
def no_receivers(monkeypatch):
    """The orders app alone (its own events), without the notifications that other apps record."""
    monkeypatch.setattr(order_placed, "receivers", [])


@pytest.fixture
def product():
    return ProductFactory(stock=10, price="250.00")


def test_placing_an_order_records_who_placed_it_through_what(customer, product, no_receivers):
    order = order_create(customer=customer, items=[{"product": product.pk, "quantity": 3}]).order

    [placed] = OrderEvent.objects.filter(order=order)
    assert (placed.kind, placed.actor_type, placed.user_id, placed.source) == (
        OrderEventKind.PLACED,
        ActorType.CUSTOMER,
        customer.pk,
        EventSource.API,
    )
    assert placed.data == {"total": "750.00", "currency": "KES", "lines": 1}


def test_a_command_may_place_an_order_as_the_system(customer, product, no_receivers):
    order = order_create(
        customer=customer,
        items=[{"product": product.pk, "quantity": 1}],
        actor=Actor(ActorType.SYSTEM),
        source=EventSource.COMMAND,
    ).order

    assert timeline(order) == [(OrderEventKind.PLACED, ActorType.SYSTEM, None, EventSource.COMMAND)]


def test_the_placement_and_its_notifications_are_on_the_timeline_in_order_from_one_insert(customer, product):
    with CaptureQueriesContext(connection) as captured:
        order = order_create(customer=customer, items=[{"product": product.pk, "quantity": 1}]).order

    inserts = [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT") and "orderevent" in q["sql"]
    ]
    assert len(inserts) == 1
    kinds = [kind for kind, *_ in timeline(order)]
    assert kinds[0] == OrderEventKind.PLACED and len(kinds) == 1 + order.notifications.count()
    assert set(kinds[1:]) <= {OrderEventKind.NOTIFICATION_QUEUED, OrderEventKind.NOTIFICATION_FAILED}
    assert list(OrderEvent.objects.filter(order=order).order_by("id").values_list("kind", flat=True)) == kinds


def test_a_batch_that_raises_writes_none_of_its_events(customer, product, no_receivers):
    order = order_create(customer=customer, items=[{"product": product.pk, "quantity": 1}]).order
    system = Actor(ActorType.SYSTEM)

    def record_then_fail():
        with order_events_batched():
            order_event_record(
                order_id=order.pk, kind=OrderEventKind.DELIVERY_REPORT, actor=system, source=EventSource.API
            )
            raise RuntimeError

    with transaction.atomic():
        with pytest.raises(RuntimeError):
            record_then_fail()
        with order_events_batched():
            order_event_record(
                order_id=order.pk, kind=OrderEventKind.STATUS_CHANGED, actor=system, source=EventSource.API
            )
            assert OrderEvent.objects.filter(order=order).count() == 1  # not yet written

    assert [kind for kind, *_ in timeline(order)] == [OrderEventKind.PLACED, OrderEventKind.STATUS_CHANGED]


def test_a_refused_order_records_nothing(customer, product):
    with pytest.raises(InsufficientStock):
        order_create(customer=customer, items=[{"product": product.pk, "quantity": 11}])

    assert OrderEvent.objects.count() == 0


def test_a_replayed_order_records_no_second_placement(customer, product, no_receivers):
    first = order_create(customer=customer, items=[{"product": product.pk, "quantity": 1}], idempotency_key="k1")
    again = order_create(customer=customer, items=[{"product": product.pk, "quantity": 1}], idempotency_key="k1")

    assert again.replayed and again.order.pk == first.order.pk
    assert [kind for kind, *_ in timeline(first.order)] == [OrderEventKind.PLACED]


def test_each_status_change_is_recorded_with_the_staff_member_and_the_source(customer, product, staff_user):
    order = order_create(customer=customer, items=[{"product": product.pk, "quantity": 2}]).order
    OrderEvent.objects.filter(order=order).delete()

    order_set_status(order_id=order.pk, status=OrderStatus.CONFIRMED, by=staff_user, source=EventSource.ADMIN)
    order_set_status(order_id=order.pk, status=OrderStatus.SHIPPED, by=staff_user, source=EventSource.API)
    order_set_status(order_id=order.pk, status=OrderStatus.DELIVERED, by=staff_user, source=EventSource.COMMAND)

    events = list(OrderEvent.objects.filter(order=order).order_by("id"))
    assert [(e.kind, e.actor_type, e.user_id, e.source) for e in events] == [
        (OrderEventKind.STATUS_CHANGED, ActorType.STAFF, staff_user.pk, EventSource.ADMIN),
        (OrderEventKind.STATUS_CHANGED, ActorType.STAFF, staff_user.pk, EventSource.API),
        (OrderEventKind.STATUS_CHANGED, ActorType.STAFF, staff_user.pk, EventSource.COMMAND),
    ]
    assert [e.data for e in events] == [
        {"from": "pending", "to": "confirmed"},
        {"from": "confirmed", "to": "shipped"},
        {"from": "shipped", "to": "delivered"},
    ]


def test_a_cancellation_records_the_stock_it_gave_back(customer, no_receivers):
    phone, case = ProductFactory(stock=5), ProductFactory(stock=9)
    order = order_create(
        customer=customer, items=[{"product": case.pk, "quantity": 4}, {"product": phone.pk, "quantity": 2}]
    ).order

    order_cancel(order_id=order.pk, by=customer.user)

    cancelled = OrderEvent.objects.get(order=order, kind=OrderEventKind.CANCELLED)
    assert (cancelled.actor_type, cancelled.user_id, cancelled.source) == (
        ActorType.CUSTOMER,
        customer.pk,
        EventSource.API,
    )
    assert cancelled.data == {
        "from": "pending",
        "to": "cancelled",
        "stock_returned": sorted(
            [{"product": phone.pk, "quantity": 2}, {"product": case.pk, "quantity": 4}], key=lambda r: r["product"]
        ),
    }


def test_a_refused_change_records_nothing(customer, product, other_customer, no_receivers):
    order = order_create(customer=customer, items=[{"product": product.pk, "quantity": 1}]).order

    with pytest.raises(IllegalTransition):
        order_set_status(order_id=order.pk, status=OrderStatus.DELIVERED, by=UserFactory(is_staff=True))
    with pytest.raises(OrderNotFound):
        order_cancel(order_id=order.pk, by=other_customer.user)
    with pytest.raises(OrderNotFound):
        order_cancel(order_id=order.pk, by=AnonymousUser())

    assert [kind for kind, *_ in timeline(order)] == [OrderEventKind.PLACED]


def test_long_text_in_an_events_data_is_cut_short(customer, product):
    order = order_create(customer=customer, items=[{"product": product.pk, "quantity": 1}]).order
    event = order_event_record(
        order_id=order.pk,
        kind=OrderEventKind.NOTIFICATION_FAILED,
        actor=Actor(ActorType.SYSTEM),
        source=EventSource.TASK,
        data={"detail": "x" * 5000, "notification": 7},
    )

    event.refresh_from_db()
    assert event.data == {"detail": "x" * MAX_TEXT, "notification": 7}
