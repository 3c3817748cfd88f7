"""Back office for orders: read-only orders and lines; status changes only through the orders service."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from ecommerce.admin_site import format_money
from ecommerce.api import DomainError
from orders.models import Order, OrderLine, OrderStatus

# Target status -> (button label, past tense for messages).
TRANSITIONS = {
    OrderStatus.CONFIRMED: ("Confirm", "Confirmed"),
    OrderStatus.SHIPPED: ("Ship", "Shipped"),
    OrderStatus.DELIVERED: ("Deliver", "Delivered"),
    OrderStatus.CANCELLED: ("Cancel", "Cancelled"),
}


def apply_transition(*, order: Order, status: str, by) -> None:
    """The same service code as the API: cancel gives stock back; illegal moves raise a DomainError (409)."""
    from orders import services

    if status == OrderStatus.CANCELLED:
        services.order_cancel(order=order, by=by)
    else:
        services.order_status_change(order=order, status=status, by=by)


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

    @admin.display(description="Unit price")
    def unit_price_display(self, line: OrderLine) -> str:
        return format_money(line.unit_price)

    @admin.display(description="Line total")
    def line_total_display(self, line: OrderLine) -> str:
        return format_money(line.line_total)


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
    change_form_template = "admin/orders/order/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Orders are placed through the API (validation, pricing and stock live in orders.services).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        # An order is a record of a sale: cancel it (stock comes back), don't delete it.
        return False

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
        return format_money(order.total)

    # --- status changes: the list's actions and the change page's buttons share `_transition` ---

    def _transition(self, request: HttpRequest, orders, status: str) -> None:
        done, failed = [], []
        for order in orders:
            try:
                apply_transition(order=order, status=status, by=request.user)
            except DomainError as error:
                failed.append(f"{order}: {error}")
            else:
                done.append(str(order))
        label, past = TRANSITIONS[status]
        if done:
            self.message_user(request, f"{past}: {', '.join(done)}.", messages.SUCCESS)
        for failure in failed:
            self.message_user(request, f"Could not {label.lower()} {failure}", messages.ERROR)

    @admin.action(description="Confirm selected orders", permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._transition(request, queryset.order_by("pk"), OrderStatus.CONFIRMED)

    @admin.action(description="Mark selected orders shipped", permissions=["change"])
    def ship(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._transition(request, queryset.order_by("pk"), OrderStatus.SHIPPED)

    @admin.action(description="Mark selected orders delivered", permissions=["change"])
    def deliver(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._transition(request, queryset.order_by("pk"), OrderStatus.DELIVERED)

    @admin.action(description="Cancel selected orders (stock comes back)", permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._transition(request, queryset.order_by("pk"), OrderStatus.CANCELLED)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/status/<str:status>/",
                self.admin_site.admin_view(require_POST(self.status_view)),
                name="orders_order_status",
            ),
            *super().get_urls(),
        ]

    def status_view(self, request: HttpRequest, object_id: str, status: str) -> HttpResponseRedirect:
        if status not in TRANSITIONS:
            raise Http404("Unknown status.")
        order = get_object_or_404(self.get_queryset(request), pk=unquote(object_id))
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        self._transition(request, [order], status)
        return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        transitions = []
        if obj is not None and self.has_change_permission(request, obj):
            transitions = [
                (label, reverse("admin:orders_order_status", args=[obj.pk, status]))
                for status, (label, _past) in TRANSITIONS.items()
            ]
        context["status_transitions"] = transitions
        return super().render_change_form(request, context, add, change, form_url, obj)
