from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from customers.models import User


class OrderQuerySet(models.QuerySet):
    def visible_to(self, user: User | AnonymousUser) -> OrderQuerySet:
        """Staff see every order; anyone else only their own (customer id == user id)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        return self.filter(customer_id=user.pk)

    def with_lines(self) -> OrderQuerySet:
        """Prefetch the lines, so a page of orders costs a fixed number of queries."""
        from orders.models import OrderLine

        return self.prefetch_related(models.Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
