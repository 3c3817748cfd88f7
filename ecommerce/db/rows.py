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


def fields_of(model: type[Model], *names: str) -> tuple[Field, ...]:
    """The concrete fields `names` of `model` (all of its concrete fields without names), in that order."""
    fields = [model._meta.get_field(name) for name in names] if names else list(model._meta.concrete_fields)
    if not all(isinstance(field, Field) and field.concrete for field in fields):
        raise ValueError(f"fields_of({model.__name__}, ...): only concrete fields have a column")
    return tuple(field for field in fields if isinstance(field, Field))


def column_name(connection: BaseDatabaseWrapper, field: Field) -> str:
    """The column of a concrete field, quoted for `connection`."""
    return connection.ops.quote_name(field.get_attname_column()[1] or "")


def column_sql(connection: BaseDatabaseWrapper, field: Field) -> str:
    """`table`.`column` of a concrete field, quoted for `connection`."""
    return f"{connection.ops.quote_name(field.model._meta.db_table)}.{column_name(connection, field)}"


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
