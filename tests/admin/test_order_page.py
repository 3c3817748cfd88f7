"""An order's admin page (issue 16): "Order #N", only the allowed status changes as buttons, the customer's contact
details, the lines once each, the notifications with Resend, and the timeline."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import sms
from notifications.models import Channel, Notification, NotificationStatus
from orders.events import EventSource
from orders.models import OrderEvent, OrderEventKind, OrderStatus
from orders.services import order_create, order_set_status
from tests.factories import CustomerFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

BUTTON = re.compile(r'<button type="submit"[^>]*name="CHANGE_FORM-action" value="(\w+)"')


@pytest.fixture(autouse=True)
def _sms_to_memory(settings):
    settings.SMS_BACKEND = "locmem"
    settings.ORDER_NOTIFICATION_EMAILS = ["ops@example.com"]
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def shopper():
    return CustomerFactory(
        first_name="Amina", last_name="Otieno", user__email="amina@example.com", phone="+254712345678"
    )


@pytest.fixture
def order(shopper, django_capture_on_commit_callbacks):
    product = ProductFactory(name="Pixel 9 Pro", sku="PIXEL-9-PRO", stock=10, price="250.00")
    with django_capture_on_commit_callbacks(execute=True):
        return order_create(customer=shopper, items=[{"product": product.pk, "quantity": 3}]).order


def page_url(order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


def resend_url(order, notification) -> str:
    return reverse("admin:orders_order_resend_notification", args=[order.pk, notification.pk])


def buttons(response) -> list[str]:
    return BUTTON.findall(response.content.decode())


def test_the_page_is_titled_after_the_order(admin_site_client, order):
    response = admin_site_client.get(page_url(order))

    body = response.content.decode()
    assert response.context["title"] == f"Order #{order.pk}"
    assert f"<h1>Order #{order.pk}</h1>" in body
    assert "Change order" not in body and "View order" not in body
    assert re.search(rf"<title>Order #{order.pk} \|", body)


@pytest.mark.parametrize(
    ("path", "offered"),
    [
        ([], ["confirm", "cancel"]),
        ([OrderStatus.CONFIRMED], ["ship", "cancel"]),
        ([OrderStatus.CONFIRMED, OrderStatus.SHIPPED], ["deliver"]),
        ([OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED], []),
        ([OrderStatus.CANCELLED], []),
    ],
    ids=["pending", "confirmed", "shipped", "delivered", "cancelled"],
)
def test_only_the_changes_the_state_machine_allows_are_offered(admin_site_client, superuser, order, path, offered):
    for status in path:
        order_set_status(order_id=order.pk, status=status, by=superuser)

    response = admin_site_client.get(page_url(order))

    assert buttons(response) == offered
    assert 'name="CHANGE_FORM-action"' not in response.content.decode().split('id="order-transitions"')[0]
    if not offered:
        assert "its status cannot change any more" in response.content.decode()


def test_a_button_changes_the_status_through_the_service_and_the_page_then_offers_the_next(
    admin_site_client, superuser, order
):
    response = admin_site_client.post(
        page_url(order), {"CHANGE_FORM-action": "confirm", "_selected_action": str(order.pk)}, follow=True
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert [str(m) for m in response.context["messages"]] == [f"Confirmed: {order}."]
    assert buttons(response) == ["ship", "cancel"]
    changed = OrderEvent.objects.get(order=order, kind=OrderEventKind.STATUS_CHANGED)
    assert (changed.user_id, changed.source) == (superuser.pk, EventSource.ADMIN)


def test_staff_who_may_only_view_get_no_buttons(client, order):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)

    response = client.get(page_url(order))

    assert response.status_code == 200 and buttons(response) == []
    assert 'id="order-transitions"' not in response.content.decode()


def test_the_customers_name_email_and_phone_are_shown(admin_site_client, order):
    body = admin_site_client.get(page_url(order)).content.decode()

    assert "Amina Otieno" in body and "amina@example.com" in body and "+254 712 345678" in body
    assert reverse("admin:customers_customer_change", args=[order.customer_id]) in body


def test_each_line_is_shown_once_without_a_heading_of_its_own(admin_site_client, order):
    body = admin_site_client.get(page_url(order)).content.decode()

    assert body.count("Pixel 9 Pro") == 1
    assert "3 × Pixel 9 Pro" not in body
    assert "KES 250.00" in body and "KES 750.00" in body


def test_the_notifications_are_inline_with_their_status_and_resend_only_where_it_can(admin_site_client, order):
    sms_row = Notification.objects.get(order=order, channel=Channel.SMS)
    Notification.objects.filter(pk=sms_row.pk).update(status=NotificationStatus.FAILED, last_error="provider down")

    body = admin_site_client.get(page_url(order)).content.decode()

    assert 'id="notifications-group"' in body
    assert "provider down" in body and "ops@example.com" in body
    assert 'notification-status-failed">Failed</span>' in body and 'notification-status-sent">Sent</span>' in body
    assert body.count("resend-notification") == 1
    assert resend_url(order, sms_row) in body


def test_resend_from_the_order_page_sends_once_and_lands_on_the_timeline(
    admin_site_client, superuser, order, django_capture_on_commit_callbacks
):
    sms_row = Notification.objects.get(order=order, channel=Channel.SMS)
    Notification.objects.filter(pk=sms_row.pk).update(status=NotificationStatus.FAILED, attempts=5)
    sms.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_site_client.post(resend_url(order, sms_row), follow=True)

    assert response.redirect_chain == [(page_url(order), 302)]
    assert [str(m) for m in response.context["messages"]] == [f"Resend scheduled for SMS #{sms_row.pk}."]
    sms_row.refresh_from_db()
    assert sms_row.status == NotificationStatus.SENT and len(sms.outbox) == 1
    resent = OrderEvent.objects.get(order=order, kind=OrderEventKind.NOTIFICATION_RESENT)
    assert (resent.actor_type, resent.user_id, resent.source) == ("staff", superuser.pk, EventSource.ADMIN)
    assert f"SMS #{sms_row.pk} resent" in response.content.decode()


def test_resending_a_sent_notification_is_an_error_message_and_sends_nothing(admin_site_client, order):
    sent = Notification.objects.get(order=order, channel=Channel.SMS)
    sms.outbox.clear()

    response = admin_site_client.post(resend_url(order, sent), follow=True)

    [message] = response.context["messages"]
    assert message.level_tag == "error" and "at most once" in str(message)
    assert sms.outbox == []


def test_resend_is_a_post_of_this_orders_notification_by_staff_who_may_change_notifications(
    admin_site_client, order, shopper
):
    client = admin_site_client
    sms_row = Notification.objects.get(order=order, channel=Channel.SMS)
    product = ProductFactory(stock=3)
    other = order_create(customer=shopper, items=[{"product": product.pk, "quantity": 1}]).order
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_order", "view_notification"]))

    assert admin_site_client.get(resend_url(order, sms_row)).status_code == 405
    assert admin_site_client.post(resend_url(other, sms_row)).status_code == 404
    client.force_login(viewer)  # the same client: from here on as the viewer
    assert client.post(resend_url(order, sms_row)).status_code == 403
    assert "resend-notification" not in client.get(page_url(order)).content.decode()
    assert OrderEvent.objects.filter(kind=OrderEventKind.NOTIFICATION_RESENT).count() == 0


def test_the_timeline_lists_every_change_oldest_first(admin_site_client, superuser, order):
    order_set_status(order_id=order.pk, status=OrderStatus.CANCELLED, by=superuser, source=EventSource.ADMIN)

    response = admin_site_client.get(page_url(order))

    kinds = [event["kind"] for event in response.context["timeline"]]
    assert kinds == [
        "placed",
        "notification_queued",
        "notification_queued",
        "notification_sent",
        "notification_sent",
        "cancelled",
    ]
    last = response.context["timeline"][-1]
    assert last["summary"] == "Cancelled (was pending): 3 units of 1 product back in stock"
    assert last["actor"] == f"Staff {superuser.email}" and last["source"] == "Admin"
    assert response.context["timeline"][0]["actor"] == "Customer amina@example.com"
    assert 'id="order-timeline"' in response.content.decode()


def test_the_page_costs_the_same_queries_for_few_and_many_lines_and_events(admin_site_client, superuser, shopper):
    products = ProductFactory.create_batch(21, stock=50)
    small = order_create(customer=shopper, items=[{"product": products[0].pk, "quantity": 1}]).order
    large = order_create(customer=shopper, items=[{"product": p.pk, "quantity": 1} for p in products[1:]]).order
    for status in (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        order_set_status(order_id=large.pk, status=status, by=superuser)
    admin_site_client.get(page_url(small))  # session and content types cached

    with CaptureQueriesContext(connection) as few:
        admin_site_client.get(page_url(small))
    with CaptureQueriesContext(connection) as many:
        admin_site_client.get(page_url(large))

    assert len(many) == len(few)


def test_notifications_cannot_be_deleted_from_the_admin(admin_site_client, order):
    notification = Notification.objects.filter(order=order).first()
    changelist = admin_site_client.get(reverse("admin:notifications_notification_changelist"))

    assert "delete_selected" not in dict(changelist.context["action_form"].fields["action"].choices)
    assert (
        admin_site_client.get(reverse("admin:notifications_notification_delete", args=[notification.pk])).status_code
        == 403
    )
    refused = admin_site_client.post(
        reverse("admin:notifications_notification_changelist"),
        {"action": "delete_selected", "_selected_action": [notification.pk], "post": "yes"},
        follow=True,
    )
    assert [str(m) for m in refused.context["messages"]] == ["No action selected."]
    assert Notification.objects.filter(pk=notification.pk).exists()
