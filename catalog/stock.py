"""Stock: the only code that changes `Product.stock`. Orders call it; they never write a product themselves.

Every function here runs inside the caller's transaction (an order's) and locks the product rows it
reads with `Product.objects.locked()` (`SELECT ... FOR UPDATE`, ascending pk): one lock order for every
writer, so no two transactions wait for each other in a cycle. The locks last until that transaction ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Protocol

from django.db import connections, router, transaction

from catalog.cache import stock_changed
from catalog.exceptions import InsufficientStock
from catalog.models import Product
from ecommerce.db.rows import column_name, column_sql, converted, fields_of, instance_from_values

# What an order copies from a product, and what the stock check needs: nothing else is read.
LOCKED_COLUMNS = ("name", "sku", "price", "stock", "is_active")
_LOCKED_FIELDS = fields_of(Product, "id", *LOCKED_COLUMNS)


class StockLine(Protocol):
    """Units of one product: an order's requested line (`OrderLineRequest`) or its stored one (`OrderLine`)."""

    @property
    def product_id(self) -> int: ...

    @property
    def quantity(self) -> int: ...


def stock_lock(*, product_ids: Iterable[int]) -> dict[int, Product]:
    """Lock these products' rows until the transaction ends; return them by pk (the ones that exist).

    One `SELECT ... FOR UPDATE` in ascending pk of the columns in LOCKED_COLUMNS: what
    `Product.objects.locked(product_ids).only(*LOCKED_COLUMNS)` runs and returns, its SQL made once per
    database and number of products (building and compiling that queryset cost every order about 1 ms of
    CPU). Must run inside an atomic block (a lock outside one would end at once). Raises nothing but
    database errors.
    """
    _require_atomic("stock_lock")
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    alias = router.db_for_write(Product)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(_stock_lock_sql(alias, len(ids)), ids)
        rows = cursor.fetchall()
    products = (
        instance_from_values(Product, alias, _LOCKED_FIELDS, converted(connection, _LOCKED_FIELDS, row)) for row in rows
    )
    return {product.pk: product for product in products}


@cache
def _stock_lock_sql(alias: str, count: int) -> str:
    """`stock_lock`'s SELECT of `count` products (their ids as parameters), locking where the database can."""
    connection = connections[alias]
    table = connection.ops.quote_name(Product._meta.db_table)
    pk = column_sql(connection, *fields_of(Product, "id"))
    columns = ", ".join(column_sql(connection, field) for field in _LOCKED_FIELDS)
    placeholders = ", ".join(["%s"] * count)
    lock = f" {connection.ops.for_update_sql()}" if connection.features.has_select_for_update else ""
    return f"SELECT {columns} FROM {table} WHERE {pk} IN ({placeholders}) ORDER BY {pk} ASC{lock}"  # noqa: S608 (quoted names only)


def stock_take(*, lines: Sequence[StockLine], products: Mapping[int, Product] | None = None) -> dict[int, Product]:
    """Take every line's units, or none: check each line against the locked stock, then one UPDATE.

    `products` are rows `stock_lock` locked in this transaction (an order locks them first, to price its
    lines); without it they are locked here. A product not among them, or lines naming one product twice,
    are the caller's error (KeyError, ValueError). Raises InsufficientStock (`available`: each short line's
    position and the units there are) before writing anything. Returns the rows with their new stock.
    """
    held = dict(products) if products is not None else stock_lock(product_ids=[line.product_id for line in lines])
    if len({line.product_id for line in lines}) != len(lines):
        raise ValueError("stock_take: one line per product.")
    short = {
        index: held[line.product_id].stock
        for index, line in enumerate(lines)
        if held[line.product_id].stock < line.quantity
    }
    if short:
        raise InsufficientStock(available=short)
    _stock_add({line.product_id: -line.quantity for line in lines})
    for line in lines:
        held[line.product_id].stock -= line.quantity
    return held


def stock_return(*, lines: Iterable[StockLine]) -> None:
    """Give lines' units back (a cancelled order's), also to inactive products.

    Locks the rows (`SELECT id ... FOR UPDATE`, ascending pk), then one UPDATE. Quantities of lines naming
    one product are added up. Raises nothing but database errors.
    """
    _require_atomic("stock_return")
    units: dict[int, int] = {}
    for line in lines:
        units[line.product_id] = units.get(line.product_id, 0) + line.quantity
    locked = list(Product.objects.locked(units).values_list("pk", flat=True))
    _stock_add({pk: units[pk] for pk in locked})


def _stock_add(units: Mapping[int, int]) -> None:
    """One UPDATE adding `units[pk]` (negative: taking) to each product's stock, relative to the row's value.

    Written as SQL (`stock = stock + CASE id WHEN ... END`, any number of products): the ORM's
    `Case(When(...))` costs more CPU to build and compile than the database spends running it. The
    cached answers that show these products' stock (catalog.cache, catalog/api/response_cache.py) are
    invalidated once the transaction commits: one cache round trip, no statement.
    """
    if not units:
        return
    connection = connections[router.db_for_write(Product)]
    table = connection.ops.quote_name(Product._meta.db_table)
    # Bare column names: SQLite takes no table name in SET.
    pk, stock = (column_name(connection, field) for field in fields_of(Product, "id", "stock"))
    ids = list(units)
    whens = " ".join(["WHEN %s THEN %s"] * len(ids))
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {stock} = {stock} + (CASE {pk} {whens} END) WHERE {pk} IN ({placeholders})",  # noqa: S608 (quoted names, values as parameters)
            [value for product_id in ids for value in (product_id, units[product_id])] + ids,
        )
    stock_changed(units)


def _require_atomic(operation: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(f"{operation} locks rows: call it inside transaction.atomic().")
