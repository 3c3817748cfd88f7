from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import Product
from customers.models import Customer
from orders.querysets import OrderQuerySet


class OrderStatus(models.TextChoices):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


# The order state machine (SPEC §4.5), in one place: status -> statuses it may move to.
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
# An order's owner may cancel it only from these; staff may make any transition above.
OWNER_CANCELLABLE_STATUSES: frozenset[str] = frozenset({OrderStatus.PENDING})


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    # 18 digits: 100 lines x 1000 units x the largest product price (12 digits) always fits.
    total = models.DecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3)
    note = models.TextField(blank=True)
    # The client's Idempotency-Key and a hash of the request body it came with. The key is
    # cleared (set NULL) when it is reused after its time to live, so the unique constraint
    # only ever guards live keys.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One order per (customer, key): concurrent duplicates collide here, not in a check-then-insert.
            models.UniqueConstraint(fields=["customer", "idempotency_key"], name="order_unique_idempotency_key"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_non_negative"),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="order_customer_created_idx"),
            models.Index(fields=["status", "-created_at"], name="order_status_created_idx"),
        ]

    def __str__(self) -> str:
        return f"Order #{self.pk}"

    def can_become(self, status: str) -> bool:
        return status in ORDER_TRANSITIONS.get(self.status, frozenset())


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # PROTECT: a product that appears in any order cannot be deleted (the API answers 409).
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    product_name = models.CharField(max_length=200)
    sku = models.CharField(max_length=64)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="orderline_unique_product_per_order"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orderline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"


class OrderEventKind(models.TextChoices):
    PLACED = "placed", "Placed"
    STATUS_CHANGED = "status_changed", "Status changed"
    CANCELLED = "cancelled", "Cancelled, stock returned"
    NOTIFICATION_QUEUED = "notification_queued", "Notification queued"
    NOTIFICATION_SENT = "notification_sent", "Notification sent"
    NOTIFICATION_FAILED = "notification_failed", "Notification failed"
    NOTIFICATION_RESENT = "notification_resent", "Notification resent"
    DELIVERY_REPORT = "delivery_report", "Delivery report"


class ActorType(models.TextChoices):
    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"


class EventSource(models.TextChoices):
    API = "api", "API"
    ADMIN = "admin"
    COMMAND = "command"
    TASK = "task"


class OrderEvent(models.Model):
    """One entry of an order's timeline: what happened, when, who did it and through what.

    Written by the services that make the change (`orders.events.order_event_record`), never edited.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=32, choices=OrderEventKind.choices)
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    # The customer or member of staff who acted; None for the system (and once the user is deleted).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16, choices=EventSource.choices)
    # Small facts of the change: {"from", "to"}, returned stock, a notification's id, channel and outcome.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at", "id"], name="orderevent_order_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.order})"
