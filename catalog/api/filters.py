"""django-filter filter sets of the catalog API."""

from __future__ import annotations

import django_filters as filters
from django.db.models import QuerySet

from catalog.models import Category, Product
from ecommerce.ids import IdModelChoiceFilter
from ecommerce.search import search_validate

PRODUCT_ORDERINGS = ("price", "name", "created_at")


class StableOrderingFilter(filters.OrderingFilter):
    """The chosen order, then id, so pages never overlap; invalid values are a 400."""

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        if not value:
            return qs
        return qs.order_by(*[self.get_ordering_value(param) for param in value], "id")


class ProductFilter(filters.FilterSet):
    category = IdModelChoiceFilter(
        queryset=Category.objects.all(),
        method="filter_category",
        help_text="A category id: products of that category and all its descendants.",
    )
    min_price = filters.NumberFilter(field_name="price", lookup_expr="gte", help_text="Price at least this.")
    max_price = filters.NumberFilter(field_name="price", lookup_expr="lte", help_text="Price at most this.")
    in_stock = filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_in_stock",
        help_text="true: only products with stock > 0; false: only those without.",
    )
    search = filters.CharFilter(
        method="filter_search", validators=[search_validate], help_text="Text in the name, SKU or description."
    )
    ordering = StableOrderingFilter(
        fields=PRODUCT_ORDERINGS,
        help_text="One of price, -price, name, -name, created_at, -created_at (anything else is a 400).",
    )

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_category(self, queryset: QuerySet[Product], name: str, value: Category) -> QuerySet[Product]:
        return queryset.in_subtree(value)

    def filter_in_stock(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        return queryset.in_stock() if value == "true" else queryset.filter(stock=0)

    def filter_search(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        value = value.strip()
        return queryset.search(value) if value else queryset


class StaffProductFilter(ProductFilter):
    """Staff may also list inactive products with `?is_active=false` (or both, `?is_active=all`)."""

    is_active = filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false"), ("all", "all")],
        method="filter_is_active",
        help_text="Staff only: true (default), false, or all.",
    )

    def filter_queryset(self, queryset: QuerySet[Product]) -> QuerySet[Product]:
        if not self.form.cleaned_data.get("is_active"):
            queryset = queryset.active()
        return super().filter_queryset(queryset)

    def filter_is_active(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        if value == "all":
            return queryset
        return queryset.filter(is_active=value == "true")


class CategoryFilter(filters.FilterSet):
    parent = IdModelChoiceFilter(
        queryset=Category.objects.all(),
        null_label="root",
        null_value="null",
        help_text="A category id: its children; `null`: the root categories.",
    )

    class Meta:
        model = Category
        fields: list[str] = []
