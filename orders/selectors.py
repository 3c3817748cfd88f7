"""Read use-cases of orders for the API, the admin and commands; each costs a fixed number of queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from orders.models import Order

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
