"""Orders in the back office: read-only records whose status changes go through the orders service (§4.9)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from orders.models import OrderStatus
from orders.services import order_create
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

ORDERS = reverse("admin:orders_order_changelist")


@pytest.fixture
def product():
    return ProductFactory(stock=10, price="250.00")


@pytest.fixture
def order(customer, product):
    return order_create(customer=customer, items=[{"product": product.pk, "quantity": 3}]).order


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def run_action(client, action: str, *orders):
    return client.post(ORDERS, {"action": action, "_selected_action": [o.pk for o in orders]}, follow=True)


def test_confirm_ship_deliver_walk_an_order_through_its_statuses(admin_site_client, order):
    for action, status in [("confirm", "confirmed"), ("ship", "shipped"), ("deliver", "delivered")]:
        response = run_action(admin_site_client, action, order)

        order.refresh_from_db()
        assert order.status == status
        assert messages_of(response) == [("success", f"{status.capitalize()}: {order}.")]


def test_cancel_gives_the_stock_back(admin_site_client, order, product):
    product.refresh_from_db()
    assert product.stock == 7

    run_action(admin_site_client, "confirm", order)
    response = run_action(admin_site_client, "cancel", order)

    order.refresh_from_db()
    product.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert product.stock == 10
    assert messages_of(response) == [("success", f"Cancelled: {order}.")]


def test_an_illegal_change_is_an_error_message_and_changes_nothing(admin_site_client, order, product):
    response = run_action(admin_site_client, "deliver", order)

    assert response.status_code == 200
    assert messages_of(response) == [
        ("error", f"Could not deliver {order}: An order that is pending cannot become delivered.")
    ]
    order.refresh_from_db()
    product.refresh_from_db()
    assert (order.status, product.stock) == (OrderStatus.PENDING, 7)


def test_a_mixed_selection_changes_the_legal_ones_and_reports_the_others(admin_site_client, customer, product, order):
    cancelled = order_create(customer=customer, items=[{"product": product.pk, "quantity": 1}]).order
    run_action(admin_site_client, "cancel", cancelled)

    response = run_action(admin_site_client, "confirm", order, cancelled)

    order.refresh_from_db()
    cancelled.refresh_from_db()
    assert (order.status, cancelled.status) == (OrderStatus.CONFIRMED, OrderStatus.CANCELLED)
    assert ("success", f"Confirmed: {order}.") in messages_of(response)
    assert any(level == "error" and str(cancelled) in text for level, text in messages_of(response))


def run_page_action(client, action: str, order):
    """The action menu on the order's own page (Django 6.1 change-form actions)."""
    return client.post(
        reverse("admin:orders_order_change", args=[order.pk]),
        {"CHANGE_FORM-action": action, "_selected_action": str(order.pk)},
        follow=True,
    )


def test_actions_on_the_order_page(admin_site_client, order, product):
    page = admin_site_client.get(reverse("admin:orders_order_change", args=[order.pk]))

    response = run_page_action(admin_site_client, "cancel", order)

    choices = dict(page.context["action_form"].fields["action"].choices)
    assert [choices[name] for name in ("confirm", "ship", "deliver", "cancel")] == [
        "Confirm order",
        "Mark shipped",
        "Mark delivered",
        "Cancel order (stock comes back)",
    ]
    assert response.redirect_chain == [(reverse("admin:orders_order_change", args=[order.pk]), 302)]
    assert messages_of(response) == [("success", f"Cancelled: {order}.")]
    order.refresh_from_db()
    product.refresh_from_db()
    assert (order.status, product.stock) == (OrderStatus.CANCELLED, 10)


def test_an_illegal_change_from_the_order_page_is_a_message_too(admin_site_client, order):
    run_page_action(admin_site_client, "cancel", order)

    response = run_page_action(admin_site_client, "ship", order)

    assert response.status_code == 200
    assert messages_of(response) == [
        ("error", f"Could not ship {order}: An order that is cancelled cannot become shipped.")
    ]


def test_an_unknown_action_changes_nothing(admin_site_client, order):
    response = run_page_action(admin_site_client, "delete_selected", order)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_staff_who_may_only_view_orders_cannot_change_them(client, order):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)

    listing = client.get(ORDERS)
    from_list = client.post(ORDERS, {"action": "confirm", "_selected_action": [order.pk]})
    from_page = client.post(
        reverse("admin:orders_order_change", args=[order.pk]),
        {"CHANGE_FORM-action": "confirm", "_selected_action": str(order.pk)},
    )

    assert listing.status_code == 200
    assert listing.context["action_form"] is None  # no action this user may run
    # The list offers no action, so the post just shows the list again; the page's action is forbidden.
    assert from_list.status_code == 200 and from_page.status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_order_page_shows_read_only_lines_and_money_in_the_shop_currency(admin_site_client, order):
    response = admin_site_client.get(reverse("admin:orders_order_change", args=[order.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "KES 250.00" in body and "KES 750.00" in body
    inline = response.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission and not inline.has_change_permission and not inline.has_delete_permission
    assert admin_site_client.get(reverse("admin:orders_order_add")).status_code == 403
    assert admin_site_client.get(reverse("admin:orders_order_delete", args=[order.pk])).status_code == 403
