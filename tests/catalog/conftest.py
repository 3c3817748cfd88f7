from decimal import Decimal

import pytest

from catalog import services
from catalog.models import Category, Product


def make_category(name: str, parent: Category | None = None) -> Category:
    return services.category_create(name=name, parent=parent)


def make_product(category: Category, *, sku: str, price: str = "100.00", stock: int = 10, **extra) -> Product:
    return services.product_create(
        name=extra.pop("name", f"Product {sku}"),
        sku=sku,
        price=Decimal(price),
        stock=stock,
        category=category,
        description=extra.pop("description", ""),
        is_active=extra.pop("is_active", True),
    )


@pytest.fixture
def chain(db) -> list[Category]:
    """A chain of six categories, levels 0..5: L0 > L1 > ... > L5."""
    nodes: list[Category] = []
    parent = None
    for level in range(6):
        parent = make_category(f"L{level}", parent)
        nodes.append(parent)
    return nodes
