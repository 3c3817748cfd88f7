"""Model instances from rows a hand-written SELECT read, exactly as the ORM's own SELECT would make them.

For the few hot statements whose SQL is made once instead of being built and compiled by the ORM on every
request (the bearer authentication's user, an order's locked products): the values go through the same
converters the ORM applies (the backend's, then each field's `from_db_value`), and `Model.from_db` makes
the instances, so they are indistinguishable from a queryset's (fields not read are deferred, as with `only()`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model


def converted(connection: BaseDatabaseWrapper, fields: Sequence[Field], row: Sequence[Any]) -> list[Any]:
    """`row` (one value per field of `fields`, in order) as the ORM reads those fields' values."""
    values = list(row)
    for index, field in enumerate(fields):
        value = values[index]
        if value is None:
            continue
        column = field.cached_col
        for converter in connection.ops.get_db_converters(column) + field.get_db_converters(connection):
            value = converter(value, column, connection)
        values[index] = value
    return values


def instance_from_values[M: Model](model: type[M], alias: str, fields: Sequence[Field], values: Sequence[Any]) -> M:
    """An instance of `model` loaded from database `alias` with these converted values (`converted`)."""
    return model.from_db(alias, [field.attname for field in fields], values)
