"""Read use-cases of the customers app."""

from __future__ import annotations

from django.db.models import QuerySet

from customers.models import Customer, User


def customer_visible_to(*, user: User) -> QuerySet[Customer]:
    """The profiles `user` may see: all for staff, otherwise only their own (others are 404)."""
    customers = Customer.objects.select_related("user").order_by("user_id")
    if user.is_staff:
        return customers
    return customers.filter(user_id=user.pk)
