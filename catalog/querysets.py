"""Chainable reads of the catalog: `Product.objects.active().in_subtree(category)`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import FloatField, Q
from django.db.models.expressions import RawSQL

if TYPE_CHECKING:
    from catalog.models import Category

# The words of a search (letters, digits, underscore), and how many of them count.
SEARCH_WORD = re.compile(r"\w+")
MAX_SEARCH_WORDS = 10
# MySQL/MariaDB index words of at least innodb_ft_min_token_size characters (3 by default); shorter
# search words are matched by a regular expression on the rows the longer ones found.
FULLTEXT_MIN_WORD = 3
# The words of these are searched (the full-text index product_search_ft on MySQL/MariaDB); the SKU is
# matched by prefix through its unique index instead (a SKU's words, such as a brand code every SKU
# shares, would make a full-text lookup read every product).
FULLTEXT_COLUMNS = ("name", "description")
WORD_COLUMNS = FULLTEXT_COLUMNS
# A SKU is at most this long: a longer search cannot begin one.
SKU_MAX_CHARS = 64


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


def _word_q(word: str) -> Q:
    """`word` begins a word of the name or the description (a regular expression, row by row)."""
    pattern = rf"\b{word}"
    condition = Q()
    for column in WORD_COLUMNS:
        condition |= Q(**{f"{column}__iregex": pattern})
    return condition


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
        """Products in which every word of `text` begins a word of the name or the description, or
        whose SKU begins with `text` (the whole search, spaces trimmed).

        Case-insensitive. On MySQL/MariaDB the words go through the full-text index (boolean mode,
        `+word*` per word of 3 or more characters) and are accent-insensitive (the columns'
        utf8mb4_unicode_ci collation); shorter words are checked with a regular expression on those
        rows; the SKU prefix is a range of the SKU's unique index (`sku LIKE 'text%'`), probed first:
        when some SKU begins with the text, the two sets of ids are one `UNION` (an `OR` would keep
        MySQL from using either index), else the full-text match alone. Elsewhere (SQLite), or with
        `full_text=False`, every word through the regular expression, `OR` the SKU prefix (the same
        matches: catalog.listing uses it to check the rows an ordering's index walks past, where a
        common word's full-text lookup would read every one of its matches). No words at all (only
        punctuation): nothing.
        """
        words = search_words(text)
        if not words:
            return self.none()
        prefix = text.strip()
        sku = Q(sku__istartswith=prefix) if len(prefix) <= SKU_MAX_CHARS else Q(pk__in=[])
        long_words = [word for word in words if len(word) >= FULLTEXT_MIN_WORD]
        if not (full_text and long_words and self.db_vendor() == "mysql"):
            condition = Q()
            for word in words:
                condition &= _word_q(word)
            return self.filter(condition | sku)
        from catalog.models import Product

        query = " ".join(f"+{word}*" for word in long_words)
        short = [_word_q(word) for word in words if len(word) < FULLTEXT_MIN_WORD]
        skus = Product.objects.using(self.db).filter(sku).order_by()
        if not skus.exists():
            # The usual case for words (one probe of the SKU index): the full-text index alone.
            return self.alias(search_relevance=FullTextMatch(query)).filter(*short, search_relevance__gt=0)
        matches = (
            Product.objects.using(self.db)
            .alias(search_relevance=FullTextMatch(query))
            .filter(*short, search_relevance__gt=0)
        )
        branches = (matches.order_by().values("id"), skus.values("id"))
        compiled = [branch.query.sql_with_params() for branch in branches]
        # A derived table around the UNION: MariaDB materialises it once and joins the products to it by
        # primary key (a bare `IN (… UNION …)` would be re-run for every product).
        sql = "SELECT u.id FROM ({} UNION {}) u".format(*(sql for sql, _ in compiled))  # noqa: S608
        params = tuple(param for _, query_params in compiled for param in query_params)
        return self.filter(pk__in=RawSQL(sql, params))  # noqa: S611 - Django's own compiled SQL and parameters

    def db_vendor(self) -> str:
        from django.db import connections

        return connections[self.db].vendor
