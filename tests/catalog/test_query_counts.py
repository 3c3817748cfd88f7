"""SPEC §5: list endpoints and price analytics cost a fixed number of queries."""

import io

import pytest
from django.core.management import call_command

from catalog.models import Category, Product
from tests.catalog.conftest import make_category

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_response_cache(settings):
    """The views' own queries: a repeated anonymous read would otherwise be a response-cache hit (no queries)."""
    settings.API_RESPONSE_CACHE_SECONDS = 0


def bulk_products(category, n: int) -> None:
    Product.objects.bulk_create(
        Product(name=f"P{i}", sku=f"Q-{category.pk}-{i}", price=i + 1, stock=1, category=category) for i in range(n)
    )


def bulk_tree(n: int) -> Category:
    """`n` categories: a root and n - 1 descendants in a few levels (built through the service)."""
    root = make_category("Root")
    parents = [root]
    for i in range(n - 1):
        parents.append(make_category(f"C{i}", parents[i // 4]))
    for category in parents[::3]:
        bulk_products(category, 2)
    return root


@pytest.mark.parametrize("n", [1, 100])
def test_product_list(api_client, django_assert_num_queries, n):
    bulk_products(make_category("Cat"), n)

    # The count comes from the catalog summary: two queries (categories, grouped products) once per
    # catalog generation, none afterwards.
    with django_assert_num_queries(3):  # the summary's two, page
        api_client.get("/api/v1/products", {"page_size": 100})
    with django_assert_num_queries(1):  # page
        response = api_client.get("/api/v1/products", {"page_size": 100})

    assert len(response.json()["results"]) == n
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [1, 100])
def test_filtered_product_list(api_client, django_assert_num_queries, n):
    category = make_category("Cat")
    bulk_products(category, n)

    with django_assert_num_queries(3):  # the category filter's lookup, count, page
        response = api_client.get(
            "/api/v1/products", {"page_size": 100, "category": category.pk, "search": "P", "ordering": "-price"}
        )

    assert len(response.json()["results"]) == n


@pytest.mark.parametrize("n", [1, 100])
def test_category_products(api_client, django_assert_num_queries, n):
    category = make_category("Cat")
    bulk_products(make_category("Sub", category), n)

    with django_assert_num_queries(4):  # the category, the summary's two, page
        api_client.get(f"/api/v1/categories/{category.pk}/products", {"page_size": 100})
    with django_assert_num_queries(2):  # the category, page
        response = api_client.get(f"/api/v1/categories/{category.pk}/products", {"page_size": 100})

    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [1, 100])
def test_product_detail(api_client, django_assert_num_queries, n):
    bulk_products(make_category("Cat"), n)
    product = Product.objects.last()

    with django_assert_num_queries(1):
        assert api_client.get(f"/api/v1/products/{product.pk}").status_code == 200


@pytest.mark.parametrize("n", [10, 60])
def test_category_list_and_tree(api_client, django_assert_num_queries, n):
    bulk_tree(n)

    with django_assert_num_queries(2):  # count, page
        assert api_client.get("/api/v1/categories", {"page_size": 100}).json()["count"] == n
    with django_assert_num_queries(1):
        tree = api_client.get("/api/v1/categories/tree").json()
    assert len(tree) == 1


@pytest.mark.parametrize("n", [10, 60])
def test_category_detail_and_price_stats(api_client, django_assert_num_queries, n):
    root = bulk_tree(n)

    with django_assert_num_queries(1):
        assert api_client.get(f"/api/v1/categories/{root.pk}").status_code == 200
    with django_assert_num_queries(3):  # the category, the catalog summary's two (once per catalog generation)
        assert api_client.get(f"/api/v1/categories/{root.pk}/price-stats").json()["product_count"] > 0
    with django_assert_num_queries(1):  # the category
        assert api_client.get(f"/api/v1/categories/{root.pk}/price-stats").json()["product_count"] > 0


@pytest.mark.parametrize("n", [10, 500])
def test_price_analytics_command(django_assert_num_queries, n):
    root = Category.objects.create(name="Root", slug="root")
    # Bulk: 500 categories through the service would be slow; the tree fields come from a rebuild.
    Category.objects.bulk_create(
        Category(name=f"C{i}", slug=f"c{i}", parent=root, lft=0, rght=0, level=1, tree_id=0) for i in range(n - 1)
    )
    Category.objects.rebuild()
    for category in Category.objects.all()[:: max(1, n // 10)]:
        bulk_products(category, 3)
    out = io.StringIO()

    with django_assert_num_queries(2):  # categories, products grouped by category
        call_command("price_analytics", "--format", "csv", stdout=out)

    assert len(out.getvalue().splitlines()) == n + 1
    with django_assert_num_queries(3):  # + the --category lookup (a root: no ancestors to read)
        call_command("price_analytics", "--category", str(root.pk), stdout=io.StringIO())


def test_the_listing_lookup_counts_every_category_for_a_root_only(django_assert_num_queries):
    from catalog.selectors import category_for_listing

    root = make_category("Root")
    child = make_category("Child", root)
    other = make_category("Other root")

    with django_assert_num_queries(1):  # the count rides along in the category's own query
        looked_up = {category.pk: category.category_total for category in category_for_listing()}

    # A root is compared with the number of all categories (is it the whole catalog?); nothing else needs it.
    assert looked_up == {root.pk: 3, child.pk: None, other.pk: 3}
