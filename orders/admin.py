"""Back office for orders: read-only orders and lines; status changes only through the orders service."""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from ecommerce.api import DomainError
from ecommerce.money import money_display
from orders import services
from orders.events import EventSource
from orders.models import Order, OrderLine, OrderStatus

# Actions offered both on the list (for the selected orders) and on an order's own page.
BOTH_PAGES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]

# Target status -> (verb, past tense) for the admin's messages.
TRANSITIONS: dict[str, tuple[str, str]] = {
    OrderStatus.CONFIRMED: ("Confirm", "Confirmed"),
    OrderStatus.SHIPPED: ("Ship", "Shipped"),
    OrderStatus.DELIVERED: ("Deliver", "Delivered"),
    OrderStatus.CANCELLED: ("Cancel", "Cancelled"),
}


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ("sku", "product_name", "unit_price_display", "quantity", "line_total_display")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False

    @admin.display(description="Unit price")
    def unit_price_display(self, line: OrderLine) -> str:
        return money_display(line.unit_price)

    @admin.display(description="Line total")
    def line_total_display(self, line: OrderLine) -> str:
        return money_display(line.line_total)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("__str__", "customer_link", "status", "total_display", "created_at")
    list_display_links = ("__str__",)
    list_filter = ("status", "created_at")
    list_select_related = ("customer__user",)
    search_fields = ("=id", "customer__user__email", "customer__last_name", "customer__phone")
    inlines = (OrderLineInline,)
    fields = ("customer_link", "status", "total_display", "note", "created_at", "updated_at", "idempotency_key")
    readonly_fields = fields
    actions = ("confirm", "ship", "deliver", "cancel")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Orders are placed through the API (validation, pricing and stock live in orders.services).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        # An order is a record of a sale: cancel it (stock comes back), don't delete it.
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Nothing on an order's page is edited by hand: status changes are the actions above the fields.
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # ?customer=<id>: the "orders" link of the customers page.
        return lookup == "customer" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="Customer", ordering="customer__user__email")
    def customer_link(self, order: Order) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:customers_customer_change", args=[order.customer_id]), order.customer
        )

    @admin.display(description="Total", ordering="total")
    def total_display(self, order: Order) -> str:
        return money_display(order.total)

    # --- status changes: actions on the list and on each order's page (Django 6.1 change-form actions) ---

    def _transition(self, request: HttpRequest, orders, status: str) -> None:
        """Each order through the API's own service (cancelling gives the stock back); a forbidden change
        (IllegalTransition) becomes an error message and leaves that order as it was."""
        done, failed = [], []
        for order in orders:
            try:
                services.order_set_status(order_id=order.pk, status=status, by=request.user, source=EventSource.ADMIN)
            except DomainError as error:
                failed.append(f"{order}: {error}")
            else:
                done.append(str(order))
        label, past = TRANSITIONS[status]
        if done:
            self.message_user(request, f"{past}: {', '.join(done)}.", messages.SUCCESS)
        for failure in failed:
            self.message_user(request, f"Could not {label.lower()} {failure}", messages.ERROR)

    @admin.action(
        description="Confirm order",
        description_plural="Confirm selected orders",
        permissions=["change"],
        location=BOTH_PAGES,
    )
    def confirm(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._transition(request, queryset.order_by("pk"), OrderStatus.CONFIRMED)

    @admin.action(
        description="Mark shipped",
        description_plural="Mark selected orders shipped",
        permissions=["change"],
        location=BOTH_PAGES,
    )
    def ship(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._transition(request, queryset.order_by("pk"), OrderStatus.SHIPPED)

    @admin.action(
        description="Mark delivered",
        description_plural="Mark selected orders delivered",
        permissions=["change"],
        location=BOTH_PAGES,
    )
    def deliver(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._transition(request, queryset.order_by("pk"), OrderStatus.DELIVERED)

    @admin.action(
        description="Cancel order (stock comes back)",
        description_plural="Cancel selected orders (stock comes back)",
        permissions=["change"],
        location=BOTH_PAGES,
    )
    def cancel(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._transition(request, queryset.order_by("pk"), OrderStatus.CANCELLED)
