from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        # Register the metrics at start-up so /metrics lists them before the first order.
        from orders import metrics  # noqa: F401
