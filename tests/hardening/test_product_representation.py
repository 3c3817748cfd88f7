"""ProductSerializer builds its output directly (for speed); it must equal DRF's field-by-field output."""

from decimal import Decimal

import pytest
from rest_framework import serializers

from catalog.api.serializers import ProductSerializer
from tests.factories import ProductFactory


@pytest.mark.django_db
@pytest.mark.parametrize("price", [Decimal("0.00"), Decimal("1499.00"), Decimal("0.5"), Decimal("9999999999.99")])
def test_the_direct_representation_equals_drfs(price):
    product = ProductFactory(price=price, is_active=False, description="Ünïcode ✓")
    product.refresh_from_db()

    fast = ProductSerializer(product).data
    generic = super(ProductSerializer, ProductSerializer(product)).to_representation(product)

    assert fast == generic
    assert list(fast) == [name for name, field in ProductSerializer().fields.items() if not field.write_only]
    assert isinstance(ProductSerializer().fields["price"], serializers.DecimalField)
