"""Statements the ORM builds once per shape, their values filled in per request.

Building a queryset and compiling it costs more CPU than a simple indexed statement costs MariaDB:
the product list's category lookup, count and page are each 0.3-1 ms of Python against about 0.1-0.4 ms
of database (bench.plumbing; README "Performance"). Their shapes (which filters, which ordering, which
plan) repeat. So a statement is built once per process and shape with stand-in values, its SQL and
parameters taken as the ORM would send them (`connection.execute_wrapper`; nothing is sent), and reused
with each request's values put where the stand-ins were.

The ORM stays the only author of the SQL. A shape is used only when every stand-in appears exactly once
among the parameters, as itself (a stand-in the ORM converted or copied would be ambiguous), and a
LIMIT/OFFSET stand-in only at the end of the statement: anything else is built by the ORM each time
(`template` returns None).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections

# Shapes are few (filters x orderings x plans x databases); the bound only guards against a bug making many.
MAX_SHAPES = 2048

_lock = threading.Lock()
_templates: dict[tuple, Statement | None] = {}


class _Captured(Exception):
    def __init__(self, sql: str, params: Sequence[Any]):
        super().__init__()
        self.sql, self.params = sql, list(params or ())


def capture(using: str, run: Callable[[], Any]) -> tuple[str, list[Any]]:
    """The first statement `run()` sends to the database `using`, and its parameters: taken, not sent.

    For reads: a write such as `update()` inside a transaction marks the transaction for rollback when
    its statement raises, as the one taken does."""

    def intercept(execute, sql, params, many, context):
        raise _Captured(sql, params)

    connection = connections[using]
    # What the backend asks the server once per connection (MySQL's version, modes) is asked first, so the
    # statement taken is the function's own.
    connection.ensure_connection()
    if connection.vendor == "mysql":
        connection.mysql_server_data  # type: ignore[attr-defined]  # noqa: B018 (MySQL's backend only)
    logged = len(connection.queries_log)
    try:
        with connection.execute_wrapper(intercept):
            run()
    except _Captured as captured:
        # Not sent, so not a query: Django's debug cursor (DEBUG, or a test counting queries) logged it anyway.
        if connection.queries_logged and len(connection.queries_log) > logged:
            connection.queries_log.pop()
        return captured.sql, captured.params
    raise LookupError("the function sent no statement")


@dataclass(frozen=True, slots=True)
class Statement:
    """SQL with `%s` placeholders, and where each request's values go among its parameters."""

    sql: str
    params: tuple[Any, ...]  # the constants, and None where a value goes
    slots: tuple[tuple[int, int], ...]  # (parameter position, index of the value)

    def bind(self, values: Sequence[Any]) -> list[Any]:
        params = list(self.params)
        for position, index in self.slots:
            params[position] = values[index]
        return params


class StandIns:
    """Distinct stand-in values, one per value of a shape, and a LIMIT/OFFSET pair.

    Unlike any constant of a statement (never 0 or 1, which equal False and True) and within the
    columns' ranges (Django turns a comparison with an integer out of a column's range into no
    condition at all): 32-bit integers from 2,000,000,000 up, decimals of 11 digits (2 after the point).
    """

    INTEGER_BASE = 2_000_000_000
    LIMIT_BASE = 1_900_000_000

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._made = 0
        self.limit: tuple[int, int] | None = None  # (index of the offset's value, index of the limit's value)

    def integer(self) -> int:
        return self._add(self.INTEGER_BASE + self._next())

    def decimal(self) -> Decimal:
        return self._add(Decimal(f"7{self._next():08d}.37"))

    def slice(self) -> tuple[int, int]:
        """(offset, limit) stand-ins: the builder reads `[offset : offset + limit]`."""
        offset, limit = self.LIMIT_BASE + 2 * self._next(), self.LIMIT_BASE + 2 * self._next() + 1
        self.limit = (len(self.values), len(self.values) + 1)
        self.values += [offset, limit]
        return offset, limit

    def _next(self) -> int:
        self._made += 1
        return self._made

    def _add(self, value):
        self.values.append(value)
        return value


def template(key: tuple, using: str, build: Callable[[StandIns], Callable[[], Any]]) -> Statement | None:
    """The statement of shape `key` on database `using`, or None when this shape cannot be templated.

    `build(stand_ins)` takes its values from `stand_ins` (`integer()`, `decimal()`, `slice()`, in the
    order `bind` will get them) and returns what runs the statement (e.g. `queryset.count`).
    """
    full_key = (using, *key)
    try:
        return _templates[full_key]
    except KeyError:
        pass
    stand_ins = StandIns()
    run = build(stand_ins)
    sql, params = capture(using, run)
    statement = _statement(sql, params, stand_ins)
    with _lock:
        if len(_templates) >= MAX_SHAPES:
            _templates.clear()
        _templates[full_key] = statement
    return statement


def _statement(sql: str, params: list[Any], stand_ins: StandIns) -> Statement | None:
    values = stand_ins.values
    limit_indexes = stand_ins.limit or ()
    slots: list[tuple[int, int]] = []
    for index, value in enumerate(values):
        if index in limit_indexes:
            continue
        positions = [p for p, param in enumerate(params) if type(param) is type(value) and param == value]
        if len(positions) != 1 or str(value) in sql:
            return None  # converted, copied or inlined by the ORM
        slots.append((positions[0], index))
    taken = {position for position, _ in slots}
    for position, param in enumerate(params):
        if position not in taken and any(str(value) in str(param) for value in values):
            return None  # a stand-in inside another parameter (a LIKE pattern, say)
    if stand_ins.limit is not None:
        offset_index, limit_index = stand_ins.limit
        tail = f" LIMIT {values[limit_index]} OFFSET {values[offset_index]}"
        head = sql[: -len(tail)]
        if not sql.endswith(tail) or str(values[offset_index]) in head or str(values[limit_index]) in head:
            return None
        sql = head + " LIMIT %s OFFSET %s"
        slots += [(len(params), limit_index), (len(params) + 1, offset_index)]
        params = [*params, None, None]
        taken = {position for position, _ in slots}
    constants = tuple(None if position in taken else param for position, param in enumerate(params))
    return Statement(sql=sql, params=constants, slots=tuple(slots))
