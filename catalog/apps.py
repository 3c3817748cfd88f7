from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def ensure_tree_lock_row(sender, using: str = "default", **kwargs) -> None:
    """Create the tree lock's row before anyone needs it.

    Creating it on first use inside concurrent transactions deadlocks on MySQL/MariaDB (both
    inserters take a shared lock on the duplicate key, then both want it exclusively). post_migrate
    runs after every `migrate` and after a test database flush.
    """
    from catalog.models import CategoryTreeLock
    from catalog.services import TREE_LOCK_ID

    if CategoryTreeLock._meta.db_table not in connections[using].introspection.table_names():
        return
    CategoryTreeLock.objects.using(using).get_or_create(pk=TREE_LOCK_ID)


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        post_migrate.connect(ensure_tree_lock_row, sender=self, dispatch_uid="catalog.ensure_tree_lock_row")
