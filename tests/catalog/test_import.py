"""`import_catalog`: validate everything first, then upsert in bulk (SQLite and MariaDB)."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Category, Product
from catalog.selectors import category_tree_problems
from tests.catalog.conftest import make_category, make_product

pytestmark = pytest.mark.django_db

HEADER = "sku,name,description,price,stock,category_path\n"


def write(tmp_path, body: str, name="catalog.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return str(path)


def run(path, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_catalog", path, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def snapshot():
    return (
        list(Category.objects.order_by("pk").values_list("pk", "name", "parent_id", "lft", "rght", "level")),
        list(Product.objects.order_by("pk").values_list("pk", "sku", "name", "price", "stock", "category_id")),
    )


def test_import_creates_categories_and_products(tmp_path):
    phones = make_category("Phones", make_category("Electronics"))
    path = write(
        tmp_path,
        'A-1,Pixel,"Google, unlocked",499.00,5,Electronics > Phones > Android\n'
        "A-2,Galaxy,,450.5,0,electronics > phones > Android\n"
        "B-1,Kettle,Boils,25,12,Home > Kitchen\n"
        "C-1,Case,,5,100,Electronics > Phones\n",
    )

    out, _ = run(path)

    assert "4 rows" in out and "3 categories created" in out and "4 products created" in out
    android = Category.objects.get(name="Android")
    assert android.parent_id == phones.pk and android.level == 2 and android.slug == "android"
    pixel = Product.objects.get(sku="A-1")
    assert (pixel.description, pixel.price, pixel.stock, pixel.category_id) == (
        "Google, unlocked",
        Decimal("499.00"),
        5,
        android.pk,
    )
    assert Product.objects.get(sku="A-2").category_id == android.pk
    assert Product.objects.get(sku="C-1").category_id == phones.pk
    assert Category.objects.get(name="Kitchen").get_ancestors().get().name == "Home"
    assert category_tree_problems() == []


def test_import_upserts_by_sku_and_keeps_is_active(tmp_path):
    category = make_category("Old")
    kept = make_product(category, sku="KEEP", name="Same", price="1.00", stock=1, description="d")
    changed = make_product(category, sku="CHG", name="Before", price="1.00", is_active=False)
    kept_stamp, changed_created = kept.updated_at, changed.created_at

    out, _ = run(write(tmp_path, "KEEP,Same,d,1.00,1,Old\nCHG,After,,2.50,7,New\n"))

    assert "0 products created, 1 updated, 1 unchanged" in out
    changed.refresh_from_db()
    assert (changed.name, changed.price, changed.stock, changed.category.name) == ("After", Decimal("2.50"), 7, "New")
    assert changed.is_active is False
    assert changed.created_at == changed_created and changed.updated_at > changed_created
    kept.refresh_from_db()
    assert kept.updated_at == kept_stamp


def test_invalid_rows_are_reported_by_line_and_nothing_is_imported(tmp_path):
    make_category("Existing")
    before = snapshot()
    path = write(
        tmp_path,
        "OK-1,Fine,,1.00,1,Existing > New\n"
        ",No sku,,1.00,1,A\n"
        "P-2,,,1.00,1,A\n"
        "P-3,Bad price,,1.001,1,A\n"
        "P-4,Neg,,-1,1,A\n"
        "P-5,Stock,,1,-2,A\n"
        "P-6,Path,,1,1,A >  > B\n"
        "OK-1,Dup,,1,1,A\n"
        "P-8,NaN,,NaN,x,\n",
    )

    err = io.StringIO()

    with pytest.raises(CommandError, match="8 invalid row"):
        call_command("import_catalog", path, stdout=io.StringIO(), stderr=err)

    assert snapshot() == before
    assert [line.split(":")[0] for line in err.getvalue().splitlines()] == [f"line {n}" for n in range(3, 11)]


def test_error_messages_name_lines_and_problems(tmp_path):
    from catalog.imports import catalog_parse_csv

    text = HEADER + "OK-1,Fine,,1.00,1,A\n,x,,1,1,A\nP-3,y,,1.001,1,A\nOK-1,z,,1,1,A\nP-5,w,,1e30,1,A\n"

    errors = catalog_parse_csv(io.StringIO(text)).errors

    assert errors == [
        "line 3: sku is empty",
        "line 4: price 1.001 has more than 2 decimal places",
        "line 5: sku 'OK-1' already appears on line 2",
        "line 6: price 1e30 is too large (at most 10 digits before the point)",
    ]


def test_missing_columns_and_ragged_rows(tmp_path):
    from catalog.imports import catalog_parse_csv

    assert catalog_parse_csv(io.StringIO("sku,name\nA,B\n")).errors[0].startswith("line 1: missing column(s)")
    assert catalog_parse_csv(io.StringIO(HEADER + "A,B,C\n")).errors == ["line 2: expected 6 fields"]
    assert catalog_parse_csv(io.StringIO(HEADER)).errors == ["the file has no rows"]


def test_dry_run_reports_and_writes_nothing(tmp_path):
    make_product(make_category("Old"), sku="EXISTS")
    before = snapshot()

    out, _ = run(write(tmp_path, "EXISTS,Renamed,,3,3,Old\nNEW,New,,1,1,A > B > C\n"), "--dry-run")

    assert "Would import 2 rows" in out
    assert "3 categories created, 1 products created, 1 updated" in out
    assert snapshot() == before


def test_unreadable_files(tmp_path):
    bad = tmp_path / "latin1.csv"
    bad.write_bytes((HEADER + "A,Caf\xe9,,1,1,X\n").encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8"):
        run(str(bad))
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "nope.csv"))


def test_many_rows_in_batches(tmp_path):
    lines = [
        f"SKU-{n:05d},Item {n},,{n % 997}.{n % 100:02d},{n % 50},Root > Group {n % 7} > Leaf {n % 13}"
        for n in range(5000)
    ]
    path = write(tmp_path, "\n".join(lines) + "\n")

    run(path)
    again, _ = run(path)

    assert Product.objects.count() == 5000
    assert Category.objects.count() == 1 + 7 + 7 * 13
    assert Product.objects.get(sku="SKU-01234").price == Decimal("237.34")
    assert "0 products created, 0 updated, 5000 unchanged" in again
    assert category_tree_problems() == []
