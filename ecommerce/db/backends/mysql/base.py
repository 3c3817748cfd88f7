"""MySQL/MariaDB with django-prometheus' query metrics (see ecommerce/db/backends/__init__.py)."""

from django.db.backends.mysql import base
from django_prometheus.db.backends.mysql import base as prometheus_base

from ecommerce.db.backends import ExportingCursorMixin

DatabaseFeatures = prometheus_base.DatabaseFeatures


class DatabaseWrapper(ExportingCursorMixin, prometheus_base.DatabaseWrapper):
    cursor_wrapper_class = base.CursorWrapper

    def create_cursor(self, name=None):
        return self.exporting_cursor_class(self.connection.cursor())
