"""Read use-cases of the catalog, shared by the API, the admin and the management commands.

Price analytics live here and only here: `category_price_stats` (one category, one SQL aggregate)
and `category_price_analytics` (every category, a fixed number of queries).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.db.models import BigIntegerField, Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Cast, Round

from catalog.models import Category, Product
from ecommerce.money import money_average

PATH_SEPARATOR = " > "


def _price_cents(**extra) -> Sum:
    # SUM over integer cents is exact on every backend (SQLite keeps decimals as REAL).
    return Sum(Cast(Round(F("price") * 100), output_field=BigIntegerField()), **extra)


# --- Products -------------------------------------------------------------------


def product_list(*, include_inactive: bool = False) -> QuerySet[Product]:
    """Products as the API lists them (active ones unless `include_inactive`), id order."""
    products = Product.objects.all()
    return products if include_inactive else products.active()


def product_visible_to(*, is_staff: bool) -> QuerySet[Product]:
    """Products a caller may read one by one: staff also see inactive ones."""
    return product_list(include_inactive=is_staff)


# --- Categories -----------------------------------------------------------------


def category_list() -> QuerySet[Category]:
    """Every category in tree (preorder) order."""
    return Category.objects.order_by("tree_id", "lft")


@dataclass(slots=True)
class CategoryNode:
    id: int
    name: str
    slug: str
    parent: int | None
    level: int
    children: list[CategoryNode]


def category_tree() -> list[CategoryNode]:
    """The whole forest, nested, from one query (preorder: a parent comes before its children)."""
    nodes: dict[int, CategoryNode] = {}
    roots: list[CategoryNode] = []
    for row in category_list().values("id", "name", "slug", "parent_id", "level"):
        node = CategoryNode(row["id"], row["name"], row["slug"], row["parent_id"], row["level"], [])
        nodes[node.id] = node
        if node.parent is None:
            roots.append(node)
        else:
            nodes[node.parent].children.append(node)
    return roots


def category_path(category: Category) -> str:
    """`Electronics > Phones > Android` (one query for the ancestors)."""
    names = list(category.get_ancestors(include_self=True).values_list("name", flat=True))
    return PATH_SEPARATOR.join(names)


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
    row = (
        Product.objects.active()
        .in_subtree(category)
        .aggregate(count=Count("id"), cents=_price_cents(), min_price=Min("price"), max_price=Max("price"))
    )
    return PriceStats(
        category_id=category.pk,
        product_count=row["count"],
        average_price=money_average(row["cents"] or 0, row["count"]),
        min_price=row["min_price"],
        max_price=row["max_price"],
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


@dataclass(slots=True)
class _Acc:
    count: int = 0
    cents: int = 0
    min_price: Decimal | None = None
    max_price: Decimal | None = None

    def add(self, count: int, cents: int, low: Decimal | None, high: Decimal | None) -> None:
        if not count:
            return
        self.count += count
        self.cents += cents
        # A count above 0 has a lowest and a highest price.
        self.min_price = low if self.min_price is None else min(self.min_price, cast(Decimal, low))
        self.max_price = high if self.max_price is None else max(self.max_price, cast(Decimal, high))


def category_price_analytics(*, root: Category | None = None, max_depth: int | None = None) -> list[CategoryPriceRow]:
    """Subtree price stats of every category (of `root`'s subtree if given), in tree order.

    Two queries whatever the number of categories: the categories in preorder, and the active
    products grouped by category; each category's own stats are then rolled up to its ancestors in
    memory. `max_depth` keeps categories whose level is at most that (roots are level 0).
    """
    categories = category_list()
    products = Product.objects.all()
    if root is not None:
        categories = categories.filter(tree_id=root.tree_id, lft__gte=root.lft, lft__lte=root.rght)
        products = products.in_subtree(root)
    rows = list(categories.values("id", "name", "parent_id", "level"))
    # Active-only through the aggregates' FILTER, not WHERE: then MariaDB streams the GROUP BY
    # straight off the covering (category, is_active, price) index instead of choosing the
    # (is_active, price) index and a temporary table (measured 4x slower on 100k products).
    active = Q(is_active=True)
    own = {
        row["category_id"]: row
        for row in products.order_by()
        .values("category_id")
        .annotate(
            count=Count("id", filter=active),
            cents=_price_cents(filter=active),
            min_price=Min("price", filter=active),
            max_price=Max("price", filter=active),
        )
    }

    totals: dict[int, _Acc] = {row["id"]: _Acc() for row in rows}
    # Preorder reversed visits every child before its parent, so a subtree's totals are complete
    # when they are added to the parent's.
    for row in reversed(rows):
        acc = totals[row["id"]]
        stats = own.get(row["id"])
        if stats:
            acc.add(stats["count"], stats["cents"], stats["min_price"], stats["max_price"])
        parent_acc = totals.get(row["parent_id"]) if row["parent_id"] is not None else None
        if parent_acc is not None:
            parent_acc.add(acc.count, acc.cents, acc.min_price, acc.max_price)

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
    totals = {row["id"]: own.get(row["id"], 0) for row in rows}
    for row in reversed(rows):
        if row["parent_id"] is not None and row["parent_id"] in totals:
            totals[row["parent_id"]] += totals[row["id"]]
    return {pk: totals.get(pk, 0) for pk in wanted}


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
