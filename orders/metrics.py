"""The shop's order metrics, registered in prometheus_client's default registry (served by /metrics)."""

from prometheus_client import Counter, Histogram

ORDERS_CREATED = Counter(
    "ecommerce_orders_created",
    "Orders placed (committed; idempotent replays not counted).",
    ["currency"],
)
ORDER_VALUE = Histogram(
    "ecommerce_order_value",
    "Total of each placed order, in the shop currency.",
    ["currency"],
    buckets=(100, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000, float("inf")),
)
STOCK_CONFLICTS = Counter(
    "ecommerce_stock_conflicts",
    "Order requests refused because a line asked for more than was in stock.",
)
IDEMPOTENT_REPLAYS = Counter(
    "ecommerce_order_idempotent_replays",
    "Order requests answered with the order an earlier request with the same Idempotency-Key created.",
)
ORDER_TRANSACTION_RETRIES = Counter(
    "ecommerce_order_transaction_retries",
    "Order transactions retried after a deadlock or lock wait timeout.",
    ["operation", "reason"],
)
