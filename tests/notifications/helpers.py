"""Order placement for the notification tests (also imported by the worker subprocess scripts)."""

import json
from decimal import Decimal

from django.db import transaction

from orders.models import Order
from orders.signals import order_placed
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory


def place_order(customer=None, *, lines: int = 2, fail_after_signal: bool = False) -> Order:
    """An order placed the way `order_create` does it: rows, then `order_placed` inside the transaction."""
    customer = customer or CustomerFactory()
    with transaction.atomic():
        products = [ProductFactory(price=Decimal("1499.50") + i) for i in range(lines)]
        total = sum((p.price * (i + 1) for i, p in enumerate(products)), Decimal("0"))
        order = OrderFactory(customer=customer, total=total, note="Leave at the gate")
        for i, product in enumerate(products):
            OrderLineFactory(order=order, product=product, quantity=i + 1)
        order_placed.send(sender=Order, order=order)
        if fail_after_signal:
            raise RuntimeError("the order failed after the signal")
    return order


def subprocess_place_order(phone: str) -> None:
    """`manage.py shell -c` entry point: place an order through `order_create`, print what was recorded
    and queued."""
    from django_tasks_db.models import DBTaskResult

    from orders.services import order_create

    product = ProductFactory(stock=5)
    result = order_create(customer=CustomerFactory(phone=phone), items=[{"product": product.pk, "quantity": 2}])
    order = result.order
    rows = list(order.notifications.order_by("channel").values("channel", "status"))
    print(json.dumps({"order": order.pk, "queued": DBTaskResult.objects.count(), "notifications": rows}))


def subprocess_place_orders(count: int) -> None:
    """`manage.py shell -c` entry point: `count` orders through `order_create`, each customer with their
    own phone (+2547110000NN); prints the order ids."""
    from orders.services import order_create

    product = ProductFactory(stock=10 * count)
    orders = [
        order_create(
            customer=CustomerFactory(phone=f"+25471100{index:04d}"), items=[{"product": product.pk, "quantity": 1}]
        ).order.pk
        for index in range(count)
    ]
    print(json.dumps({"orders": orders}))


def subprocess_dump() -> None:
    """`manage.py shell -c` entry point: print every notification and task result."""
    from django_tasks_db.models import DBTaskResult

    from notifications.models import Notification

    fields = (
        "order_id",
        "channel",
        "recipient",
        "status",
        "attempts",
        "last_error",
        "provider_message_id",
        "provider_status",
    )
    print(
        json.dumps(
            {
                "notifications": list(Notification.objects.order_by("channel").values(*fields)),
                "tasks": sorted(DBTaskResult.objects.values_list("status", flat=True)),
            }
        )
    )
