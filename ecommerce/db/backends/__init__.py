"""django-prometheus' database backends, counting the same metrics for a fraction of the cost.

django-prometheus 2.4's wrappers define a new cursor class for every cursor (every query) and look
up each labelled metric child (a lock and a dict look-up per label set) on every `execute`. Here the
cursor class is made once per connection and the children once per connection alias: the metrics
(`django_db_execute_total`, `django_db_query_duration_seconds`, `django_db_errors_total`, ...) and
their labels are the same.
"""

from __future__ import annotations

from time import perf_counter

from django_prometheus.db import (
    errors_total,
    execute_many_total,
    execute_total,
    query_duration_seconds,
)


def exporting_cursor_class(cursor_class: type, alias: str, vendor: str) -> type:
    """`cursor_class` counting its statements in django-prometheus' metrics, labelled alias and vendor."""
    executed = execute_total.labels(alias, vendor)
    executed_many = execute_many_total.labels(alias, vendor)
    duration = query_duration_seconds.labels(alias, vendor)

    class CursorWrapper(cursor_class):
        def execute(self, *args, **kwargs):
            executed.inc()
            started = perf_counter()
            try:
                return super().execute(*args, **kwargs)
            except Exception as error:
                errors_total.labels(alias, vendor, type(error).__name__).inc()
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
                errors_total.labels(alias, vendor, type(error).__name__).inc()
                raise
            finally:
                duration.observe(perf_counter() - started)

    CursorWrapper.__qualname__ = f"{cursor_class.__qualname__}[prometheus]"
    return CursorWrapper
