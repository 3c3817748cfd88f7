"""What the back office adds to the apps' admin pages where one app's page shows another's data.

The customers app does not know orders (it sits below them), so a customer's orders — the count on the list,
linked to the order list filtered to them, and the latest ones on their page — are added here, to its own
`CustomerAdmin`, re-registered with them.

Likewise the orders app does not know notifications (they sit above it): an order's notifications, inline on its
page with their status and a Resend button, are added to `OrderAdmin` here.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.defaultfilters import truncatechars
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from customers import admin as customers_admin
from customers.models import Customer
from ecommerce.admin_helpers import ReadOnlyTabularInline, format_datetime
from ecommerce.api import DomainError
from ecommerce.money import money_display
from notifications import services as notification_services
from notifications.models import Notification, NotificationStatus
from notifications.status import UNCERTAIN_PROVIDER_STATUS
from orders import admin as orders_admin
from orders.events import Actor, EventSource
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


def notification_state(notification: Notification) -> str:
    """Its status as staff need it: a failed SMS the provider may have taken is "uncertain", not just failed."""
    if notification.status == NotificationStatus.FAILED:
        if notification.provider_status == UNCERTAIN_PROVIDER_STATUS:
            return "Uncertain"
        if notification.next_attempt_at is not None:
            return f"Failed, retry due {format_datetime(notification.next_attempt_at)}"
    return notification.get_status_display()


def is_resendable(notification: Notification) -> bool:
    """What `notification_resend` accepts: one not sent (nor being sent) that has a recipient."""
    return notification.status in (NotificationStatus.PENDING, NotificationStatus.FAILED) and bool(
        notification.recipient
    )


class OrderNotificationInline(ReadOnlyTabularInline):
    """The order's SMS and staff email, read-only, each with a Resend button while it is not sent."""

    model = Notification
    template = "admin/orders/order/readonly_inline.html"
    fields = ("channel", "recipient_short", "state", "attempts", "last_error_short", "sent_at", "resend_button")
    readonly_fields = fields
    ordering = ("pk",)
    verbose_name_plural = "notifications"

    def has_view_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return request.user.has_perm("notifications.view_notification")

    def get_fields(self, request: HttpRequest, obj: Order | None = None):
        fields = super().get_fields(request, obj)
        if not request.user.has_perm("notifications.change_notification"):
            fields = [name for name in fields if name != "resend_button"]
        return fields

    @admin.display(description="Recipient")
    def recipient_short(self, notification: Notification) -> str:
        return truncatechars(notification.recipient, 60) or "—"

    @admin.display(description="Status")
    def state(self, notification: Notification) -> str:
        return format_html(
            '<span class="notification-status notification-status-{}">{}</span>',
            notification.status,
            notification_state(notification),
        )

    @admin.display(description="Last error")
    def last_error_short(self, notification: Notification) -> str:
        return truncatechars(notification.last_error, 120) or "—"

    @admin.display(description="")
    def resend_button(self, notification: Notification) -> str:
        if not is_resendable(notification):
            return ""
        # A button of the page's own form, posting (with its CSRF token) to the resend view below instead.
        return format_html(
            '<button type="submit" class="button resend-notification" formaction="{}" name="notification" '
            'value="{}">Resend</button>',
            reverse("admin:orders_order_resend_notification", args=[notification.order_id, notification.pk]),
            notification.pk,
        )


class OrderAdmin(orders_admin.OrderAdmin):
    def get_inlines(self, request: HttpRequest, obj: Order | None):
        return [*super().get_inlines(request, obj), OrderNotificationInline]

    def get_urls(self) -> list[URLPattern]:
        resend = path(
            "<path:object_id>/notifications/<int:notification_id>/resend/",
            self.admin_site.admin_view(self.resend_notification_view),
            name="orders_order_resend_notification",
        )
        return [resend, *super().get_urls()]

    def resend_notification_view(self, request: HttpRequest, object_id: str, notification_id: int) -> HttpResponse:
        """POST: resend one of this order's notifications (`notification_resend`, as staff, from the admin)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order = self.get_object(request, object_id)
        if order is None or not self.has_view_or_change_permission(request, order):
            raise Http404("No such order.")
        if not request.user.has_perm("notifications.change_notification"):
            raise PermissionDenied
        notification = Notification.objects.filter(pk=notification_id, order_id=order.pk).first()
        if notification is None:
            raise Http404("No such notification of this order.")
        try:
            notification_services.notification_resend(
                notification=notification, actor=Actor.of(request.user), source=EventSource.ADMIN
            )
        except DomainError as error:
            self.message_user(request, f"Could not resend: {error}", messages.ERROR)
        else:
            label = f"{notification.get_channel_display()} #{notification.pk}"
            self.message_user(request, f"Resend scheduled for {label}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))


admin.site.unregister(Order)
admin.site.register(Order, OrderAdmin)
