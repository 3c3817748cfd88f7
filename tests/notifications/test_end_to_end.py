"""Through the real order creation (POST /api/v1/orders): a provider that is down or slow never fails the
order, and once it is back every SMS goes out exactly once (SPEC §4.6, §6)."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from notifications.models import Channel, Notification, NotificationStatus
from orders.models import Order
from tests.factories import CustomerFactory, ProductFactory
from tests.notifications.fakes import FakeAfricasTalking, Reply

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/orders"


def place_through_api(customer, product, quantity: int = 1):
    client = APIClient()
    client.force_authenticate(customer.user)
    return client.post(ORDERS, {"items": [{"product": product.pk, "quantity": quantity}]}, format="json")


def test_orders_placed_during_an_outage_succeed_and_each_sms_is_sent_once_when_it_is_back(
    at_settings, closed_port, mailoutbox, django_capture_on_commit_callbacks
):
    at_settings.AFRICASTALKING_API_URL = f"http://127.0.0.1:{closed_port}"  # refused: the provider is down
    product = ProductFactory(stock=10)
    customers = [CustomerFactory() for _ in range(3)]

    for customer in customers:
        with django_capture_on_commit_callbacks(execute=True):
            response = place_through_api(customer, product)
        assert response.status_code == 201, response.content

    assert Order.objects.count() == 3
    product.refresh_from_db()
    assert product.stock == 7
    sms_rows = Notification.objects.filter(channel=Channel.SMS)
    assert sms_rows.count() == 3
    assert all(n.status == NotificationStatus.FAILED and n.next_attempt_at for n in sms_rows)
    assert len(mailoutbox) == 3

    provider = FakeAfricasTalking(port=closed_port)  # back up
    try:
        call_command("retry_notifications", "--now")
        call_command("retry_notifications", "--now")
    finally:
        provider.stop()

    assert sorted(r["form"]["to"] for r in provider.requests) == sorted(str(c.phone) for c in customers)
    assert all(n.status == NotificationStatus.SENT and n.attempts == 2 for n in sms_rows.all())
    assert len(mailoutbox) == 3


def test_a_slow_provider_does_not_fail_the_order(at_settings, fake_at, mailoutbox, django_capture_on_commit_callbacks):
    at_settings.NOTIFICATION_TIMEOUT_S = 0.3
    fake_at.default = lambda r: Reply(201, b"{}", delay=1.5)

    with django_capture_on_commit_callbacks(execute=True):
        response = place_through_api(CustomerFactory(), ProductFactory(stock=5), quantity=2)

    assert response.status_code == 201
    order = Order.objects.get(pk=response.json()["id"])
    sms = Notification.objects.get(order=order, channel=Channel.SMS)
    assert sms.status == NotificationStatus.FAILED and sms.provider_status == "unknown"
    assert Notification.objects.get(order=order, channel=Channel.EMAIL).status == NotificationStatus.SENT


def test_with_the_database_backend_order_creation_only_queues(
    settings, at_settings, fake_at, mailoutbox, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    with django_capture_on_commit_callbacks(execute=True):
        response = place_through_api(CustomerFactory(), ProductFactory(stock=5))

    assert response.status_code == 201
    assert DBTaskResult.objects.count() == 2
    assert fake_at.requests == [] and mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_a_real_commit_delivers_both_messages_within_the_request(at_settings, fake_at, mailoutbox):
    customer = CustomerFactory(phone="+254722000333")

    response = place_through_api(customer, ProductFactory(stock=5), quantity=3)

    assert response.status_code == 201
    rows = {n.channel: n for n in Notification.objects.filter(order_id=response.json()["id"])}
    assert rows[Channel.SMS].status == NotificationStatus.SENT and rows[Channel.EMAIL].status == NotificationStatus.SENT
    assert [r["form"]["to"] for r in fake_at.requests] == ["+254722000333"]
    assert f"Total: KES {response.json()['total']}" in mailoutbox[0].body.replace(",", "")
