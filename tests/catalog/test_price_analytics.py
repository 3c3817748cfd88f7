"""Price stats (API) and price analytics (command): exact decimals over whole subtrees."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from catalog.selectors import category_price_analytics, category_price_stats
from tests.catalog.conftest import make_category, make_product
from tests.conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(chain):
    """Prices chosen so the averages need half-up rounding; inactive products must not count."""
    make_product(chain[0], sku="R1", price="10.00")
    make_product(chain[2], sku="M1", price="0.01")
    make_product(chain[2], sku="M2", price="0.02")
    make_product(chain[5], sku="D1", price="99999.99")
    make_product(chain[5], sku="OFF", price="1000000.00", is_active=False)
    empty = make_category("Empty")
    make_product(make_category("Hidden only", empty), sku="H", is_active=False)
    return chain, empty


def run(*args) -> str:
    out = io.StringIO()
    call_command("price_analytics", *args, stdout=out)
    return out.getvalue()


def test_stats_are_exact_and_rounded_half_up(api_client, shop, settings):
    settings.SHOP_CURRENCY = "KES"
    chain, _ = shop

    root = api_client.get(f"/api/v1/categories/{chain[0].pk}/price-stats").json()
    mid = api_client.get(f"/api/v1/categories/{chain[2].pk}/price-stats/").json()
    leaf = api_client.get(f"/api/v1/categories/{chain[5].pk}/price-stats").json()

    # (10.00 + 0.01 + 0.02 + 99999.99) / 4 = 25002.505 -> 25002.51 (half up)
    assert root == {
        "category": chain[0].pk,
        "product_count": 4,
        "average_price": "25002.51",
        "min_price": "0.01",
        "max_price": "99999.99",
        "currency": "KES",
    }
    # (0.01 + 0.02 + 99999.99) / 3 = 33333.34
    assert (mid["product_count"], mid["average_price"], mid["min_price"]) == (3, "33333.34", "0.01")
    assert (leaf["product_count"], leaf["average_price"], leaf["max_price"]) == (1, "99999.99", "99999.99")


def test_half_cent_average_rounds_up():
    category = make_category("Halves")
    make_product(category, sku="A", price="0.01")
    make_product(category, sku="B", price="0.04")

    stats = category_price_stats(category)

    assert stats.average_price == Decimal("0.03")  # 0.025 half-up; banker's rounding would give 0.02


def test_empty_subtree_and_inactive_only_subtree_give_zero_and_nulls(api_client, shop):
    _, empty = shop

    body = api_client.get(f"/api/v1/categories/{empty.pk}/price-stats").json()

    assert body["product_count"] == 0
    assert body["average_price"] is body["min_price"] is body["max_price"] is None


def test_price_stats_of_unknown_category_is_404(api_client):
    assert_problem(api_client.get("/api/v1/categories/999999/price-stats"), 404)


def test_analytics_rows_match_the_per_category_stats(shop):
    rows = category_price_analytics()

    assert len(rows) == 8
    for row in rows:
        from catalog.models import Category

        stats = category_price_stats(Category.objects.get(pk=row.category_id))
        assert (row.product_count, row.average_price, row.min_price, row.max_price) == (
            stats.product_count,
            stats.average_price,
            stats.min_price,
            stats.max_price,
        )
    assert rows[0].path == "Empty"
    assert [row.path for row in rows if row.name == "L3"] == ["L0 > L1 > L2 > L3"]


def test_json_output_matches_the_api(api_client, shop):
    rows = json.loads(run("--format", "json"))

    assert {tuple(row) for row in rows} == {
        ("category_id", "name", "path", "level", "product_count", "average_price", "min_price", "max_price")
    }
    for row in rows:
        api = api_client.get(f"/api/v1/categories/{row['category_id']}/price-stats").json()
        assert (row["product_count"], row["average_price"], row["min_price"], row["max_price"]) == (
            api["product_count"],
            api["average_price"],
            api["min_price"],
            api["max_price"],
        )


def test_csv_output_has_a_header_and_the_same_values(shop):
    chain, _ = shop

    rows = list(csv.DictReader(io.StringIO(run("--format", "csv"))))

    root = next(row for row in rows if row["category_id"] == str(chain[0].pk))
    assert root == {
        "category_id": str(chain[0].pk),
        "name": "L0",
        "path": "L0",
        "level": "0",
        "product_count": "4",
        "average_price": "25002.51",
        "min_price": "0.01",
        "max_price": "99999.99",
    }
    empty = next(row for row in rows if row["name"] == "Empty")
    assert (empty["product_count"], empty["average_price"]) == ("0", "")


def test_table_output(shop):
    out = run()

    assert "Average (KES)" in out.splitlines()[0]
    assert any("L5" in line and "99999.99" in line for line in out.splitlines())
    assert out.rstrip().endswith("8 categories")


def test_category_and_depth_options(shop):
    chain, _ = shop

    rows = json.loads(run("--format", "json", "--category", str(chain[2].pk), "--depth", "3"))

    assert [(row["name"], row["level"], row["path"]) for row in rows] == [
        ("L2", 2, "L0 > L1 > L2"),
        ("L3", 3, "L0 > L1 > L2 > L3"),
    ]
    assert rows[0]["product_count"] == 3
    assert [row["level"] for row in json.loads(run("--format", "json", "--depth", "0"))] == [0, 0]


def test_output_file(shop, tmp_path):
    target = tmp_path / "report.json"
    err = io.StringIO()

    call_command("price_analytics", "--format", "json", "--output", str(target), stdout=io.StringIO(), stderr=err)

    assert len(json.loads(target.read_text())) == 8
    assert "Wrote 8 categories" in err.getvalue()


def test_bad_options(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run("--category", "999999")
    with pytest.raises(CommandError, match="--depth"):
        run("--depth", "-1")
    with pytest.raises(CommandError, match="Cannot write"):
        run("--output", str(tmp_path / "missing" / "dir" / "x.csv"))
