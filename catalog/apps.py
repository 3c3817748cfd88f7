from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_delete, post_migrate, post_save


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


_STOCK_FIELDS = frozenset({"stock", "updated_at"})


def model_saved(sender, *, instance, update_fields=None, **kwargs) -> None:
    """A product or category saved or deleted through the ORM: cached catalog reads are recomputed.

    catalog.services already says so for every write it makes; this also covers a `save()` made
    anywhere else (a shell, a data migration, the test suite's factories). A save of a product's stock
    alone changes only what shows stock. Queryset `update()`s and bulk writes send no signal: code making
    them calls catalog.cache's functions itself.
    """
    from catalog.cache import catalog_changed, stock_changed

    if update_fields is not None and update_fields <= _STOCK_FIELDS and "stock" in update_fields:
        stock_changed([instance.pk])
    else:
        catalog_changed()


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        post_migrate.connect(ensure_tree_lock_row, sender=self, dispatch_uid="catalog.ensure_tree_lock_row")
        for model in ("Product", "Category"):
            post_save.connect(model_saved, sender=self.get_model(model), dispatch_uid=f"catalog.saved.{model}")
            post_delete.connect(model_saved, sender=self.get_model(model), dispatch_uid=f"catalog.deleted.{model}")
