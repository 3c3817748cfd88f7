"""Back office for notifications: the audit log of every SMS and email, and a resend action."""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.html import format_html

from ecommerce.exceptions import DomainError
from notifications import services
from notifications.models import Notification, NotificationStatus
from notifications.status import UNCERTAIN_PROVIDER_STATUS
from orders.events import Actor, EventSource


class FailureFilter(admin.SimpleListFilter):
    """What a failed notification waits for: its retry, staff (an SMS the provider may have), or nothing more."""

    title = "failure"
    parameter_name = "failure"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("uncertain", "Uncertain (the provider may have it)"),
            ("retrying", "Retry scheduled"),
            ("final", "Failed for good"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Notification]) -> QuerySet[Notification]:
        failed = queryset.filter(status=NotificationStatus.FAILED)
        match self.value():
            case "uncertain":
                return failed.filter(provider_status=UNCERTAIN_PROVIDER_STATUS)
            case "retrying":
                return failed.filter(next_attempt_at__isnull=False)
            case "final":
                return failed.filter(next_attempt_at__isnull=True).exclude(provider_status=UNCERTAIN_PROVIDER_STATUS)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "order_link",
        "channel",
        "recipient_short",
        "status",
        "attempts",
        "last_error_short",
        "sent_at",
        "created_at",
    )
    list_filter = ("channel", "status", FailureFilter, "created_at")
    search_fields = ("=order__id", "recipient", "provider_message_id")
    readonly_fields = [field.name for field in Notification._meta.fields]
    actions = ("resend",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Notifications are recorded when an order is placed; the admin only reads and resends them.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        # The audit log of what was sent: never deleted from the admin (no delete button, no bulk delete action).
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        # The change form is read-only (an audit log), but the resend action needs "change".
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description="Order", ordering="order_id")
    def order_link(self, notification: Notification) -> str:
        return format_html(
            '<a href="{}">Order #{}</a>',
            reverse("admin:orders_order_change", args=[notification.order_id]),
            notification.order_id,
        )

    @admin.display(description="Recipient", ordering="recipient")
    def recipient_short(self, notification: Notification) -> str:
        return truncatechars(notification.recipient, 60)

    @admin.display(description="Last error")
    def last_error_short(self, notification: Notification) -> str:
        return truncatechars(notification.last_error, 80)

    @admin.action(
        description="Resend",
        description_plural="Resend selected notifications",
        permissions=["change"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def resend(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        resent, failed = [], []
        for notification in queryset.order_by("pk"):
            try:
                services.notification_resend(
                    notification=notification, actor=Actor.of(request.user), source=EventSource.ADMIN
                )
            except DomainError as error:
                failed.append(f"#{notification.pk}: {error}")
            else:
                resent.append(f"#{notification.pk}")
        if resent:
            self.message_user(request, f"Resend scheduled for notification(s) {', '.join(resent)}.", messages.SUCCESS)
        for failure in failed:
            self.message_user(request, f"Could not resend notification {failure}", messages.ERROR)
