"""SPEC §6: orders succeed while the SMS provider is down; once it is back every SMS goes out exactly once."""

import threading

import pytest
from django.core.management import call_command
from django.db import connections

from notifications.models import Channel, Notification, NotificationStatus
from notifications.services import notification_send
from orders.models import Order
from tests.notifications.fakes import FakeAfricasTalking
from tests.notifications.helpers import place_order

pytestmark = pytest.mark.django_db


def test_provider_outage_loses_nothing_and_duplicates_nothing(
    at_settings, closed_port, mailoutbox, django_capture_on_commit_callbacks
):
    at_settings.AFRICASTALKING_API_URL = f"http://127.0.0.1:{closed_port}"  # refused: nobody listens

    orders = []
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            orders.append(place_order())

    assert Order.objects.count() == 3
    sms_rows = Notification.objects.filter(channel=Channel.SMS)
    assert all(n.status == NotificationStatus.FAILED and n.next_attempt_at for n in sms_rows)
    assert all("unreachable" in n.last_error and n.attempts == 1 for n in sms_rows)
    assert len(mailoutbox) == 3

    provider = FakeAfricasTalking(port=closed_port)  # the provider comes back
    try:
        call_command("retry_notifications", "--now")
        call_command("retry_notifications", "--now")  # a second run finds nothing left to send
    finally:
        provider.stop()

    assert len(provider.requests) == 3
    assert sorted(r["form"]["to"] for r in provider.requests) == sorted(str(o.customer.phone) for o in orders)
    for notification in Notification.objects.filter(channel=Channel.SMS):
        assert notification.status == NotificationStatus.SENT and notification.attempts == 2
        assert notification.provider_message_id.startswith("ATXid_") and notification.last_error == ""
    assert len(mailoutbox) == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_notification_send_it_once(mysql_only, at_settings, fake_at):
    order = place_order()  # committed: on_commit ran the first delivery already
    sms = Notification.objects.get(order=order, channel=Channel.SMS)
    assert len(fake_at.requests) == 1
    Notification.objects.filter(pk=sms.pk).update(status=NotificationStatus.PENDING, attempts=0)
    fake_at.requests.clear()
    start = threading.Barrier(8)
    results = []

    def worker():
        try:
            start.wait()
            results.append(notification_send(notification_id=sms.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(fake_at.requests) == 1
    assert sum(result is not None for result in results) == 1
    sms.refresh_from_db()
    assert sms.status == NotificationStatus.SENT and sms.attempts == 1
