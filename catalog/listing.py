"""The product list of the API (SPEC §4.4, §5 "Scale"): filters, orderings, counts and the plan of a page.

`ProductListing` is what `GET /products` and `GET /categories/{id}/products` paginate: Django's
paginator asks it for `count()` and for a slice, and gets plain dicts (no model instances).

On MySQL/MariaDB a page is read in two steps inside one statement (a "deferred join"): the ids of
the page from an index alone, then only those rows. Which index finds the ids is chosen here, from
the count the paginator already knows (no extra query), because the optimizer gets it wrong both
ways on a million products (a whole big subtree sorted in a temporary table: 20-70 s; or a huge index
walked for a small subtree):

- "ordered": walk the ordering's own index (`product_active_<ordering>_idx`) in order, backwards for
  a descending ordering, checking the category and the price from the index itself. Cost: about
  (offset + page) x active / count index entries, so it wins when many products match.
- "subtree" / "search" / "stock" / "price": find every matching row through the filter's own index
  (the subtree's categories, the full-text index, the products without stock, the price range)
  and sort them. Cost: about `count` rows, so it wins when few match.

The ordered plan is taken when it reads fewer entries, `(offset + page) x active / count ≤ 2 x count`
(the other plan also sorts what it reads), each side weighted by ROW_READ_COST (50) when its index
lacks a column the page needs (a subtree sorted by name reads every row of the subtree for its name:
7 s for 190,000 products, where the name index walked to page 2,000 costs 70 ms).
A page past the middle of the list is read from the end in the reverse order (the count is known),
so the last page costs what the first one does.

SQLite (development and the test suite) runs the straightforward query: the same filters, the
same ordering, OFFSET/LIMIT. The tests compare both backends' answers with that query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet

from catalog.cache import catalog_cached
from catalog.models import Category, Product
from catalog.summary import summary_or_none
from ecommerce.api import cached_count, count_cached, statement_count_key
from ecommerce.db.statements import StandIns, Statement, template

# The columns of a product as the API shows it, in the order the page query selects them.
PRODUCT_COLUMNS = (
    "id", "name", "sku", "description", "price", "stock", "category_id", "is_active", "created_at", "updated_at",
)  # fmt: skip
# ?ordering= value -> (the model field, the index that serves it on MySQL/MariaDB). No ordering: id.
ORDERING_INDEXES = {
    "id": "product_active_id_idx",
    "price": "product_active_price_idx",
    "name": "product_active_name_idx",
    "created_at": "product_active_created_idx",
}
PRODUCT_ORDERINGS = ("price", "name", "created_at")
# The columns each plan's index holds (its key and the primary key): what it can check or sort without rows.
PLAN_COLUMNS = {
    "ordered": {"id", "is_active", "category", "price"},  # and the ordering's own field
    "subtree": {"id", "is_active", "category", "price"},  # product_cat_active_price_idx
    "stock": {"id", "is_active", "stock"},  # product_active_stock_idx
    "price": {"id", "is_active", "price", "category"},  # product_active_price_idx
}
# A selective plan also sorts what it read: per entry about twice the ordered walk's cost (measured: 190,000
# entries read and sorted 70-130 ms, 200,000 walked in order 50-70 ms).
SORT_COST = 2
# What reading a product's row costs against reading one index entry (see ProductListing._entry_cost).
ROW_READ_COST = 50
# Up to this many matching rows, the filter's own index finds them all and they are sorted: a
# few milliseconds whatever the catalog's size, and no second count is needed to decide.
FEW = 2_000


@dataclass(frozen=True, slots=True)
class ProductFilters:
    """Validated `GET /products` parameters (see catalog.api.filters)."""

    category: Category | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None
    search: str = ""
    ordering: str = ""  # "", "price", "-price", ...
    is_active: bool | None = True  # None: active and inactive (staff only)
    nothing: bool = False  # two subtree conditions that do not overlap


class ProductListing:
    """A filtered, ordered product list that Django's paginator can count and slice."""

    def __init__(self, filters: ProductFilters, *, plan: tuple[str, str | None] | None = None):
        """`plan` forces one (name, index) instead of choosing (the tests run every plan)."""
        self.filters = filters
        self.forced_plan = plan
        field = filters.ordering.lstrip("-") or "id"
        self.field = field
        self.descending = filters.ordering.startswith("-")
        self._count: int | None = None
        self._querysets: dict[bool, QuerySet[Product]] = {}
        self._everything: bool | None = None

    # --- what the paginator uses -----------------------------------------------------------------

    def queryset(self, *, full_text: bool = True) -> QuerySet[Product]:
        """Every filter, no ordering: what is counted, and (ordered) the straightforward page query.

        `full_text=False`: a search by regular expression, row by row (see ProductQuerySet.search).
        Built once per listing (a search probes the SKU index as it is built).
        """
        if full_text not in self._querysets:
            self._querysets[full_text] = self._queryset(full_text=full_text)
        return self._querysets[full_text]

    def _queryset(self, *, full_text: bool) -> QuerySet[Product]:
        f = self.filters
        products = Product.objects.all()
        if f.nothing:
            return products.none()
        if f.is_active is not None:
            products = products.filter(is_active=f.is_active)
        if f.category is not None:
            products = products.in_subtree(f.category)
        if f.min_price is not None:
            products = products.filter(price__gte=f.min_price)
        if f.max_price is not None:
            products = products.filter(price__lte=f.max_price)
        if f.in_stock is True:
            products = products.in_stock()
        elif f.in_stock is False:
            products = products.filter(stock=0)
        if f.search:
            products = products.search(f.search, full_text=full_text)
        return products.order_by()

    def order_by(self, *, reverse: bool = False) -> list[str]:
        descending = self.descending != reverse
        sign = "-" if descending else ""
        if self.field == "id":
            return [f"{sign}id"]
        return [f"{sign}{self.field}", f"{sign}id"]

    def count(self) -> int:
        """The number of matching products: from the catalog summary (catalog.summary) when the
        filters are a category (or none) and `in_stock`, else counted (`cached_count`)."""
        if self._count is None:
            summarised = self._count_from_summary()
            self._count = self._counted() if summarised is None else summarised
        return self._count

    def _counted(self) -> int:
        """The filters' count (cached when large, `ecommerce.api.count_cached`), by a statement built once
        per shape (`_statement`) when the filters allow, else by the ORM."""
        using = router.db_for_read(Product)
        statement = self._statement("count", using)
        if statement is None:
            return cached_count(self.queryset())
        params = statement.bind(self._values())

        def count() -> int:
            with connections[using].cursor() as cursor:
                cursor.execute(statement.sql, params)
                return cursor.fetchone()[0]

        return count_cached(statement_count_key(using, statement.sql, params), count)

    # --- statements built once per shape (ecommerce.db.statements) -------------------------------

    def _shape(self, kind: str) -> tuple | None:
        """What a statement of these filters depends on besides their values (a count not on the ordering);
        None when it is built each time (a search probes the SKU index as it is built; no match at all is no
        statement)."""
        f = self.filters
        if f.search or f.nothing:
            return None
        everything = f.category is not None and self._category_is_everything()
        filters = (
            f.is_active, f.category is not None, everything, f.min_price is not None, f.max_price is not None,
            f.in_stock,
        )  # fmt: skip
        return filters if kind == "count" else (*filters, self.field, self.descending)

    def _values(self, *extra: Any, category: bool = True) -> list[Any]:
        """The filters' values in the order `_stand_in_filters` takes their stand-ins (`category`: False
        for a statement without the subtree condition)."""
        f = self.filters
        values: list[Any] = []
        if f.category is not None and category:
            values += [f.category.tree_id, f.category.lft, f.category.rght]
        values += [value for value in (f.min_price, f.max_price) if value is not None]
        return [*values, *extra]

    def _stand_in_filters(self, stand_ins: StandIns, *, category_values: bool = True) -> ProductFilters:
        f = self.filters
        category = f.category
        if category is not None and category_values:
            tree_id, lft, rght = stand_ins.integer(), stand_ins.integer(), stand_ins.integer()
            # Whether it holds every category is not asked of the stand-in (`_statement` passes it on).
            category = Category(
                pk=category.pk, parent_id=category.parent_id, tree_id=tree_id, lft=lft, rght=rght, level=category.level
            )
        min_price = stand_ins.decimal() if f.min_price is not None else None
        max_price = stand_ins.decimal() if f.max_price is not None else None
        return replace(f, category=category, min_price=min_price, max_price=max_price)

    def _statement(self, kind: str, using: str, *plan: Any) -> Statement | None:
        shape = self._shape(kind)
        if shape is None:
            return None

        def build(stand_ins: StandIns):
            filters = self._stand_in_filters(stand_ins, category_values=self._has_subtree_condition(kind, *plan))
            listing = ProductListing(filters, plan=self.forced_plan)
            listing._everything = self._category_is_everything()
            if kind == "count":
                return listing.queryset().count
            name, _, reverse = plan
            offset, limit = stand_ins.slice()
            ids = listing._page_ids(name, reverse, offset, offset + limit)
            return lambda: list(ids)

        return template(("product-list", kind, *shape, *plan), using, build)

    def _has_subtree_condition(self, kind: str, name: str = "", *plan: Any) -> bool:
        """Whether the statement has the category's subtree condition: not an ordered page of a root holding
        every category (`_page_ids`)."""
        return self.filters.category is not None and not (
            kind == "page" and name == "ordered" and self._category_is_everything()
        )

    def _count_from_summary(self) -> int | None:
        """A count without scanning the subtree: the summary's active products of the category (or of
        the whole catalog), minus for `in_stock=true` those without stock (the `(is_active, stock)`
        index: few rows). None when the filters need a real count or the summary is not available."""
        f = self.filters
        if f.nothing or f.is_active is not True or f.search or f.in_stock is False:
            return None
        if f.min_price is not None or f.max_price is not None:
            return None
        summary = summary_or_none()
        if summary is None:
            return None
        if f.category is None:
            total = summary.active_products
        else:
            figures = summary.subtrees.get(f.category.pk)
            if figures is None:
                return None
            total = figures.count
        if f.in_stock is True:
            total -= ProductListing(replace(f, in_stock=False))._counted()
        return total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("ProductListing supports slices only")
        start, stop = index.start or 0, index.stop
        if stop is None or stop <= start:
            return []
        count = self.count()
        if start >= count:
            return []
        stop = min(stop, count)
        if connections[router.db_for_read(Product)].vendor == "mysql":
            return self._page_planned(start, stop, count)
        return list(self.queryset().order_by(*self.order_by()).values(*PRODUCT_COLUMNS)[start:stop])

    # --- MySQL/MariaDB: the planned page ---------------------------------------------------------

    def plan(self, start: int, stop: int, count: int) -> tuple[str, str | None, bool]:
        """(plan name, index to force or None, read from the end): see the module's docstring."""
        f = self.filters
        reverse = start > count - stop
        if self.forced_plan is not None:
            return (*self.forced_plan, reverse)
        offset = count - stop if reverse else start
        ordered = ("ordered", ORDERING_INDEXES[self.field])
        if f.is_active is not True:
            # Staff lists of inactive products: the optimizer's own plan (few rows, or a staff-only cost).
            return ("default", None, reverse)
        selective = self._selective_plan(count)
        if selective is None:
            return (*ordered, reverse)
        if count <= FEW:
            return (*selective, reverse)
        active = self._active_products()
        # Entries each plan reads, weighted by whether its index holds every column it needs.
        walked = (offset + (stop - start)) * max(active, 1) / max(count, 1)
        if walked * self._entry_cost("ordered") <= count * SORT_COST * self._entry_cost(selective[0]):
            return (*ordered, reverse)
        return (*selective, reverse)

    def _entry_cost(self, plan: str) -> int:
        """1 when the plan's index holds every column the page needs (the ordering, the filters'), else
        ROW_READ_COST: each entry then costs a read of its row (measured on a million products, 128 MB
        buffer pool: 0.3-0.5 µs an index entry, ~40 µs a row)."""
        f = self.filters
        if f.search:
            return ROW_READ_COST  # the words are checked on the rows (both plans)
        needed = {self.field}
        if f.category is not None:
            needed.add("category")
        if f.min_price is not None or f.max_price is not None:
            needed.add("price")
        if f.in_stock is not None:
            needed.add("stock")
        covered = PLAN_COLUMNS["ordered"] | {self.field} if plan == "ordered" else PLAN_COLUMNS[plan]
        return 1 if needed <= covered else ROW_READ_COST

    def _active_products(self) -> int:
        summary = summary_or_none()
        if summary is not None:
            return summary.active_products
        return cached_count(Product.objects.active().order_by())

    def _selective_plan(self, count: int) -> tuple[str, str | None] | None:
        """The plan through the most selective filter's own index, if any filter has one."""
        f = self.filters
        if f.search:
            return ("search", None)  # the full-text index (the optimizer always takes it)
        if f.category is not None and not self._category_is_everything():
            return ("subtree", "product_cat_active_price_idx")
        if f.in_stock is False:
            return ("stock", "product_active_stock_idx")
        if f.min_price is not None or f.max_price is not None:
            return ("price", "product_active_price_idx")
        return None

    def _category_is_everything(self) -> bool:
        """The category is the only root: its subtree is every product, so there is nothing to filter."""
        if self._everything is None:
            self._everything = self._everything_in_category()
        return self._everything

    def _everything_in_category(self) -> bool:
        category = self.filters.category
        if category is None or category.parent_id is not None:
            return False
        total = getattr(category, "category_total", None)  # read with the category (selectors.category_for_listing)
        if total is None:
            total = category_count()
        return total == (category.rght - category.lft + 1) // 2

    def page_sql(self, start: int, stop: int, count: int) -> tuple[str, list[Any], str]:
        """The page's one statement (MySQL/MariaDB), its parameters, and the plan's name."""
        name, index, reverse = self.plan(start, stop, count)
        offset = count - stop if reverse else start
        using = router.db_for_read(Product)  # a replica for public reads (ecommerce.replicas)
        statement = self._statement("page", using, name, index, reverse)
        if statement is not None:
            values = self._values(offset, stop - start, category=self._has_subtree_condition("page", name))
            inner_sql, inner_params = statement.sql, statement.bind(values)
        else:
            ids = self._page_ids(name, reverse, offset, offset + stop - start)
            inner_sql, compiled_params = ids.query.sql_with_params()
            inner_params = list(compiled_params)
        connection = connections[using]
        table = connection.ops.quote_name(Product._meta.db_table)
        if index:
            # Django has no index hints; the table appears once in this FROM clause (subqueries alias it U0).
            inner_sql = inner_sql.replace(f"FROM {table}", f"FROM {table} FORCE INDEX ({index})", 1)
        if name == "ordered":
            # Products first, the subtree's categories as a lookup: without STRAIGHT_JOIN the optimizer
            # flattens the semi-join and reads the categories first, then sorts (MySQL and MariaDB alike).
            inner_sql = inner_sql.replace("SELECT ", "SELECT STRAIGHT_JOIN ", 1)
        columns = ", ".join(f"p.{connection.ops.quote_name(column)}" for column in PRODUCT_COLUMNS)
        order = ", ".join(
            f"p.{connection.ops.quote_name(term.lstrip('-'))}{' DESC' if term.startswith('-') else ''}"
            for term in self.order_by()
        )
        sql = f"SELECT {columns} FROM {table} p INNER JOIN ({inner_sql}) page ON page.id = p.id ORDER BY {order}"  # noqa: S608
        return sql, list(inner_params), name

    def _page_ids(self, name: str, reverse: bool, low: int, high: int) -> QuerySet:
        """The ids of the page, in order, as the plan `name` reads them (before its index hint)."""
        # The ordered plan checks a search word by word on the rows it walks past (MATCH would need
        # the full-text index, which the index hint excludes, and would read every match first).
        products = self.queryset(full_text=name != "ordered")
        if name == "ordered" and self.filters.category is not None and self._category_is_everything():
            products = _without_subtree(self.filters, full_text=False)
        return products.order_by(*self.order_by(reverse=reverse)).values_list("id")[low:high]

    def _page_planned(self, start: int, stop: int, count: int) -> list[dict[str, Any]]:
        sql, inner_params, _ = self.page_sql(start, stop, count)
        with connections[router.db_for_read(Product)].cursor() as cursor:
            cursor.execute(sql, inner_params)
            rows = cursor.fetchall()
        return [mysql_product_row(row) for row in rows]


def mysql_product_row(row: Sequence[Any]) -> dict[str, Any]:
    """A row of `PRODUCT_COLUMNS` as MySQL/MariaDB's driver returns it, as `values()` would give it."""
    return {
        column: _CONVERTERS[column](value) if column in _CONVERTERS else value
        for column, value in zip(PRODUCT_COLUMNS, row, strict=True)
    }


def _aware(value):
    from django.conf import settings
    from django.utils import timezone

    if value is not None and settings.USE_TZ and timezone.is_naive(value):
        return timezone.make_aware(value, timezone.UTC)
    return value


_CONVERTERS = {
    "price": lambda value: Product._meta.get_field("price").to_python(value),
    "is_active": bool,
    "created_at": _aware,
    "updated_at": _aware,
}


def _without_subtree(filters: ProductFilters, *, full_text: bool) -> QuerySet[Product]:
    return ProductListing(replace(filters, category=None)).queryset(full_text=full_text)


def category_count() -> int:
    """The number of categories, cached per catalog generation (catalog.cache): usually no query."""
    return catalog_cached("category-count", Category.objects.count)
