from decimal import Decimal

import pytest
from prometheus_client import REGISTRY

from catalog.models import Product
from orders.models import Order, OrderLine
from tests.factories import ProductFactory

ORDERS_URL = "/api/v1/orders"


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def stock_of(*products: Product) -> list[int]:
    return [Product.objects.get(pk=product.pk).stock for product in products]


def snapshot() -> tuple:
    """Everything an order request could change, to prove a refused one changed nothing."""
    return (
        list(Product.objects.order_by("pk").values_list("pk", "stock")),
        list(Order.objects.order_by("pk").values_list("pk", "status", "idempotency_key")),
        OrderLine.objects.count(),
    )


@pytest.fixture
def products(db):
    """Three products: 19.99 (stock 10), 5.00 (stock 3), 0.10 (stock 100)."""
    return [
        ProductFactory(price=Decimal("19.99"), stock=10),
        ProductFactory(price=Decimal("5.00"), stock=3),
        ProductFactory(price=Decimal("0.10"), stock=100),
    ]


def items(*pairs: tuple[Product, int]) -> list[dict]:
    return [{"product": product.pk, "quantity": quantity} for product, quantity in pairs]
