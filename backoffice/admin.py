"""What the back office adds to the apps' admin pages where one app's page shows another's data.

The customers app does not know orders (it sits below them), so a customer's orders — the count on the list,
linked to the order list filtered to them, and the latest ones on their page — are added here, to its own
`CustomerAdmin`, re-registered with them.
"""

from django.contrib import admin
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from customers import admin as customers_admin
from customers.models import Customer
from ecommerce.admin_helpers import format_datetime
from ecommerce.money import money_display
from orders.models import Order

RECENT_ORDERS_SHOWN = 10


def customer_orders_url(customer: Customer) -> str:
    return f"{reverse('admin:orders_order_changelist')}?{urlencode({'customer': customer.pk})}"


class CustomerAdmin(customers_admin.CustomerAdmin):
    list_display = ("email", "first_name", "last_name", "phone", "orders_link", "date_joined")
    fields = ("user", "first_name", "last_name", "phone", "date_joined", "orders_link", "recent_orders")
    readonly_fields = ("user", "date_joined", "orders_link", "recent_orders")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        # A correlated subquery, not a JOIN + GROUP BY: the list's COUNT(*) then skips it entirely.
        order_count = (
            Order.objects.filter(customer=OuterRef("pk"))
            .order_by()
            .values("customer")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return super().get_queryset(request).annotate(order_count=Coalesce(Subquery(order_count), 0))

    @admin.display(description="Orders", ordering="order_count")
    def orders_link(self, customer: Customer) -> str:
        count = customer.order_count  # type: ignore[attr-defined]  # annotated by get_queryset
        return format_html(
            '<a href="{}">{} order{}</a>', customer_orders_url(customer), count, "" if count == 1 else "s"
        )

    @admin.display(description="Recent orders")
    def recent_orders(self, customer: Customer) -> str:
        orders = customer.orders.order_by("-created_at", "-id")[:RECENT_ORDERS_SHOWN]
        if not orders:
            return "None yet"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">Order #{}</a> — {} — {} — {}</li>',
                (
                    (
                        reverse("admin:orders_order_change", args=[order.pk]),
                        order.pk,
                        order.get_status_display(),
                        money_display(order.total),
                        format_datetime(order.created_at),
                    )
                    for order in orders
                ),
            ),
        )


admin.site.unregister(Customer)
admin.site.register(Customer, CustomerAdmin)
