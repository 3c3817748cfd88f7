"""django-filter filter sets of the catalog API."""

from __future__ import annotations

from typing import cast

import django_filters as filters
from django.conf import settings
from django.db.models import QuerySet
from django.http import QueryDict
from django_filters.utils import translate_validation

from catalog.listing import PRODUCT_ORDERINGS, ProductFilters
from catalog.models import Category, Product
from catalog.querysets import ProductQuerySet
from catalog.selectors import category_for_listing, category_for_listing_get
from ecommerce.filters import ChoiceFilter, OrderingFilter
from ecommerce.ids import IdModelChoiceFilter
from ecommerce.search import search_validate


class StableOrderingFilter(OrderingFilter):
    """The chosen order, then id in the same direction, so pages never overlap and one index serves
    both (`-price, -id` is the price index read backwards; `-price, id` would be a sort). Invalid
    values are a 400 listing the allowed ones."""

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        if not value:
            return qs
        terms = [self.get_ordering_value(param) for param in value]
        return qs.order_by(*terms, "-id" if terms[-1].startswith("-") else "id")


class ProductFilter(filters.FilterSet):
    category = IdModelChoiceFilter(
        queryset=category_for_listing(),
        lookup=category_for_listing_get,
        method="filter_category",
        help_text="A category id: products of that category and all its descendants.",
    )
    min_price = filters.NumberFilter(field_name="price", lookup_expr="gte", help_text="Price at least this.")
    max_price = filters.NumberFilter(field_name="price", lookup_expr="lte", help_text="Price at most this.")
    in_stock = ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_in_stock",
        help_text="true: only products with stock > 0; false: only those without.",
    )
    search = filters.CharFilter(
        method="filter_search",
        validators=[search_validate],
        help_text=(
            "Words (letters and digits; anything else separates them). A product matches when every word "
            'begins a word of its name or description (`kett` finds "Steel Kettle", `tle` finds nothing), '
            "or when its SKU begins with the whole search (`bench-00012` finds SKUs BENCH-00012…; `00012` "
            "does not). Case-insensitive; accent-insensitive on "
            f"MySQL/MariaDB. At most {settings.SEARCH_MAX_CHARS} characters and {settings.SEARCH_MAX_TERMS} "
            "words, else 400."
        ),
    )
    ordering = StableOrderingFilter(
        fields=PRODUCT_ORDERINGS,
        help_text="One of price, -price, name, -name, created_at, -created_at (anything else is a 400 listing them).",
    )

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_category(self, queryset: ProductQuerySet, name: str, value: Category) -> QuerySet[Product]:
        return queryset.in_subtree(value)

    def filter_in_stock(self, queryset: ProductQuerySet, name: str, value: str) -> QuerySet[Product]:
        return queryset.in_stock() if value == "true" else queryset.filter(stock=0)

    def filter_search(self, queryset: ProductQuerySet, name: str, value: str) -> QuerySet[Product]:
        value = value.strip()
        return queryset.search(value) if value else queryset

    @classmethod
    def validated(cls, data: QueryDict) -> ProductFilters:
        """The validated parameters of a request, for `catalog.listing` (a 400 when any is invalid).

        Through the filter set's form alone, its class made once per filter set class: django-filter
        copies every filter and makes a form class per request (half of a filtered page's Python), and
        the list reads the cleaned values, not the filter set's queryset.
        """
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = cls(queryset=Product.objects.none()).get_form_class()
            setattr(cls, "_form_class", form_class)  # noqa: B010 (per class: not inherited by a subclass's lookup)
        form = form_class(data)
        if not form.is_valid():
            raise cast(Exception, translate_validation(cast(dict[str, list[str]], form.errors)))
        return cls.from_cleaned(form.cleaned_data)

    @classmethod
    def from_cleaned(cls, data: dict, *, is_active: bool | None = True) -> ProductFilters:
        in_stock = data.get("in_stock")
        ordering = data.get("ordering") or []
        return ProductFilters(
            category=data.get("category"),
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            in_stock=None if not in_stock else in_stock == "true",
            search=(data.get("search") or "").strip(),
            ordering=ordering[0] if ordering else "",
            is_active=is_active,
        )


class StaffProductFilter(ProductFilter):
    """Staff may also list inactive products with `?is_active=false` (or both, `?is_active=all`)."""

    is_active = ChoiceFilter(
        choices=[("true", "true"), ("false", "false"), ("all", "all")],
        method="filter_is_active",
        help_text="Staff only: true (default), false, or all.",
    )

    def filter_queryset(self, queryset: QuerySet[Product]) -> QuerySet[Product]:
        if not self.form.cleaned_data.get("is_active"):
            queryset = cast(ProductQuerySet, queryset).active()
        return super().filter_queryset(queryset)

    @classmethod
    def from_cleaned(cls, data: dict, *, is_active: bool | None = True) -> ProductFilters:
        value = data.get("is_active")
        return super().from_cleaned(data, is_active=None if value == "all" else value != "false")

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
