"""Read use-cases of the catalog, shared by the API, the admin and the management commands.

Price analytics: `category_price_stats` (one category, one SQL aggregate), `category_price_stats_cached`
(from the catalog summary, catalog.summary) and `category_price_analytics` (every category, a fixed
number of queries; the summary's own query and roll-up).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.db import connections, router
from django.db.models import Case, Count, IntegerField, Max, Min, QuerySet, Subquery, Value, When

from catalog.cache import catalog_cached
from catalog.listing import PRODUCT_COLUMNS, ProductFilters, ProductListing, mysql_product_row
from catalog.models import Category, Product
from catalog.querysets import subtree_q
from catalog.summary import price_cents, roll_up, subtree_figures, subtree_totals
from ecommerce.db.rows import converted, fields_of, instance_from_values
from ecommerce.db.statements import StandIns, template
from ecommerce.money import money_average

PATH_SEPARATOR = " > "


# --- Products -------------------------------------------------------------------


def product_list(*, include_inactive: bool = False) -> QuerySet[Product]:
    """Products as the API lists them (active ones unless `include_inactive`), id order."""
    products = Product.objects.all()
    return products if include_inactive else products.active()


def product_visible_to(*, is_staff: bool) -> QuerySet[Product]:
    """Products a caller may read one by one: staff also see inactive ones."""
    return product_list(include_inactive=is_staff)


def product_detail(*, product_id: int, is_staff: bool) -> dict[str, Any] | None:
    """One product as a `PRODUCT_COLUMNS` dict (None when it does not exist or the caller may not see it).

    On MySQL/MariaDB by a statement the ORM built once per process (ecommerce.db.statements), its row
    converted as the product list's pages are (`catalog.listing.mysql_product_row`)."""
    using = router.db_for_read(Product)

    def orm() -> dict[str, Any] | None:
        return product_visible_to(is_staff=is_staff).filter(pk=product_id).values(*PRODUCT_COLUMNS).first()

    if connections[using].vendor != "mysql":
        return orm()

    def build(stand_ins: StandIns):
        rows = product_visible_to(is_staff=is_staff).filter(pk=stand_ins.integer()).values_list(*PRODUCT_COLUMNS)
        return lambda: list(rows[:1])

    statement = template(("product-detail", is_staff), using, build)
    if statement is None:
        return orm()
    with connections[using].cursor() as cursor:
        cursor.execute(statement.sql, statement.bind([product_id]))
        row = cursor.fetchone()
    return None if row is None else mysql_product_row(row)


def product_listing(*, filters: ProductFilters, within: Category | None = None) -> ProductListing:
    """The product list of the API: `filters` (from the query string), inside `within`'s subtree if given.

    Two subtree conditions (`/categories/{id}/products?category=…`) are one: the deeper of the two
    when one contains the other, else nothing.
    """
    if within is not None:
        other = filters.category
        if other is None or _in_subtree_of(within, other):
            filters = replace(filters, category=within)
        elif not _in_subtree_of(other, within):
            filters = replace(filters, nothing=True)
    return ProductListing(filters)


def _in_subtree_of(node: Category, ancestor: Category) -> bool:
    return node.tree_id == ancestor.tree_id and ancestor.lft <= node.lft <= ancestor.rght


# --- Categories -----------------------------------------------------------------


def category_list() -> QuerySet[Category]:
    """Every category in tree (preorder) order."""
    return Category.objects.order_by("tree_id", "lft")


def category_for_listing() -> QuerySet[Category]:
    """Categories with `category_total`, the number of all categories, read in the same query for a root
    (None for any other category): the product list sees from it that a root holding every category needs
    no subtree condition. Counted for roots only (CASE runs the subquery only when taken): for any other
    category the count of every category was most of its lookup (0.97 against 0.08 ms on 10,000)."""
    total = Category.objects.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("*")).values("n")
    root_total = Case(When(parent__isnull=True, then=Subquery(total)), default=None, output_field=IntegerField())
    return category_list().annotate(category_total=root_total)


def category_for_listing_get(pk: int) -> Category | None:
    """`category_for_listing().filter(pk=pk).first()`: the product list's `?category=`, on every request."""
    return category_get(pk, for_listing=True)


def category_get(pk: int, *, for_listing: bool = False) -> Category | None:
    """The category `pk` of `category_list()` (of `category_for_listing()`, with its `category_total`), or None;
    by a statement the ORM built once per process (ecommerce.db.statements)."""
    using = router.db_for_read(Category)

    def categories() -> QuerySet[Category]:  # built only when the statement is (a quarter of the lookup)
        return category_for_listing() if for_listing else category_list()

    def build(stand_ins: StandIns):
        one = categories().filter(pk=stand_ins.integer())
        return lambda: list(one[:1])

    statement = template(("category", for_listing), using, build)
    if statement is None:
        return categories().filter(pk=pk).first()
    with connections[using].cursor() as cursor:
        cursor.execute(statement.sql, statement.bind([pk]))
        row = cursor.fetchone()
    if row is None:
        return None
    fields = fields_of(Category)  # selected first, in this order; then any annotation
    values = converted(connections[using], fields, row[: len(fields)])
    category = instance_from_values(Category, using, fields, values)
    if for_listing:
        category.category_total = row[len(fields)]
    return category


def category_tree_json() -> list[dict[str, Any]]:
    """The whole forest as the API shows it (`{id, name, slug, parent, level, children}` nested), from
    the catalog cache: one query per catalog generation (catalog.cache), then no query at all."""

    def build() -> list[dict[str, Any]]:
        nodes: dict[int, dict[str, Any]] = {}
        roots: list[dict[str, Any]] = []
        for row in category_list().values("id", "name", "slug", "parent_id", "level"):
            node = {
                "id": row["id"],
                "name": row["name"],
                "slug": row["slug"],
                "parent": row["parent_id"],
                "level": row["level"],
                "children": [],
            }
            nodes[node["id"]] = node
            (roots if node["parent"] is None else nodes[node["parent"]]["children"]).append(node)
        return roots

    return catalog_cached("category-tree", build)


def category_tree_json_bytes() -> bytes:
    """`category_tree_json()` rendered as JSON once per catalog generation: 10,000 nodes cost more to
    render than to read, so the rendered body is what is cached."""
    return catalog_cached(
        "category-tree-json", lambda: json.dumps(category_tree_json(), separators=(",", ":")).encode()
    )


# --- Price analytics ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceStats:
    """Statistics of the active products of a category's whole subtree."""

    category_id: int
    product_count: int
    average_price: Decimal | None
    min_price: Decimal | None
    max_price: Decimal | None


def category_price_stats(category: Category) -> PriceStats:
    """One SQL aggregate over the subtree's (tree_id, lft..rght) range joined to its active products.

    Served by the indexes `category_tree_lft_idx` and `product_cat_active_price_idx`.
    """
    # A join on the subtree's categories (not the list's semi-join): MariaDB then reads the categories'
    # range and each one's prices from the covering index, 0.5 s for a million rather than 1.7 s.
    row = (
        Product.objects.active()
        .filter(subtree_q(category))
        .aggregate(count=Count("id"), cents=price_cents(), min_price=Min("price"), max_price=Max("price"))
    )
    return PriceStats(
        category_id=category.pk,
        product_count=row["count"],
        average_price=money_average(row["cents"] or 0, row["count"]),
        min_price=row["min_price"],
        max_price=row["max_price"],
    )


def category_price_stats_cached(category: Category) -> PriceStats:
    """`category_price_stats`, from the catalog summary (catalog.summary): what the public API serves.

    The summary holds every category's figures, so one computation (about 0.5 s for a million
    products) serves every category until the next catalog write; while another request computes
    it, this one aggregates its own subtree (cached per category). Fresh after every write through
    `catalog.services` (the catalog generation changes when it commits), and never older than
    `CATALOG_CACHE_SECONDS` whatever happens. Stock does not enter the figures, so orders (which
    only move stock) do not invalidate them.
    """
    figures = subtree_figures(category)
    if figures is None:
        return catalog_cached(f"price-stats:{category.pk}", lambda: category_price_stats(category))
    return PriceStats(
        category_id=category.pk,
        product_count=figures.count,
        average_price=money_average(figures.cents, figures.count),
        min_price=figures.min_price,
        max_price=figures.max_price,
    )


@dataclass(frozen=True, slots=True)
class CategoryPriceRow:
    """One line of the price analytics report: a category and the stats of its whole subtree."""

    category_id: int
    name: str
    path: str
    level: int
    product_count: int
    average_price: Decimal | None
    min_price: Decimal | None
    max_price: Decimal | None


def category_price_analytics(*, root: Category | None = None, max_depth: int | None = None) -> list[CategoryPriceRow]:
    """Subtree price stats of every category (of `root`'s subtree if given), in tree order.

    Two queries whatever the number of categories: the categories in preorder, and the active
    products grouped by category; each category's own stats are then rolled up to its ancestors in
    memory. `max_depth` keeps categories whose level is at most that (roots are level 0).
    """
    categories = category_list()
    products = Product.objects.all()
    if root is not None:
        categories = categories.filter(subtree_q(root, ""))
        products = products.filter(subtree_q(root))
    rows = list(categories.values("id", "name", "parent_id", "level"))
    totals = subtree_totals(rows, products)

    paths: dict[int, str] = {}
    report: list[CategoryPriceRow] = []
    root_prefix = _ancestor_prefix(root)
    for row in rows:
        parent_path = paths.get(row["parent_id"], root_prefix)
        path = f"{parent_path}{PATH_SEPARATOR}{row['name']}" if parent_path else row["name"]
        paths[row["id"]] = path
        if max_depth is not None and row["level"] > max_depth:
            continue
        acc = totals[row["id"]]
        report.append(
            CategoryPriceRow(
                category_id=row["id"],
                name=row["name"],
                path=path,
                level=row["level"],
                product_count=acc.count,
                average_price=money_average(acc.cents, acc.count),
                min_price=acc.min_price,
                max_price=acc.max_price,
            )
        )
    return report


@dataclass(slots=True)
class _Count:
    n: int = 0

    def add(self, other: _Count) -> None:
        self.n += other.n


def _ancestor_prefix(root: Category | None) -> str:
    """The path above `root` (empty for none or a root), so report paths are always full paths."""
    if root is None or root.parent_id is None:
        return ""
    return PATH_SEPARATOR.join(root.get_ancestors().values_list("name", flat=True))


def category_subtree_product_counts(categories: Iterable[Category]) -> dict[int, int]:
    """Active-or-not product counts over each given category's subtree (for the admin's tree).

    Two queries: the categories, and the products grouped by category, rolled up in memory.
    """
    wanted = {category.pk for category in categories}
    rows = list(category_list().values("id", "parent_id"))
    own = dict(Product.objects.order_by().values("category_id").annotate(n=Count("id")).values_list("category_id", "n"))
    totals = roll_up(rows, lambda pk: _Count(own.get(pk, 0)), _Count.add)
    return {pk: totals[pk].n if pk in totals else 0 for pk in wanted}


def category_tree_problems() -> list[str]:
    """What is wrong with the stored lft/rght/level/tree_id fields, judged from the parent links.

    Sibling order is not judged (only nesting): each root owns its own tree_id with lft 1; each
    child has its parent's tree_id and level + 1; children's intervals tile their parent's
    interval exactly. Also reports parent links that never reach a root (cycles). One query.
    """
    rows = list(Category.objects.values("id", "parent_id", "lft", "rght", "tree_id", "level"))
    by_id = {row["id"]: row for row in rows}
    children: dict[int | None, list[dict]] = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)

    problems: list[str] = []
    roots = children.get(None, [])
    seen_tree_ids: dict[int, int] = {}
    for root in roots:
        if root["tree_id"] in seen_tree_ids:
            problems.append(f"roots {seen_tree_ids[root['tree_id']]} and {root['id']} share tree_id {root['tree_id']}")
        seen_tree_ids[root["tree_id"]] = root["id"]
        if root["lft"] != 1 or root["level"] != 0:
            problems.append(f"root {root['id']}: lft {root['lft']} level {root['level']} (expected 1 and 0)")

    reached: set[int] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        reached.add(node["id"])
        kids = sorted(children.get(node["id"], []), key=lambda row: row["lft"])
        expected_lft = node["lft"] + 1
        for kid in kids:
            if kid["tree_id"] != node["tree_id"]:
                problems.append(f"category {kid['id']}: tree_id {kid['tree_id']}, its parent's is {node['tree_id']}")
            if kid["level"] != node["level"] + 1:
                problems.append(f"category {kid['id']}: level {kid['level']}, expected {node['level'] + 1}")
            if kid["lft"] != expected_lft:
                problems.append(f"category {kid['id']}: lft {kid['lft']}, expected {expected_lft}")
            expected_lft = kid["rght"] + 1
            stack.append(kid)
        if node["rght"] != expected_lft:
            problems.append(f"category {node['id']}: rght {node['rght']}, expected {expected_lft}")
    for row in rows:
        if row["id"] not in reached:
            parent_missing = row["parent_id"] is not None and row["parent_id"] not in by_id
            reason = "its parent is missing" if parent_missing else "its parent links form a cycle"
            problems.append(f"category {row['id']}: not reachable from a root ({reason})")
    return problems
