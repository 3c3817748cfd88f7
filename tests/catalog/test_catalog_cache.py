"""Cached catalog reads (catalog.cache, SPEC §5 "Freshness"): price-stats and the tree are served
from the cache, and every write through catalog.services is visible to the next read."""

from decimal import Decimal

import pytest

from catalog import services
from catalog.models import Product
from tests.catalog.conftest import make_category, make_product

pytestmark = pytest.mark.django_db


def stats(client, category) -> dict:
    response = client.get(f"/api/v1/categories/{category.pk}/price-stats")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def no_response_cache(settings):
    """The figures' own cache alone: without the whole-answer cache in front of it (which answers with no
    query at all: tests/catalog/test_response_cache.py)."""
    settings.API_RESPONSE_CACHE_SECONDS = 0


def test_price_stats_are_served_from_the_cache(api_client, django_assert_num_queries, no_response_cache):
    root = make_category("Root")
    make_product(root, sku="A", price="10.00")
    stats(api_client, root)

    with django_assert_num_queries(1):  # the category; the figures come from the cache
        assert stats(api_client, root)["product_count"] == 1


def test_every_product_write_is_visible_to_the_next_read(api_client):
    root = make_category("Root")
    child = make_category("Child", root)
    product = make_product(child, sku="A", price="10.00")
    assert stats(api_client, root)["max_price"] == "10.00"

    services.product_update(product=product, price=Decimal("25.50"))
    assert stats(api_client, root)["max_price"] == "25.50"

    other = make_product(child, sku="B", price="5.00")
    assert (stats(api_client, root)["product_count"], stats(api_client, root)["min_price"]) == (2, "5.00")

    services.product_update(product=other, is_active=False)
    assert stats(api_client, root)["product_count"] == 1

    services.product_delete(product=other)
    services.product_update(product=product, category=root)
    assert (stats(api_client, root)["product_count"], stats(api_client, child)["product_count"]) == (1, 0)


def test_a_stock_change_leaves_the_cached_figures_alone(api_client, django_assert_num_queries, no_response_cache):
    root = make_category("Root")
    product = make_product(root, sku="A", price="10.00", stock=5)
    stats(api_client, root)

    services.product_update(product=product, stock=0)  # price-stats do not depend on stock

    with django_assert_num_queries(1):
        assert stats(api_client, root)["product_count"] == 1


def test_a_category_move_is_visible_to_the_next_read(api_client):
    left, right = make_category("Left"), make_category("Right")
    moved = make_category("Moved", left)
    make_product(moved, sku="A", price="10.00")
    assert (stats(api_client, left)["product_count"], stats(api_client, right)["product_count"]) == (1, 0)
    tree_before = api_client.get("/api/v1/categories/tree").json()

    services.category_update(category=moved, parent=right)

    assert (stats(api_client, left)["product_count"], stats(api_client, right)["product_count"]) == (0, 1)
    tree_after = api_client.get("/api/v1/categories/tree").json()
    assert [len(node["children"]) for node in tree_before] == [1, 0]
    assert [len(node["children"]) for node in tree_after] == [0, 1]


def test_the_tree_is_served_from_the_cache_and_new_categories_appear(api_client, django_assert_num_queries):
    root = make_category("Root")
    api_client.get("/api/v1/categories/tree")

    with django_assert_num_queries(0):
        assert len(api_client.get("/api/v1/categories/tree").json()) == 1

    make_category("Child", root)
    assert [child["name"] for child in api_client.get("/api/v1/categories/tree").json()[0]["children"]] == ["Child"]


def test_an_import_is_visible_to_the_next_read(api_client):
    import io

    from catalog.imports import catalog_import, catalog_parse_csv

    root = make_category("Shop")
    assert stats(api_client, root)["product_count"] == 0
    csv = "sku,name,description,price,stock,category_path\nI-1,Kettle,,9.99,3,Shop > Kitchen\n"

    catalog_import(rows=catalog_parse_csv(io.StringIO(csv)).rows)

    assert stats(api_client, root)["product_count"] == 1
    assert Product.objects.get(sku="I-1").category.parent_id == root.pk


@pytest.mark.django_db(transaction=True)
def test_after_commit_another_reader_sees_the_write(api_client):
    # Committed for real: the second invalidation (on commit) runs too, and the next read is fresh.
    root = make_category("Root")
    product = make_product(root, sku="A", price="10.00")
    assert stats(api_client, root)["max_price"] == "10.00"

    services.product_update(product=product, price=Decimal("11.00"))

    assert stats(api_client, root)["max_price"] == "11.00"


# --- Counts from the catalog summary (catalog.summary) ------------------------------------------------------


def count(client, path: str = "/api/v1/products", **params) -> int:
    response = client.get(path, params)
    assert response.status_code == 200
    return response.json()["count"]


def test_list_counts_come_from_the_summary_and_follow_every_write_through_the_services(api_client):
    root = make_category("Root")
    child = make_category("Child", root)
    make_product(child, sku="A")
    assert (count(api_client), count(api_client, category=root.pk), count(api_client, category=child.pk)) == (1, 1, 1)
    # A row the services never hear of (raw SQL, a bulk load): the summary does not see it...
    Product.objects.bulk_create([Product(name="Hidden", sku="H", price=Decimal(1), stock=1, category=child)])
    assert count(api_client, category=root.pk) == 1

    other = make_product(root, sku="B")  # ...a write through the services is seen by the next read

    assert (count(api_client), count(api_client, category=root.pk), count(api_client, category=child.pk)) == (3, 3, 2)
    services.product_update(product=other, is_active=False)
    assert count(api_client, f"/api/v1/categories/{root.pk}/products") == 2


def test_the_in_stock_count_follows_stock_changes_that_leave_the_summary_alone(api_client):
    root = make_category("Root")
    product = make_product(root, sku="A", stock=5)
    make_product(root, sku="B", stock=5)
    assert count(api_client, in_stock="true") == 2

    services.product_update(product=product, stock=0)  # no catalog write: the generation stays

    assert count(api_client, in_stock="true", category=root.pk) == 1
    assert count(api_client, in_stock="false") == 1


def test_while_another_request_computes_the_summary_a_request_counts_its_own_rows(
    api_client, django_assert_num_queries
):
    from django.core.cache import cache

    from catalog.cache import catalog_generation

    root = make_category("Root")
    make_product(root, sku="A")
    cache.add(f"catalog:{catalog_generation()}:summary:computing", 1)  # someone else is computing it

    with django_assert_num_queries(3):  # the category, its own count, page: no summary pass
        assert count(api_client, category=root.pk) == 1
    with django_assert_num_queries(2):  # price-stats: the category, one aggregate of its subtree
        assert stats(api_client, root)["product_count"] == 1


def test_a_generation_the_request_already_read_is_used_until_a_write_bumps_it():
    from django.core.cache import cache

    from catalog.cache import GENERATION_KEY, catalog_changed, catalog_generation, catalog_generation_known

    shared = catalog_generation()
    with catalog_generation_known(shared):
        cache.set(GENERATION_KEY, shared + 100, timeout=None)  # another process's write, meanwhile
        assert catalog_generation() == shared  # as read at the start of this request
        catalog_changed()  # this request's own write
        assert catalog_generation() == shared + 101  # asked again: the write is visible at once
    with catalog_generation_known(None):
        assert catalog_generation() == shared + 101
    assert catalog_generation() == shared + 101
