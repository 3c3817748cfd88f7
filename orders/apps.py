from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        # Register the metrics at start-up so /metrics lists them before the first order; connect the
        # receivers that tell the catalog's cached answers of stock taken and given back.
        from orders import metrics, receivers  # noqa: F401
