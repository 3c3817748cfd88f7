"""Receivers of other apps' signals (connected in NotificationsConfig.ready)."""

from django.dispatch import receiver

from notifications.services import notification_create_for_order
from orders.events import EventSource
from orders.models import Order, OrderLine
from orders.signals import order_placed


@receiver(order_placed, sender=Order, dispatch_uid="notifications.order_placed")
def order_placed_record_notifications(
    sender, *, order: Order, lines: list[OrderLine] | None = None, source: EventSource = EventSource.API, **kwargs
) -> None:
    """Record the order's SMS and staff email in the order's own transaction; delivery runs after commit.

    `lines` are the ones `order_place` just wrote (so they are not read back); without them, the order's.
    `source` is what the order was placed through (its timeline's "queued" entries say so).
    """
    notification_create_for_order(order=order, lines=lines, source=source)
