"""SQLite with django-prometheus' query metrics (see ecommerce/db/backends/__init__.py)."""

from django.db.backends.sqlite3 import base
from django_prometheus.db.backends.sqlite3 import base as prometheus_base

from ecommerce.db.backends import ExportingCursorMixin

DatabaseFeatures = prometheus_base.DatabaseFeatures


class DatabaseWrapper(ExportingCursorMixin, prometheus_base.DatabaseWrapper):
    cursor_wrapper_class = base.SQLiteCursorWrapper

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=self.exporting_cursor_class)
