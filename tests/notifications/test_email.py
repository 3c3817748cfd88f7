"""Staff email through a real SMTP server on loopback (aiosmtpd)."""

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from notifications.delivery import notification_send
from notifications.models import Channel, Notification, NotificationStatus
from notifications.transports.email import email_close_connection
from tests.notifications.fakes import RecordingHandler, free_port
from tests.notifications.helpers import place_order

pytestmark = pytest.mark.django_db


def email_of(order) -> Notification:
    return Notification.objects.get(order=order, channel=Channel.EMAIL)


def test_order_email_is_delivered_over_smtp(locmem_sms, smtp_server, settings, django_capture_on_commit_callbacks):
    settings.ORDER_NOTIFICATION_EMAILS = ["Shop Ops <ops@example.com>", "sales@example.com"]
    settings.DEFAULT_FROM_EMAIL = "shop@example.com"

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(lines=3)

    [message] = smtp_server.messages
    assert message["from"] == "shop@example.com"
    assert message["to"] == ["ops@example.com", "sales@example.com"]
    assert f"Subject: New order #{order.pk}: KES {order.total:,.2f}" in message["data"]
    assert f"Total: KES {order.total:,.2f}" in message["data"]
    for line in order.lines.all():
        assert line.sku in message["data"]
    email = email_of(order)
    assert email.status == NotificationStatus.SENT
    assert email.provider_message_id in message["data"]


def test_smtp_server_down_is_transient_and_retried_once_it_is_back(
    locmem_sms, settings, closed_port, django_capture_on_commit_callbacks
):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port, "timeout": 10},
        }
    }

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()

    email = email_of(order)
    assert email.status == NotificationStatus.FAILED and email.next_attempt_at is not None
    assert "ConnectionRefusedError" in email.last_error

    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=closed_port)
    controller.start()
    try:
        call_command("retry_notifications", "--now")
    finally:
        controller.stop()

    email.refresh_from_db()
    assert email.status == NotificationStatus.SENT and email.attempts == 2
    assert len(handler.messages) == 1


def test_recipients_refused_is_permanent(locmem_sms, smtp_server, settings, django_capture_on_commit_callbacks):
    smtp_server.refuse_rcpt = True

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()

    email = email_of(order)
    assert email.status == NotificationStatus.FAILED and email.next_attempt_at is None
    assert "refused" in email.last_error
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("reply", "retryable"),
    [("451 4.3.0 Mailbox busy, try again later", True), ("554 5.7.1 Message rejected as spam", False)],
)
def test_smtp_refusal_at_data_is_classified_by_its_code(
    locmem_sms, smtp_server, reply, retryable, django_capture_on_commit_callbacks
):
    smtp_server.data_reply = reply

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()

    email = email_of(order)
    assert email.status == NotificationStatus.FAILED
    assert (email.next_attempt_at is not None) is retryable
    assert reply[:3] in email.last_error


def test_one_threads_emails_share_one_smtp_connection_and_a_dropped_one_is_opened_again(locmem_sms, settings):
    handler = RecordingHandler()
    port = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    settings.ORDER_NOTIFICATION_EMAILS = ["ops@example.com"]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for _ in range(3):
            order = place_order()
            notification_send(notification_id=email_of(order).pk)
        assert len(handler.messages) == 3
        assert len({message["peer"] for message in handler.messages}) == 1

        controller.stop()  # the server goes away with the kept connection, and comes back
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        order = place_order()
        sent = notification_send(notification_id=email_of(order).pk)
    finally:
        controller.stop()
        email_close_connection()

    assert sent.status == NotificationStatus.SENT
    assert len(handler.messages) == 4
    assert handler.messages[-1]["peer"] != handler.messages[0]["peer"]
