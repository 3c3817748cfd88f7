"""Fixtures of the hardening tests: a small shop with one of everything, and real JWTs."""

from decimal import Decimal

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from catalog.models import Category
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory, UserFactory


def bearer(user) -> dict[str, str]:
    """An `Authorization` header with an access token minted for `user`, as a login would give."""
    return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}


@pytest.fixture
def shop(db):
    """Objects for every `{id}` in the API: a category tree, products, customers, staff, an order."""
    root = Category.objects.create(name="Electronics", slug="electronics")
    phones = Category.objects.create(name="Phones", slug="phones", parent=root)
    product = ProductFactory(category=phones, price=Decimal("1499.00"), stock=50)
    ProductFactory(category=phones, price=Decimal("10.50"), stock=0)
    ProductFactory(category=root, is_active=False)
    customer = CustomerFactory()
    other = CustomerFactory()
    staff = UserFactory(is_staff=True)
    order = OrderFactory(customer=customer, total=Decimal("1499.00"))
    OrderLineFactory(order=order, product=product)
    return {
        "category": phones,
        "root": root,
        "product": product,
        "customer": customer,
        "other_customer": other,
        "staff": staff,
        "order": order,
    }


def existing_id(shop: dict, path: str, role: str) -> int | None:
    """The id of an object the caller may see, for a path's `{id}` (None when the path has no object)."""
    segments = path.strip("/").split("/")
    resource = segments[2] if len(segments) > 2 else ""
    return {
        "categories": shop["category"].pk,
        "products": shop["product"].pk,
        "orders": shop["order"].pk,
        "customers": shop["customer"].pk,
    }.get(resource)
