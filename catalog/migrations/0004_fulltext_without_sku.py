"""The full-text index without the SKU: `?search=` matches SKUs by prefix through their unique index
(catalog.querysets.ProductQuerySet.search). With the SKU in it, a word every SKU shares (a brand code:
"BENCH" of BENCH-0000001) made each SKU search read a million full-text entries (1.3-7 s)."""

from django.db import migrations

FULLTEXT_INDEX = "product_search_ft"


def _rebuild(schema_editor, columns: str) -> None:
    if schema_editor.connection.vendor != "mysql":
        return
    schema_editor.execute(f"DROP INDEX {FULLTEXT_INDEX} ON catalog_product")
    # As in 0003: the stopword list off, so that "with" or "the" are words like any other.
    schema_editor.execute("SET SESSION innodb_ft_enable_stopword = OFF")
    try:
        schema_editor.execute(f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} ON catalog_product ({columns})")
    finally:
        schema_editor.execute("SET SESSION innodb_ft_enable_stopword = ON")


def forwards(apps, schema_editor):
    _rebuild(schema_editor, "name, description")


def backwards(apps, schema_editor):
    _rebuild(schema_editor, "name, sku, description")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_product_list_indexes"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, atomic=False, elidable=False),
    ]
