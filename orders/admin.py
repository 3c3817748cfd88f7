"""Back office for orders: read-only orders and lines; status changes only through the orders service.

An order's page is titled "Order #N" and offers, as buttons, only the changes the state machine allows from
its status (`ORDER_TRANSITIONS`); it shows the customer's contact details, the lines and the order's timeline.
Its notifications (the app above this one) are added by `backoffice.admin`.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from ecommerce.admin_helpers import ReadOnlyTabularInline, format_datetime
from ecommerce.api import DomainError
from ecommerce.money import money_display
from orders import selectors, services
from orders.events import EventSource
from orders.models import ORDER_TRANSITIONS, ActorType, Order, OrderEvent, OrderEventKind, OrderLine, OrderStatus

# Actions offered both on the list (for the selected orders) and on an order's own page.
BOTH_PAGES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]

# Target status -> (verb, past tense) for the admin's messages.
TRANSITIONS: dict[str, tuple[str, str]] = {
    OrderStatus.CONFIRMED: ("Confirm", "Confirmed"),
    OrderStatus.SHIPPED: ("Ship", "Shipped"),
    OrderStatus.DELIVERED: ("Deliver", "Delivered"),
    OrderStatus.CANCELLED: ("Cancel", "Cancelled"),
}
# Target status -> (the admin action that makes it, the label of its button on the order's page), in the order
# the buttons are shown: forward first, cancelling last.
TRANSITION_BUTTONS: dict[str, tuple[str, str]] = {
    OrderStatus.CONFIRMED: ("confirm", "Confirm"),
    OrderStatus.SHIPPED: ("ship", "Mark shipped"),
    OrderStatus.DELIVERED: ("deliver", "Mark delivered"),
    OrderStatus.CANCELLED: ("cancel", "Cancel order (stock comes back)"),
}


def transition_buttons(order: Order) -> list[dict[str, str]]:
    """The buttons of the changes `order` may make from its status: action name, label, target status."""
    allowed = ORDER_TRANSITIONS.get(order.status, frozenset())
    return [
        {"action": action, "label": label, "status": status}
        for status, (action, label) in TRANSITION_BUTTONS.items()
        if status in allowed
    ]


def _notification_label(data: dict[str, Any]) -> str:
    channel = {"sms": "SMS", "email": "Email"}.get(data.get("channel", ""), "Notification")
    return f"{channel} #{data.get('notification', '?')}"


def event_summary(event: OrderEvent) -> str:
    """One line for people: what the event changed."""
    data = event.data
    match event.kind:
        case OrderEventKind.PLACED:
            lines = data.get("lines", 0)
            return f"Placed: {lines} line{'' if lines == 1 else 's'}, {money_display(data.get('total'))}"
        case OrderEventKind.STATUS_CHANGED:
            return f"Status: {data.get('from')} → {data.get('to')}"
        case OrderEventKind.CANCELLED:
            units = sum(row.get("quantity", 0) for row in data.get("stock_returned", []))
            products = len(data.get("stock_returned", []))
            return (
                f"Cancelled (was {data.get('from')}): {units} unit{'' if units == 1 else 's'} of "
                f"{products} product{'' if products == 1 else 's'} back in stock"
            )
        case OrderEventKind.NOTIFICATION_QUEUED:
            return f"{_notification_label(data)} queued"
        case OrderEventKind.NOTIFICATION_SENT:
            return f"{_notification_label(data)} sent"
        case OrderEventKind.NOTIFICATION_FAILED:
            outcome = data.get("outcome", "failed")
            detail = f": {data['detail']}" if data.get("detail") else ""
            return f"{_notification_label(data)} failed ({outcome}){detail}"
        case OrderEventKind.NOTIFICATION_RESENT:
            return f"{_notification_label(data)} resent"
        case OrderEventKind.DELIVERY_REPORT:
            return f"Delivery report for {_notification_label(data)}: {data.get('detail') or data.get('outcome')}"
    return event.get_kind_display()


def event_actor(event: OrderEvent) -> str:
    """Who acted, for staff: the customer's or staff member's email, or "System"."""
    if event.actor_type == ActorType.SYSTEM:
        return "System"
    who = event.user.email if event.user is not None else "deleted user"
    return f"{event.get_actor_type_display()} {who}"


def order_timeline(order: Order) -> list[dict[str, str]]:
    """The order's events for its admin page, oldest first (one query: the acting users joined)."""
    return [
        {
            "time": format_datetime(event.created_at),
            "iso": event.created_at.isoformat(),
            "kind": event.kind,
            "summary": event_summary(event),
            "actor": event_actor(event),
            "source": event.get_source_display(),
        }
        for event in selectors.order_event_list(order_id=order.pk).select_related("user")
    ]


class OrderLineInline(ReadOnlyTabularInline):
    model = OrderLine
    # A plain table of the lines: Django's tabular inline repeats each line's __str__ as a heading above it.
    template = "admin/orders/order/readonly_inline.html"
    fields = ("sku", "product_name", "unit_price_display", "quantity", "line_total_display")
    readonly_fields = fields

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
    fieldsets = (
        (None, {"fields": ("status", "total_display", "note", "created_at", "updated_at", "idempotency_key")}),
        ("Customer", {"fields": ("customer_name", "customer_email", "customer_phone")}),
    )
    readonly_fields = (
        "status",
        "total_display",
        "note",
        "created_at",
        "updated_at",
        "idempotency_key",
        "customer_name",
        "customer_email",
        "customer_phone",
    )
    actions = ("confirm", "ship", "deliver", "cancel")
    show_full_result_count = False
    change_form_template = "admin/orders/order/change_form.html"

    class Media:
        css = {"all": ["orders/order-admin.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Order]:
        # The order's page shows the customer's name, email and phone: one query with the order.
        return super().get_queryset(request).select_related("customer__user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Orders are placed through the API (validation, pricing and stock live in orders.services).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        # An order is a record of a sale: cancel it (stock comes back), don't delete it.
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Nothing on an order's page is edited by hand: status changes are the buttons above the fields.
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # "Order #N", not "View order" / "Change order": nothing here is a form to fill in.
            context |= {
                "title": str(obj),
                "subtitle": None,
                "transition_buttons": transition_buttons(obj) if self.has_change_permission(request, obj) else [],
                "timeline": order_timeline(obj),
            }
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # ?customer=<id>: the "orders" link of the customers page.
        return lookup == "customer" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="Customer", ordering="customer__user__email")
    def customer_link(self, order: Order) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:customers_customer_change", args=[order.customer_id]), order.customer
        )

    @admin.display(description="Name")
    def customer_name(self, order: Order) -> str:
        customer = order.customer
        name = f"{customer.first_name} {customer.last_name}".strip() or "(no name given)"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:customers_customer_change", args=[order.customer_id]), name
        )

    @admin.display(description="Email")
    def customer_email(self, order: Order) -> str:
        return order.customer.user.email

    @admin.display(description="Phone")
    def customer_phone(self, order: Order) -> str:
        return order.customer.phone.as_international if order.customer.phone else "—"

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
