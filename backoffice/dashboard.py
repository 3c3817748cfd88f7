"""The admin index as the shop's dashboard (Oscar's dashboard index, Saleor's home): what needs staff today.

Today's and this week's orders and revenue, orders waiting for confirmation, notifications that failed or whose
outcome is uncertain, products low on stock; each figure links to the changelist filtered to exactly what it
counts. A fixed number of queries whatever the shop's size: one aggregate per table, plus the few lowest stocks.
Figures a member of staff may not view (no view permission on the model) are left out, and not queried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from catalog.models import Product
from ecommerce.money import money_display
from notifications.models import Notification, NotificationStatus
from notifications.status import UNCERTAIN_PROVIDER_STATUS
from orders.models import Order, OrderStatus

if TYPE_CHECKING:
    from django.http import HttpRequest

LOW_STOCK_LISTED = 5


@dataclass(frozen=True)
class Figure:
    """One number on the dashboard, the link to what it counts, and whether it asks for attention."""

    key: str
    label: str
    value: str
    url: str
    detail: str = ""
    is_alert: bool = False


@dataclass(frozen=True)
class LowStockProduct:
    name: str
    sku: str
    stock: int
    url: str


@dataclass(frozen=True)
class Dashboard:
    orders: list[Figure]
    notifications: list[Figure]
    stock: list[Figure]
    low_stock: list[LowStockProduct]


def _changelist(model: type, **params: str | int) -> str:
    opts = model._meta  # type: ignore[attr-defined]
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _period_starts(now: datetime) -> tuple[datetime, datetime]:
    """The start of today and of this week (Monday), in the shop's time zone."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return today, today - timedelta(days=today.weekday())


def _order_figures(now: datetime) -> list[Figure]:
    today, week = _period_starts(now)
    placed_today, placed_this_week = Q(created_at__gte=today), Q(created_at__gte=week)
    sold = ~Q(status=OrderStatus.CANCELLED)
    # One query: the week's orders and every pending one (both found from the status/created_at index).
    totals = Order.objects.filter(placed_this_week | Q(status=OrderStatus.PENDING)).aggregate(
        today_count=Count("pk", filter=placed_today),
        today_revenue=Sum("total", filter=placed_today & sold),
        week_count=Count("pk", filter=placed_this_week),
        week_revenue=Sum("total", filter=placed_this_week & sold),
        pending=Count("pk", filter=Q(status=OrderStatus.PENDING)),
    )
    tomorrow = today + timedelta(days=1)
    # The changelist's date filter takes the same bounds (its own "Today" link has this form).
    today_url = _changelist(Order, created_at__gte=str(today), created_at__lt=str(tomorrow))
    week_url = _changelist(Order, created_at__gte=str(week), created_at__lt=str(tomorrow))

    def revenue(value: Decimal | None) -> str:
        return money_display(value or Decimal("0"))

    return [
        Figure("orders-today", "Orders today", str(totals["today_count"]), today_url),
        Figure("revenue-today", "Revenue today", revenue(totals["today_revenue"]), today_url, "cancelled not counted"),
        Figure("orders-week", "Orders this week", str(totals["week_count"]), week_url, f"since {week:%a %d %b}"),
        Figure("revenue-week", "Revenue this week", revenue(totals["week_revenue"]), week_url, "cancelled not counted"),
        Figure(
            "orders-pending",
            "Waiting for confirmation",
            str(totals["pending"]),
            _changelist(Order, status__exact=OrderStatus.PENDING),
            "pending orders",
            is_alert=totals["pending"] > 0,
        ),
    ]


def _notification_figures() -> list[Figure]:
    failed = Notification.objects.filter(status=NotificationStatus.FAILED).aggregate(
        failed=Count("pk"),
        uncertain=Count("pk", filter=Q(provider_status=UNCERTAIN_PROVIDER_STATUS)),
        retrying=Count("pk", filter=Q(next_attempt_at__isnull=False)),
    )
    return [
        Figure(
            "notifications-failed",
            "Failed notifications",
            str(failed["failed"]),
            _changelist(Notification, status__exact=NotificationStatus.FAILED),
            f"{failed['retrying']} with a retry scheduled",
            is_alert=failed["failed"] > 0,
        ),
        Figure(
            "notifications-uncertain",
            "Uncertain SMS",
            str(failed["uncertain"]),
            _changelist(Notification, failure="uncertain"),
            "the provider may have them: check, then resend",
            is_alert=failed["uncertain"] > 0,
        ),
    ]


def _stock(threshold: int) -> tuple[list[Figure], list[LowStockProduct]]:
    low = Product.objects.filter(is_active=True, stock__lte=threshold)  # the (is_active, stock) index
    count = low.count()
    lowest = [
        LowStockProduct(
            name=product.name,
            sku=product.sku,
            stock=product.stock,
            url=reverse("admin:catalog_product_change", args=[product.pk]),
        )
        for product in low.only("pk", "name", "sku", "stock").order_by("stock", "pk")[:LOW_STOCK_LISTED]
    ]
    figure = Figure(
        "products-low-stock",
        "Low on stock",
        str(count),
        _changelist(Product, is_active__exact=1, stock="low"),
        f"active products with at most {threshold} units",
        is_alert=count > 0,
    )
    return [figure], lowest


def shop_dashboard(request: HttpRequest) -> Dashboard:
    """The dashboard's figures this member of staff may see: 1 query for orders, 1 for notifications, 2 for stock."""
    user = request.user
    stock, low_stock = _stock(settings.LOW_STOCK_THRESHOLD) if user.has_perm("catalog.view_product") else ([], [])
    return Dashboard(
        orders=_order_figures(timezone.now()) if user.has_perm("orders.view_order") else [],
        notifications=_notification_figures() if user.has_perm("notifications.view_notification") else [],
        stock=stock,
        low_stock=low_stock,
    )
