"""SQLite with django-prometheus' query metrics (see ecommerce/db/backends/__init__.py)."""

from django.db.backends.sqlite3 import base
from django.utils.functional import cached_property
from django_prometheus.db.backends.sqlite3 import base as prometheus_base

from ecommerce.db.backends import exporting_cursor_class

DatabaseFeatures = prometheus_base.DatabaseFeatures


class DatabaseWrapper(prometheus_base.DatabaseWrapper):
    @cached_property
    def _exporting_cursor_class(self) -> type:
        return exporting_cursor_class(base.SQLiteCursorWrapper, self.alias, self.vendor)

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=self._exporting_cursor_class)
