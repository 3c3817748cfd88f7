"""The admin's price analytics page: the catalog's analytics as a table and an SVG chart, for staff only."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.selectors import category_price_analytics
from tests.factories import CategoryFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("admin:price_analytics")


@pytest.fixture
def priced_tree(tree) -> dict:
    """The admin tests' tree with products: laptops has none, an inactive one in phones does not count."""
    ProductFactory(category=tree["android"], price=Decimal("300.00"))
    ProductFactory(category=tree["phones"], price=Decimal("100.00"))
    ProductFactory(category=tree["phones"], price=Decimal("999.00"), is_active=False)
    ProductFactory(category=tree["books"], price=Decimal("20.00"))
    return tree


def table(response) -> list[tuple[str, int, str]]:
    return [(row.path, row.product_count, str(row.average_price)) for row in response.context["rows"]]


def test_table_and_chart_show_the_catalogs_analytics(admin_site_client, priced_tree):
    response = admin_site_client.get(PAGE)

    assert response.status_code == 200
    assert response.context["rows"] == category_price_analytics()
    assert table(response) == [
        ("Books", 1, "20.00"),
        ("Electronics", 2, "200.00"),
        ("Electronics > Laptops", 0, "None"),
        ("Electronics > Phones", 2, "200.00"),
        ("Electronics > Phones > Android", 1, "300.00"),
    ]
    chart = str(response.context["chart"])
    assert chart.startswith("<svg") and "KES 200.00" in chart and 'data-category="Electronics &gt; Phones"' in chart
    body = response.content.decode()
    assert "<td>300.00</td>" in body and "<td>20.00</td>" in body
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="price-chart"' in body
    assert "<script" not in body.split('id="price-chart-module"')[1].split("</div>")[0]


def test_filter_by_parent_and_by_depth(admin_site_client, priced_tree):
    subtree = admin_site_client.get(PAGE, {"parent": priced_tree["phones"].pk})
    roots = admin_site_client.get(PAGE, {"depth": 0})
    both = admin_site_client.get(PAGE, {"parent": priced_tree["electronics"].pk, "depth": 1})

    assert [path for path, _, _ in table(subtree)] == ["Electronics > Phones", "Electronics > Phones > Android"]
    assert [path for path, _, _ in table(roots)] == ["Books", "Electronics"]
    assert [path for path, _, _ in table(both)] == ["Electronics", "Electronics > Laptops", "Electronics > Phones"]


@pytest.mark.parametrize("query", [{"depth": "abc"}, {"depth": "-1"}, {"parent": "999999"}, {"parent": "x"}])
def test_bad_filters_show_the_form_error_and_the_whole_report(admin_site_client, priced_tree, query):
    response = admin_site_client.get(PAGE, query)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert len(response.context["rows"]) == 5


def test_an_empty_catalog_has_an_empty_report(admin_site_client):
    response = admin_site_client.get(PAGE)

    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "No data." in str(response.context["chart"])


def test_only_staff_with_the_catalog_view_permission(client, priced_tree, customer):
    anonymous = client.get(PAGE)
    client.force_login(customer.user)
    not_staff = client.get(PAGE)
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    without_permission = client.get(PAGE)
    staff.user_permissions.add(Permission.objects.get(codename="view_category"))
    client.force_login(staff)
    with_permission = client.get(PAGE)

    assert anonymous.status_code == not_staff.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")
    assert without_permission.status_code == 403
    assert with_permission.status_code == 200


def test_the_page_costs_the_same_queries_for_10_and_100_categories(admin_site_client, django_assert_num_queries):
    def add_categories(count: int) -> None:
        for _ in range(count):
            ProductFactory(category=CategoryFactory(parent=CategoryFactory()))

    add_categories(5)
    admin_site_client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        admin_site_client.get(PAGE)

    add_categories(45)
    with django_assert_num_queries(len(few)):
        response = admin_site_client.get(PAGE)

    assert len(response.context["rows"]) == 100


@pytest.mark.parametrize(("asked", "drawn"), [("", "sqrt"), ("auto", "sqrt"), ("linear", "linear"), ("sqrt", "sqrt")])
def test_the_bar_scale_can_be_chosen_and_defaults_to_one_where_small_averages_show(
    admin_site_client, tree, asked, drawn
):
    ProductFactory(category=tree["books"], price=Decimal("15.00"))
    ProductFactory(category=tree["laptops"], price=Decimal("250000.00"))

    response = admin_site_client.get(PAGE, {"scale": asked} if asked else {})

    assert f'data-scale="{drawn}"' in str(response.context["chart"])


def test_an_unknown_scale_is_a_form_error_not_a_500(admin_site_client, tree):
    response = admin_site_client.get(PAGE, {"scale": "log"})

    assert response.status_code == 200
    assert response.context["form"].errors["scale"]
