"""Notifications in the back office: the audit log, filtered by channel and status, and the resend action."""

import pytest
from django.urls import reverse

from notifications import sms
from notifications.models import NotificationStatus
from tests.factories import NotificationFactory, OrderFactory

pytestmark = pytest.mark.django_db

NOTIFICATIONS = reverse("admin:notifications_notification_changelist")


@pytest.fixture(autouse=True)
def _sms_to_memory(settings):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def failed_sms():
    return NotificationFactory(
        order=OrderFactory(), status=NotificationStatus.FAILED, attempts=5, last_error="provider timed out"
    )


def listed(response) -> set[int]:
    return {notification.pk for notification in response.context["cl"].result_list}


def test_filters_by_channel_and_status(admin_site_client, failed_sms):
    sent_email = NotificationFactory(channel="email", recipient="ops@example.com", status=NotificationStatus.SENT)

    assert listed(admin_site_client.get(NOTIFICATIONS, {"channel__exact": "sms"})) == {failed_sms.pk}
    assert listed(admin_site_client.get(NOTIFICATIONS, {"channel__exact": "email"})) == {sent_email.pk}
    assert listed(admin_site_client.get(NOTIFICATIONS, {"status__exact": "failed"})) == {failed_sms.pk}


def test_resend_delivers_a_failed_notification_once(admin_site_client, failed_sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_site_client.post(
            NOTIFICATIONS, {"action": "resend", "_selected_action": [failed_sms.pk]}, follow=True
        )

    failed_sms.refresh_from_db()
    assert failed_sms.status == NotificationStatus.SENT
    assert len(sms.outbox) == 1
    assert [str(message) for message in response.context["messages"]] == [
        f"Resend scheduled for notification(s) #{failed_sms.pk}."
    ]


def test_resending_a_sent_notification_is_refused_with_a_message(admin_site_client):
    sent = NotificationFactory(status=NotificationStatus.SENT, attempts=1)

    response = admin_site_client.post(NOTIFICATIONS, {"action": "resend", "_selected_action": [sent.pk]}, follow=True)

    assert response.status_code == 200
    [message] = response.context["messages"]
    assert message.level_tag == "error" and f"#{sent.pk}" in str(message)
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (NotificationStatus.SENT, 1)
    assert sms.outbox == []


def test_the_audit_log_is_read_only(admin_site_client, failed_sms):
    page = admin_site_client.get(reverse("admin:notifications_notification_change", args=[failed_sms.pk]))

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert admin_site_client.get(reverse("admin:notifications_notification_add")).status_code == 403


def test_resend_from_the_notifications_own_page(admin_site_client, failed_sms, django_capture_on_commit_callbacks):
    page_url = reverse("admin:notifications_notification_change", args=[failed_sms.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_site_client.post(
            page_url, {"CHANGE_FORM-action": "resend", "_selected_action": str(failed_sms.pk)}, follow=True
        )

    assert response.redirect_chain == [(page_url, 302)]
    failed_sms.refresh_from_db()
    assert failed_sms.status == NotificationStatus.SENT
    assert len(sms.outbox) == 1
