"""The notifications' Prometheus metrics (exported at /metrics with django-prometheus' registry)."""

import logging
from collections.abc import Iterator

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# outcome: sent | retry (transient failure, retry scheduled) | failed (permanent or out of attempts)
#          | uncertain (the provider may have it; not retried) | delivered / undelivered (delivery reports)
NOTIFICATIONS = Counter(
    "ecommerce_notifications",
    "Notification delivery attempts and delivery reports, by channel and outcome.",
    ["channel", "outcome"],
)
DELIVERY_LATENCY = Histogram(
    "ecommerce_notification_delivery_latency_seconds",
    "Time from the order's creation to its notification being accepted by the provider.",
    ["channel"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 7200, float("inf")),
)


class NotificationQueueCollector(Collector):
    """The delivery queue, read from the database at scrape time (the web process exports it, so one scrape
    of any web pod sees the whole queue; `METRICS_EXTRA_COLLECTORS` names this class).

    Two index-only aggregates (notif_queue_idx, notif_due_idx). A database error yields nothing rather
    than failing the scrape.
    """

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db import DatabaseError
        from django.db.models import Count, Min
        from django.utils import timezone

        from notifications.models import Channel, Notification, NotificationStatus

        try:
            queued = list(
                Notification.objects.filter(status__in=[NotificationStatus.PENDING, NotificationStatus.SENDING])
                .values("channel")
                .annotate(count=Count("pk"), oldest=Min("created_at"))
                .order_by()
            )
            retrying = dict(
                Notification.objects.filter(status=NotificationStatus.FAILED, next_attempt_at__isnull=False)
                .values("channel")
                .annotate(count=Count("pk"))
                .order_by()
                .values_list("channel", "count")
            )
        except DatabaseError:
            logger.warning("Could not read the notification queue for /metrics", exc_info=True)
            return
        now = timezone.now()
        by_channel = {row["channel"]: row for row in queued}
        pending = GaugeMetricFamily(
            "ecommerce_notifications_pending",
            "Notifications waiting for delivery or being delivered (status pending or sending), by channel.",
            labels=["channel"],
        )
        oldest = GaugeMetricFamily(
            "ecommerce_notifications_oldest_pending_age_seconds",
            "Age of the oldest notification waiting for delivery (0 when none waits), by channel.",
            labels=["channel"],
        )
        retry = GaugeMetricFamily(
            "ecommerce_notifications_retrying",
            "Notifications that failed transiently and have a retry scheduled, by channel.",
            labels=["channel"],
        )
        for channel in Channel.values:
            row = by_channel.get(channel)
            pending.add_metric([channel], row["count"] if row else 0)
            oldest.add_metric([channel], max((now - row["oldest"]).total_seconds(), 0.0) if row else 0.0)
            retry.add_metric([channel], retrying.get(channel, 0))
        yield pending
        yield oldest
        yield retry
