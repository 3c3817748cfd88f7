"""The notifications' Prometheus metrics (exported at /metrics with django-prometheus' registry)."""

from prometheus_client import Counter, Histogram

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
