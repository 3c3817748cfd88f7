"""Chainable reads of the catalog: `Product.objects.active().in_subtree(category)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from catalog.models import Category


class ProductQuerySet(models.QuerySet):
    def active(self) -> ProductQuerySet:
        return self.filter(is_active=True)

    def in_stock(self) -> ProductQuerySet:
        return self.filter(stock__gt=0)

    def in_subtree(self, category: Category) -> ProductQuerySet:
        """Products of `category` and all its descendants: one (tree_id, lft) range of categories."""
        return self.filter(
            category__tree_id=category.tree_id,
            category__lft__gte=category.lft,
            category__lft__lte=category.rght,
        )

    def search(self, text: str) -> ProductQuerySet:
        return self.filter(Q(name__icontains=text) | Q(sku__icontains=text) | Q(description__icontains=text))
