"""Read use-cases of orders for the API, the admin and commands; each costs a fixed number of queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from orders.models import Order, OrderEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from customers.models import User


def order_list(*, user: User | AnonymousUser) -> QuerySet[Order]:
    """The orders `user` may see (staff: all; a customer: their own), newest first, lines prefetched."""
    return Order.objects.visible_to(user).with_lines().order_by("-created_at", "-id")


def customer_order_list(*, customer_id: int) -> QuerySet[Order]:
    """One customer's order history, newest first, lines prefetched."""
    return Order.objects.filter(customer_id=customer_id).with_lines().order_by("-created_at", "-id")


def order_get(*, order_id: int) -> Order:
    """One order with its lines (raises Order.DoesNotExist)."""
    return Order.objects.with_lines().get(pk=order_id)


def order_is_visible(*, order_id: int, user: User | AnonymousUser) -> bool:
    """Whether `user` may see the order (one EXISTS query)."""
    return Order.objects.visible_to(user).filter(pk=order_id).exists()


def order_event_list(*, order_id: int) -> QuerySet[OrderEvent]:
    """An order's timeline, oldest first (one query for any number of events: the actor's user id is on the row)."""
    return OrderEvent.objects.filter(order_id=order_id).order_by("created_at", "id")
