"""ecommerce.api.PrimaryKeyRelatedField: ids must be whole numbers (1.5 must not find object 1)."""

import pytest
from rest_framework import serializers

from catalog.models import Category
from ecommerce.api import PrimaryKeyRelatedField
from tests.factories import CategoryFactory


class _ParentSerializer(serializers.Serializer):
    parent = PrimaryKeyRelatedField(queryset=Category.objects.all())


@pytest.mark.django_db
@pytest.mark.parametrize("value", [1.5, 1.0, True, "1.5", "1e0", " ", [1], {"id": 1}])
def test_an_id_that_is_not_a_whole_number_is_invalid(value):
    CategoryFactory(pk=1)

    serializer = _ParentSerializer(data={"parent": value})

    assert not serializer.is_valid()
    assert "parent" in serializer.errors


@pytest.mark.django_db
@pytest.mark.parametrize("value", [1, "1", " 1 "])
def test_whole_numbers_and_digit_strings_find_the_object(value):
    category = CategoryFactory(pk=1)

    serializer = _ParentSerializer(data={"parent": value})

    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["parent"] == category
