"""Chainable reads of the catalog: `Product.objects.active().in_subtree(category)`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import FloatField, Q

if TYPE_CHECKING:
    from catalog.models import Category

# The words of a search (letters, digits, underscore), and how many of them count.
SEARCH_WORD = re.compile(r"\w+")
MAX_SEARCH_WORDS = 10
# MySQL/MariaDB index words of at least innodb_ft_min_token_size characters (3 by default); shorter
# search words are matched by a regular expression on the rows the longer ones found.
FULLTEXT_MIN_WORD = 3
FULLTEXT_COLUMNS = ("name", "sku", "description")


def search_words(text: str) -> list[str]:
    """The words of a search, lower-cased, each once, in order (at most MAX_SEARCH_WORDS)."""
    return list(dict.fromkeys(SEARCH_WORD.findall(text.lower())))[:MAX_SEARCH_WORDS]


def subtree_q(category: Category, prefix: str = "category") -> Q:
    """The categories of `category`'s subtree (itself included): one (tree_id, lft) range.

    `prefix` is the path to the Category from the queried model ("category" from Product, "" for
    Category itself). The one definition of a subtree, for the API, the admin and the selectors.
    """
    lookup = f"{prefix}__" if prefix else ""
    return Q(
        **{f"{lookup}tree_id": category.tree_id, f"{lookup}lft__gte": category.lft, f"{lookup}lft__lte": category.rght}
    )


class FullTextMatch(models.Func):
    """`MATCH (name, sku, description) AGAINST (%s IN BOOLEAN MODE)`, the relevance: served by
    `product_search_ft` when compared with `> 0` (Django would compare a boolean with `= True`,
    which is "relevance exactly 1")."""

    output_field = FloatField()
    template = "MATCH (%(expressions)s) AGAINST (%%s IN BOOLEAN MODE)"

    def __init__(self, query: str):
        super().__init__(*(models.F(column) for column in FULLTEXT_COLUMNS))
        self.query = query

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return sql, (*params, self.query)


class ProductQuerySet(models.QuerySet):
    def locked(self, pks: Iterable[int]) -> ProductQuerySet:
        """These products, locked for the rest of the transaction (`SELECT ... FOR UPDATE`) in ascending pk.

        One lock order for every writer of stock (catalog.stock), so two transactions never wait for each
        other in a cycle. The locks are taken when the queryset is evaluated; pick the columns with `only()`
        or `values_list()`.
        """
        return self.select_for_update().filter(pk__in=sorted(set(pks))).order_by("pk")

    def active(self) -> ProductQuerySet:
        return self.filter(is_active=True)

    def in_stock(self) -> ProductQuerySet:
        return self.filter(stock__gt=0)

    def in_subtree(self, category: Category) -> ProductQuerySet:
        """Products of `category` and all its descendants.

        A semi-join (`category_id IN (SELECT id FROM categories of the range)`) rather than a join,
        so that the category check can be made from any index holding `category_id` (catalog.listing
        walks the ordering's index and checks each entry's category).
        """
        from catalog.models import Category

        return self.filter(category__in=Category.objects.filter(subtree_q(category, "")).values("id"))

    def search(self, text: str, *, full_text: bool = True) -> ProductQuerySet:
        """Products in which every word of `text` begins a word of the name, the SKU or the description.

        Case-insensitive. On MySQL/MariaDB through the full-text index (boolean mode, `+word*` per
        word of 3 or more characters) and accent-insensitive (the columns' utf8mb4_unicode_ci
        collation); shorter words are checked with a regular expression on those rows. Elsewhere
        (SQLite), or with `full_text=False`, every word through the regular expression (the same
        matches: catalog.listing uses it to check the rows an ordering's index walks past, where a
        common word's full-text lookup would read every one of its matches). No words at all (only
        punctuation): nothing.
        """
        words = search_words(text)
        if not words:
            return self.none()
        products: Any = self
        if full_text and self.db_vendor() == "mysql":
            long_words = [word for word in words if len(word) >= FULLTEXT_MIN_WORD]
            if long_words:
                query = " ".join(f"+{word}*" for word in long_words)
                products = products.alias(search_relevance=FullTextMatch(query)).filter(search_relevance__gt=0)
            words = [word for word in words if len(word) < FULLTEXT_MIN_WORD]
        for word in words:
            pattern = rf"\b{word}"
            products = products.filter(
                Q(name__iregex=pattern) | Q(sku__iregex=pattern) | Q(description__iregex=pattern)
            )
        return products

    def db_vendor(self) -> str:
        from django.db import connections

        return connections[self.db].vendor
