"""Every admin list page costs a fixed number of queries: the same with 100 rows as with 3 (SPEC §4.9, §5)."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import NotificationStatus
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    NotificationFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
)


def add_categories(count: int) -> None:
    # Roots with one child each (and a product in every child), so subtree counts are real roll-ups.
    for _ in range(count // 2):
        root = CategoryFactory()
        ProductFactory(category=CategoryFactory(parent=root))
    if count % 2:
        ProductFactory(category=CategoryFactory())


def add_products(count: int) -> None:
    category = CategoryFactory(parent=CategoryFactory())
    ProductFactory.create_batch(count, category=category, price=Decimal("12.50"))


def add_users(count: int) -> None:
    for _ in range(count):
        CustomerFactory()


def add_customers(count: int) -> None:
    for _ in range(count):
        OrderFactory(customer=CustomerFactory())


def add_orders(count: int) -> None:
    product_a, product_b = ProductFactory(), ProductFactory()
    for _ in range(count):
        order = OrderFactory()
        OrderLineFactory(order=order, product=product_a, quantity=2)
        OrderLineFactory(order=order, product=product_b)


def add_notifications(count: int) -> None:
    order = OrderFactory()
    NotificationFactory.create_batch(count, order=order, status=NotificationStatus.FAILED, last_error="timeout")


def add_groups(count: int) -> None:
    for index in range(count):
        Group.objects.create(name=f"group {Group.objects.count()}-{index}")


# (admin URL name, query string, how to add rows, queries the page costs at any size). Every page costs the
# session, the user, one COUNT and one query for the rows (with their related rows joined); some add one more.
CHANGELISTS = [
    # + the parent links of the whole tree for drag and drop, + the catalog's subtree product counts (2)
    ("admin:catalog_category_changelist", "", add_categories, 7),
    # + the category filter's choices
    ("admin:catalog_product_changelist", "", add_products, 5),
    ("admin:catalog_product_changelist", "?stock=in&is_active__exact=1&q=Product", add_products, 5),
    # + the groups filter's choices
    ("admin:customers_user_changelist", "", add_users, 5),
    ("admin:customers_customer_changelist", "", add_customers, 4),
    ("admin:customers_customer_changelist", "?q=example.com", add_customers, 4),
    ("admin:orders_order_changelist", "", add_orders, 4),
    ("admin:orders_order_changelist", "?status__exact=pending", add_orders, 4),
    ("admin:notifications_notification_changelist", "", add_notifications, 4),
    ("admin:notifications_notification_changelist", "?channel__exact=sms&status__exact=failed", add_notifications, 4),
    # Django's own GroupAdmin: + the unfiltered total ("N total")
    ("admin:auth_group_changelist", "", add_groups, 5),
]


def get_counting_queries(client, url: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response, len(queries)


@pytest.mark.parametrize(("url_name", "query", "add_rows", "expected_queries"), CHANGELISTS)
def test_changelist_costs_the_same_queries_for_100_rows_as_for_3(
    admin_site_client, django_assert_num_queries, url_name, query, add_rows, expected_queries
):
    url = reverse(url_name) + query
    add_rows(3)
    admin_site_client.get(url)  # warm the per-process caches (content types) so both runs compare like with like
    _response, few = get_counting_queries(admin_site_client, url)

    add_rows(97)
    with django_assert_num_queries(expected_queries):
        response = admin_site_client.get(url)

    assert few == expected_queries
    changelist = response.context["cl"]
    assert changelist.result_count >= 100
    assert len(changelist.result_list) >= 100
