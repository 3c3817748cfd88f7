"""Bulk seeding: a category tree with its mptt fields computed here, and a million products.

Nothing goes through `Model.save()` or django-mptt's insert path (one UPDATE of every
right-hand node per insert would make 10,000 categories take minutes): the tree is built in
memory, `lft/rght/level/tree_id` come from one depth-first walk, and both tables are written
with multi-row INSERTs (mysqlclient turns `executemany` into `INSERT ... VALUES (...), (...)`
statements up to `max_allowed_packet`). Ids are assigned here, so products reference their
categories without reading anything back.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils.crypto import get_random_string
from django.utils.text import slugify

from bench import vocabulary
from bench.vocabulary import SEARCH_HIT  # noqa: F401 - the scale table's one-word search

# Products 1..hot_products are active with a stock no load run can exhaust: POST /orders buys them.
HOT_STOCK = 1_000_000_000
# Every app table the bench rewrites. The database must be a dedicated one (see __main__).
WIPED_APPS = ("orders", "notifications", "catalog", "customers", "token_blacklist", "django_tasks_db")


@dataclass
class Node:
    id: int
    name: str
    slug: str
    parent_id: int | None
    level: int
    children: list[Node] = field(default_factory=list)
    lft: int = 0
    rght: int = 0


@dataclass
class SeedResult:
    categories: int
    products: int
    customers: int
    max_level: int
    root_id: int
    hot_products: int
    seconds: dict[str, float]

    @property
    def total_seconds(self) -> float:
        return round(sum(self.seconds.values()), 2)


def build_tree(*, total: int, depth: int) -> list[Node]:
    """`total` categories under one root, levels 0..depth, filled level by level.

    The fan-out is the smallest that reaches `total` within `depth` levels; the last level
    is cut short and its nodes are dealt round-robin to the level above, so the tree is
    balanced and exactly `depth` deep. Siblings are named with zero-padded numbers, so their
    name order (django-mptt's `order_insertion_by`) is their lft order.
    """
    if total < 1 or depth < 0:
        raise ValueError("need at least one category and a non-negative depth")
    fanout = 1
    while sum(fanout**level for level in range(depth + 1)) < total and fanout < total:
        fanout += 1
    nodes: list[Node] = []
    current = [_node(1, None, 0, 0)]
    nodes.extend(current)
    for level in range(1, depth + 1):
        wanted = min(len(current) * fanout, total - len(nodes))
        if wanted <= 0:
            break
        children = []
        for index in range(wanted):
            parent = current[index % len(current)]
            child = _node(len(nodes) + index + 1, parent, level, index)
            parent.children.append(child)
            children.append(child)
        nodes.extend(children)
        current = children
    _number(nodes[0], nodes)
    return nodes


def _node(node_id: int, parent: Node | None, level: int, index: int) -> Node:
    name = f"Category L{level} {index:06d}"
    return Node(id=node_id, name=name, slug=slugify(name), parent_id=parent.id if parent else None, level=level)


def _number(root: Node, nodes: list[Node]) -> None:
    """Nested-set numbering with the catalog's own implementation (catalog.tree)."""
    from catalog.tree import nested_set_numbers

    children = {node.id: [child.id for child in node.children] for node in nodes if node.children}
    numbers = nested_set_numbers([root.id], children)
    for node in nodes:
        node.lft, node.rght = numbers[node.id][:2]


def wipe() -> None:
    """Empty every table the bench writes (FK checks off: TRUNCATE ignores dependency order)."""
    with connection.cursor() as cursor:
        cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        try:
            for label in WIPED_APPS:
                try:
                    config = apps.get_app_config(label)
                except LookupError:
                    continue
                for model in config.get_models(include_auto_created=True):
                    cursor.execute(f"TRUNCATE TABLE {connection.ops.quote_name(model._meta.db_table)}")
        finally:
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")


def seed(
    *,
    products: int,
    categories: int,
    depth: int,
    customers: int,
    hot_products: int,
    rng_seed: int = 20261123,
    batch_size: int = 20_000,
    progress=print,
) -> SeedResult:
    """Wipe the bench tables and write the tree, the products and the customers."""
    rng = random.Random(rng_seed)
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    wipe()
    seconds["wipe"] = time.perf_counter() - started

    started = time.perf_counter()
    nodes = build_tree(total=categories, depth=depth)
    _insert_categories(nodes)
    seconds["categories"] = time.perf_counter() - started
    progress(f"  categories: {len(nodes):,} in {seconds['categories']:.1f} s (max level {nodes[-1].level})")

    started = time.perf_counter()
    # Products go anywhere below the root, as in a shop where every level holds some.
    targets = [node.id for node in nodes if node.parent_id is not None] or [nodes[0].id]
    written = 0
    sql = _product_insert_sql()
    indexes = _drop_secondary_indexes()
    with connection.cursor() as cursor:
        # Safe here only: the rows are generated unique and every category id exists.
        cursor.execute("SET SESSION unique_checks = 0, foreign_key_checks = 0")
        try:
            for rows in _product_batches(products, targets, hot_products, rng, batch_size):
                cursor.executemany(sql, rows)
                written += len(rows)
                if written % 200_000 == 0 or written == products:
                    elapsed = time.perf_counter() - started
                    progress(f"  products: {written:,} in {elapsed:.1f} s ({written / elapsed:,.0f} rows/s)")
        finally:
            cursor.execute("SET SESSION unique_checks = 1, foreign_key_checks = 1")
    seconds["products"] = time.perf_counter() - started
    started = time.perf_counter()
    _create_indexes(indexes)
    seconds["indexes"] = time.perf_counter() - started
    progress(f"  {len(indexes)} indexes rebuilt in {seconds['indexes']:.1f} s")

    started = time.perf_counter()
    _insert_customers(customers)
    seconds["customers"] = time.perf_counter() - started

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (apps.get_model("catalog", "Category"), apps.get_model("catalog", "Product")):
            cursor.execute(f"ANALYZE TABLE {connection.ops.quote_name(model._meta.db_table)}")
            cursor.fetchall()
    seconds["analyze"] = time.perf_counter() - started

    return SeedResult(
        categories=len(nodes),
        products=products,
        customers=customers,
        max_level=max(node.level for node in nodes),
        root_id=nodes[0].id,
        hot_products=min(hot_products, products),
        seconds={key: round(value, 2) for key, value in seconds.items()},
    )


def _drop_secondary_indexes() -> list[tuple[str, bool, list[str]]]:
    """Drop the products' secondary indexes (returned as (name, is_fulltext, columns)), except the
    unique SKU and the foreign key's own: InnoDB builds an index over a million rows in one sorted
    pass far faster than it maintains seven of them through a million random inserts (measured:
    1,700 rows/s with them, 19,000 without)."""
    table = apps.get_model("catalog", "Product")._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT index_name, index_type, column_name FROM information_schema.statistics "
            "WHERE table_schema = DATABASE() AND table_name = %s AND index_name <> 'PRIMARY' AND non_unique = 1 "
            "ORDER BY index_name, seq_in_index",
            [table],
        )
        indexes: dict[str, tuple[bool, list[str]]] = {}
        for name, kind, column in cursor.fetchall():
            indexes.setdefault(name, (kind == "FULLTEXT", []))[1].append(column)
        # The foreign key needs an index that starts with its column.
        keep = next((name for name, (_, columns) in indexes.items() if columns[0] == "category_id"), None)
        dropped = [(name, fulltext, columns) for name, (fulltext, columns) in indexes.items() if name != keep]
        if dropped:
            drops = ", ".join(f"DROP INDEX {connection.ops.quote_name(name)}" for name, _, _ in dropped)
            cursor.execute(f"ALTER TABLE {connection.ops.quote_name(table)} {drops}")
    return dropped


def _create_indexes(indexes: list[tuple[str, bool, list[str]]]) -> None:
    """Recreate them as the migrations made them: the B-trees in one ALTER TABLE, then the full-text
    index with the stopword list off (see catalog/migrations/0003)."""
    table = connection.ops.quote_name(apps.get_model("catalog", "Product")._meta.db_table)
    quote = connection.ops.quote_name

    def columns(names: list[str]) -> str:
        return ", ".join(quote(name) for name in names)

    with connection.cursor() as cursor:
        plain = [f"ADD INDEX {quote(name)} ({columns(cols)})" for name, fulltext, cols in indexes if not fulltext]
        if plain:
            cursor.execute(f"ALTER TABLE {table} {', '.join(plain)}")
        cursor.execute("SET SESSION innodb_ft_enable_stopword = OFF")
        try:
            for name, fulltext, cols in indexes:
                if fulltext:
                    cursor.execute(f"CREATE FULLTEXT INDEX {quote(name)} ON {table} ({columns(cols)})")
        finally:
            cursor.execute("SET SESSION innodb_ft_enable_stopword = ON")


def _insert_categories(nodes: list[Node]) -> None:
    table = connection.ops.quote_name(apps.get_model("catalog", "Category")._meta.db_table)
    sql = (
        f"INSERT INTO {table} (id, name, slug, parent_id, lft, rght, tree_id, level) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    rows = [(n.id, n.name, n.slug, n.parent_id, n.lft, n.rght, 1, n.level) for n in nodes]
    with connection.cursor() as cursor:
        # Parents precede children in `nodes`, but the FK check is per statement: skip it.
        cursor.execute("SET SESSION foreign_key_checks = 0")
        try:
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[start : start + 5000])
        finally:
            cursor.execute("SET SESSION foreign_key_checks = 1")


def _product_insert_sql() -> str:
    table = connection.ops.quote_name(apps.get_model("catalog", "Product")._meta.db_table)
    return (
        f"INSERT INTO {table} "
        "(id, name, sku, description, price, stock, category_id, is_active, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )


def _product_batches(
    total: int, targets: list[int], hot: int, rng: random.Random, batch_size: int
) -> Iterator[list[tuple]]:
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    choice, randint, rand = rng.choice, rng.randint, rng.random
    name_of, description_of = vocabulary.namer(rng), vocabulary.describer(rng)
    batch: list[tuple] = []
    for product_id in range(1, total + 1):
        cents = randint(100, 5_000_000)
        is_hot = product_id <= hot
        stamp = (now - timedelta(seconds=total - product_id)).isoformat(sep=" ")
        batch.append(
            (
                product_id,
                name_of(),
                f"BENCH-{product_id:07d}",
                description_of(),
                f"{cents // 100}.{cents % 100:02d}",
                HOT_STOCK if is_hot else randint(0, 500),
                choice(targets),
                1 if is_hot or rand() >= 0.05 else 0,
                stamp,
                stamp,
            )
        )
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert_customers(count: int) -> None:
    """Customers with one shared (unusable to anyone else) password hash: hashing is slow by design."""
    user_model = apps.get_model("customers", "User")
    customer_model = apps.get_model("customers", "Customer")
    password = make_password(get_random_string(40))
    users = user_model.objects.bulk_create(
        [user_model(email=f"bench-customer-{i:05d}@example.com", password=password) for i in range(count)]
    )
    if not all(user.pk for user in users):  # MySQL does not return bulk ids before Django 6 everywhere
        users = list(user_model.objects.filter(email__startswith="bench-customer-").order_by("email"))
    customer_model.objects.bulk_create(
        [
            customer_model(user=user, first_name="Bench", last_name=f"Customer {i}", phone=f"+25470{i:07d}")
            for i, user in enumerate(users)
        ]
    )
