"""django-prometheus' database backends, counting the same metrics for a fraction of the cost.

django-prometheus 2.4's wrappers define a new cursor class for every cursor (every query) and look
up each labelled metric child (a lock and a dict look-up per label set) on every `execute`. Here the
cursor class is made once per connection, the children once per connection alias, and the events
are buffered as the request metrics are (ecommerce/metrics.py): the metrics
(`django_db_execute_total`, `django_db_query_duration_seconds`, `django_db_errors_total`, ...) and
their labels are the same.
"""

from __future__ import annotations

from time import perf_counter

from django.utils.functional import cached_property
from django_prometheus.db import (
    errors_total,
    execute_many_total,
    execute_total,
    query_duration_seconds,
)

from ecommerce.metrics import child


def exporting_cursor_class(cursor_class: type, alias: str, vendor: str) -> type:
    """`cursor_class` counting its statements in django-prometheus' metrics, labelled alias and vendor."""
    executed = child(execute_total, alias, vendor)
    executed_many = child(execute_many_total, alias, vendor)
    duration = child(query_duration_seconds, alias, vendor)

    class CursorWrapper(cursor_class):
        def execute(self, *args, **kwargs):
            executed.inc()
            started = perf_counter()
            try:
                return super().execute(*args, **kwargs)
            except Exception as error:
                child(errors_total, alias, vendor, type(error).__name__).inc()
                raise
            finally:
                duration.observe(perf_counter() - started)

        def executemany(self, query, param_list, *args, **kwargs):
            executed.inc(len(param_list))
            executed_many.inc(len(param_list))
            started = perf_counter()
            try:
                return super().executemany(query, param_list, *args, **kwargs)
            except Exception as error:
                child(errors_total, alias, vendor, type(error).__name__).inc()
                raise
            finally:
                duration.observe(perf_counter() - started)

    CursorWrapper.__qualname__ = f"{cursor_class.__qualname__}[prometheus]"
    return CursorWrapper


class ExportingCursorMixin:
    """For a django-prometheus DatabaseWrapper: its cursors are `cursor_wrapper_class` counting their statements.

    The counting class is made once per connection (`exporting_cursor_class`); each backend's `create_cursor`
    wraps its driver's cursor in `self.exporting_cursor_class` the way its Django base does.
    """

    cursor_wrapper_class: type
    alias: str
    vendor: str

    @cached_property
    def exporting_cursor_class(self) -> type:
        return exporting_cursor_class(self.cursor_wrapper_class, self.alias, self.vendor)
