"""The admin index as the shop's dashboard (issue 16): figures, their links, fixed queries, the sections' order."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import NotificationStatus
from orders.models import Order, OrderStatus
from tests.factories import NotificationFactory, OrderFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

INDEX = "/admin/"


def figures(response) -> dict[str, object]:
    dashboard = response.context["dashboard"]
    return {f.key: f for f in [*dashboard.orders, *dashboard.notifications, *dashboard.stock]}


def values(response) -> dict[str, str]:
    return {key: figure.value for key, figure in figures(response).items()}


def listed_count(client, url: str) -> int:
    """How many rows the changelist a figure links to shows."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["cl"].result_count


def place(total: str, *, at, status=OrderStatus.PENDING) -> Order:
    order = OrderFactory(total=Decimal(total), status=status)
    Order.objects.filter(pk=order.pk).update(created_at=at)
    return order


@pytest.fixture
def periods():
    """Now, the start of today and of this week (Monday) in the shop's time zone, computed here on their own."""
    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return now, today, today - timedelta(days=today.weekday())


def test_orders_and_revenue_of_today_and_this_week(admin_site_client, periods):
    now, today, week = periods
    place("100.00", at=now, status=OrderStatus.CONFIRMED)
    place("40.00", at=now)  # pending
    place("999.00", at=now, status=OrderStatus.CANCELLED)  # an order, but no revenue
    place("10.00", at=week + timedelta(minutes=1), status=OrderStatus.DELIVERED)  # this week (today if Monday)
    place("5000.00", at=week - timedelta(minutes=1), status=OrderStatus.DELIVERED)  # last week
    place("7.00", at=week - timedelta(days=30))  # long ago, still waiting for confirmation
    earlier_this_week = week + timedelta(minutes=1) < today

    shown = values(admin_site_client.get(INDEX))

    assert shown["orders-today"] == ("3" if earlier_this_week else "4")
    assert shown["revenue-today"] == ("KES 140.00" if earlier_this_week else "KES 150.00")
    assert shown["orders-week"] == "4"
    assert shown["revenue-week"] == "KES 150.00"
    assert shown["orders-pending"] == "2"


def test_notifications_that_failed_or_are_uncertain(admin_site_client):
    NotificationFactory(status=NotificationStatus.FAILED, next_attempt_at=timezone.now())  # retrying
    NotificationFactory(status=NotificationStatus.FAILED, provider_status="unknown")  # uncertain
    NotificationFactory(status=NotificationStatus.FAILED, last_error="rejected")  # final
    NotificationFactory(status=NotificationStatus.SENT)
    NotificationFactory(status=NotificationStatus.PENDING)

    shown = figures(admin_site_client.get(INDEX))

    assert shown["notifications-failed"].value == "3"
    assert shown["notifications-failed"].detail == "1 with a retry scheduled"
    assert shown["notifications-uncertain"].value == "1"


def test_products_low_on_stock_follow_the_setting(admin_site_client, settings):
    settings.LOW_STOCK_THRESHOLD = 3
    empty = ProductFactory(name="Empty", stock=0)
    two = ProductFactory(name="Two left", stock=2)
    three = ProductFactory(name="Three left", stock=3)
    ProductFactory(stock=4)
    ProductFactory(stock=0, is_active=False)  # not for sale: not the shop's problem

    response = admin_site_client.get(INDEX)

    assert figures(response)["products-low-stock"].value == "3"
    assert [(p.name, p.stock) for p in response.context["dashboard"].low_stock] == [
        (empty.name, 0),
        (two.name, 2),
        (three.name, 3),
    ]
    assert "at most 3 units" in response.content.decode()


def test_each_figure_links_to_the_list_of_what_it_counts(admin_site_client, settings, periods):
    now, _today, week = periods
    settings.LOW_STOCK_THRESHOLD = 2
    for at in (now, now, week - timedelta(days=1)):
        place("10.00", at=at)
    shipped = place("10.00", at=now, status=OrderStatus.SHIPPED)
    NotificationFactory(order=shipped, status=NotificationStatus.FAILED, provider_status="unknown")
    NotificationFactory(order=shipped, status=NotificationStatus.FAILED)
    NotificationFactory(order=shipped, status=NotificationStatus.SENT)
    ProductFactory.create_batch(2, stock=1)
    ProductFactory(stock=50)

    shown = figures(admin_site_client.get(INDEX))

    for key in ("orders-today", "orders-week", "orders-pending", "notifications-failed", "notifications-uncertain"):
        assert listed_count(admin_site_client, shown[key].url) == int(shown[key].value), key
    assert listed_count(admin_site_client, shown["products-low-stock"].url) == 2
    assert shown["orders-pending"].value == "3"


def test_the_dashboard_costs_the_same_queries_for_an_empty_and_a_busy_shop(admin_site_client):
    admin_site_client.get(INDEX)
    with CaptureQueriesContext(connection) as empty:
        admin_site_client.get(INDEX)
    now = timezone.now()
    for index in range(30):
        place("12.50", at=now - timedelta(hours=index * 7), status=OrderStatus.CONFIRMED)
        NotificationFactory(status=NotificationStatus.FAILED)
        ProductFactory(stock=index % 3)

    with CaptureQueriesContext(connection) as busy:
        response = admin_site_client.get(INDEX)

    # session, user, orders (1 aggregate), notifications (1 aggregate), stock (count + the lowest), recent actions
    assert len(busy) == len(empty) == 7
    assert len(response.context["dashboard"].low_stock) == 5


def test_staff_see_only_the_figures_they_may_view_and_nothing_else_is_queried(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)
    client.get(INDEX)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(INDEX)

    dashboard = response.context["dashboard"]
    assert dashboard.orders and not dashboard.notifications and not dashboard.stock
    assert not any("notifications_notification" in q["sql"] or "catalog_product" in q["sql"] for q in captured)


def test_shop_sections_come_first_and_the_technical_ones_are_one_system_section(admin_site_client):
    response = admin_site_client.get(INDEX)

    apps = response.context["app_list"]
    assert [app["name"] for app in apps] == ["Orders", "Catalog", "Customers", "Notifications", "System"]
    system = [str(model["name"]) for model in apps[-1]["models"]]
    assert system == sorted(system) and {"Groups", "Task Results", "Blacklisted Tokens"} <= set(system)
    body = response.content.decode()
    assert body.index('id="shop-dashboard"') < body.index('class="app-orders module') < body.index("app-system")


def test_the_system_section_has_its_own_page(admin_site_client):
    response = admin_site_client.get("/admin/system/")

    assert response.status_code == 200
    assert [app["name"] for app in response.context["app_list"]] == ["System"]
    assert "shop-dashboard" not in response.content.decode() and "reports-module" not in response.content.decode()
    assert "/admin/auth/group/" in response.content.decode()


def test_there_is_no_view_site_link(admin_site_client):
    body = admin_site_client.get(INDEX).content.decode()

    assert "View site" not in body
    assert response_title(body) == "Dashboard | Shop back-office"


def response_title(body: str) -> str:
    return body.split("<title>", 1)[1].split("</title>", 1)[0].strip()


def test_an_app_page_has_no_dashboard(admin_site_client):
    response = admin_site_client.get("/admin/orders/")

    body = response.content.decode()
    assert response.status_code == 200 and "shop-dashboard" not in body and "reports-module" not in body


def test_the_failure_filter_tells_uncertain_retrying_and_final_apart(admin_site_client):
    retrying = NotificationFactory(status=NotificationStatus.FAILED, next_attempt_at=timezone.now())
    uncertain = NotificationFactory(status=NotificationStatus.FAILED, provider_status="unknown")
    final = NotificationFactory(status=NotificationStatus.FAILED, provider_status="UserInBlacklist")
    NotificationFactory(status=NotificationStatus.SENT, provider_status="unknown")
    url = "/admin/notifications/notification/"

    def listed(value: str) -> set[int]:
        return {n.pk for n in admin_site_client.get(url, {"failure": value}).context["cl"].result_list}

    assert listed("uncertain") == {uncertain.pk}
    assert listed("retrying") == {retrying.pk}
    assert listed("final") == {final.pk}


def test_the_low_stock_filter_of_the_products_list_uses_the_setting(admin_site_client, settings):
    settings.LOW_STOCK_THRESHOLD = 1
    empty, one = ProductFactory(stock=0), ProductFactory(stock=1)
    ProductFactory(stock=2)

    response = admin_site_client.get("/admin/catalog/product/", {"stock": "low"})

    assert {p.pk for p in response.context["cl"].result_list} == {empty.pk, one.pk}
    assert "Low (at most 1)" in response.content.decode()
