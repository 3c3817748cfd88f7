"""POST /api/v1/notifications/sms/delivery-reports: Africa's Talking's delivery reports."""

from urllib.parse import urlencode

import pytest
from django.core.management import call_command

from notifications.models import Channel, Notification, NotificationStatus
from tests.notifications.helpers import place_order

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/sms/delivery-reports"
SECRET = "callback-secret-0123456789"


@pytest.fixture
def callback_secret(settings):
    settings.AFRICASTALKING_CALLBACK_SECRET = SECRET
    return SECRET


@pytest.fixture
def sent_sms(at_settings, fake_at, django_capture_on_commit_callbacks) -> Notification:
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    sms = Notification.objects.get(order=order, channel=Channel.SMS)
    assert sms.status == NotificationStatus.SENT and sms.provider_message_id == "ATXid_1"
    return sms


def report(api_client, data, *, secret=SECRET):
    query = f"?secret={secret}" if secret is not None else ""
    return api_client.generic("POST", URL + query, _form(data), content_type="application/x-www-form-urlencoded")


def _form(data: dict) -> str:
    return urlencode(data)


def test_success_report_marks_the_sms_delivered(api_client, callback_secret, sent_sms):
    response = report(api_client, {"id": "ATXid_1", "status": "Success", "phoneNumber": sent_sms.recipient})

    assert response.status_code == 200
    assert response.json() == {"id": "ATXid_1", "matched": True, "notification": sent_sms.pk, "status": "sent"}
    sent_sms.refresh_from_db()
    assert sent_sms.provider_status == "Success" and sent_sms.delivered_at is not None


def test_failed_report_marks_it_failed_with_the_reason_and_it_is_not_resent(
    api_client, callback_secret, sent_sms, fake_at
):
    response = report(
        api_client,
        {"id": "ATXid_1", "status": "Failed", "phoneNumber": sent_sms.recipient, "failureReason": "UserInBlackList"},
    )

    assert response.status_code == 200 and response.json()["status"] == "failed"
    sent_sms.refresh_from_db()
    assert sent_sms.status == NotificationStatus.FAILED and sent_sms.next_attempt_at is None
    assert sent_sms.last_error == "Not delivered (Failed): UserInBlackList"
    call_command("retry_notifications", "--now")
    assert len(fake_at.requests) == 1


def test_rejected_report_marks_it_failed(api_client, callback_secret, sent_sms):
    report(api_client, {"id": "ATXid_1", "status": "Rejected", "failureReason": "DeliveryFailure"})

    sent_sms.refresh_from_db()
    assert sent_sms.status == NotificationStatus.FAILED and "DeliveryFailure" in sent_sms.last_error


def test_intermediate_report_never_overwrites_a_final_one(api_client, callback_secret, sent_sms):
    report(api_client, {"id": "ATXid_1", "status": "Success"})
    report(api_client, {"id": "ATXid_1", "status": "Buffered"})

    sent_sms.refresh_from_db()
    assert sent_sms.provider_status == "Success" and sent_sms.status == NotificationStatus.SENT


def test_an_intermediate_report_after_the_send_is_kept_and_the_final_one_after_it(
    api_client, callback_secret, sent_sms
):
    assert sent_sms.provider_status == "Success" and sent_sms.delivered_at is None  # the send's answer: accepted

    report(api_client, {"id": "ATXid_1", "status": "Buffered"})
    sent_sms.refresh_from_db()
    assert sent_sms.provider_status == "Buffered" and sent_sms.status == NotificationStatus.SENT

    report(api_client, {"id": "ATXid_1", "status": "Success"})
    report(api_client, {"id": "ATXid_1", "status": "Sent"})
    sent_sms.refresh_from_db()
    assert sent_sms.provider_status == "Success" and sent_sms.delivered_at is not None


def test_an_intermediate_report_never_overwrites_an_undelivered_one(api_client, callback_secret, sent_sms):
    report(api_client, {"id": "ATXid_1", "status": "Failed", "failureReason": "UserInBlacklist"})
    report(api_client, {"id": "ATXid_1", "status": "Buffered"})

    sent_sms.refresh_from_db()
    assert sent_sms.provider_status == "Failed" and sent_sms.status == NotificationStatus.FAILED


def test_secret_in_the_header_is_accepted(api_client, callback_secret, sent_sms):
    response = api_client.generic(
        "POST",
        URL,
        _form({"id": "ATXid_1", "status": "Success"}),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_CALLBACK_SECRET=SECRET,
    )

    assert response.status_code == 200 and response.json()["matched"] is True


def test_unknown_message_id_is_acknowledged_and_changes_nothing(api_client, callback_secret, sent_sms):
    response = report(api_client, {"id": "ATXid_999", "status": "Failed"})

    assert response.status_code == 200
    assert response.json() == {"id": "ATXid_999", "matched": False, "notification": None, "status": None}
    sent_sms.refresh_from_db()
    assert sent_sms.status == NotificationStatus.SENT


@pytest.mark.parametrize(
    ("secret", "status_code"),
    [(None, 401), ("", 401), ("wrong-secret", 403), (SECRET[:-1], 403)],
)
def test_missing_or_wrong_secret_is_refused_and_changes_nothing(
    api_client, callback_secret, sent_sms, secret, status_code
):
    response = report(api_client, {"id": "ATXid_1", "status": "Failed"}, secret=secret)

    assert response.status_code == status_code
    assert response["Content-Type"] == "application/problem+json"
    sent_sms.refresh_from_db()
    assert sent_sms.status == NotificationStatus.SENT and sent_sms.provider_status == "Success"
    assert sent_sms.delivered_at is None


def test_endpoint_is_off_without_a_configured_secret(api_client, settings, sent_sms):
    settings.AFRICASTALKING_CALLBACK_SECRET = ""

    response = report(api_client, {"id": "ATXid_1", "status": "Failed"}, secret="anything")

    assert response.status_code == 404
    sent_sms.refresh_from_db()
    assert sent_sms.status == NotificationStatus.SENT


def test_invalid_report_is_a_400_problem(api_client, callback_secret, sent_sms):
    response = report(api_client, {"status": "Failed"})

    assert response.status_code == 400
    assert response.json()["errors"] == {"id": ["This field is required."]}
    sent_sms.refresh_from_db()
    assert sent_sms.status == NotificationStatus.SENT


def test_json_body_is_415(api_client, callback_secret, sent_sms):
    response = api_client.post(f"{URL}?secret={SECRET}", {"id": "ATXid_1", "status": "Failed"}, format="json")

    assert response.status_code == 415
    sent_sms.refresh_from_db()
    assert sent_sms.status == NotificationStatus.SENT


def test_trailing_slash_answers_the_same(api_client, callback_secret, sent_sms):
    response = api_client.generic(
        "POST",
        f"{URL}/?secret={SECRET}",
        _form({"id": "ATXid_1", "status": "Success"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200


def test_metrics_show_notification_counters(api_client, locmem_sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        place_order()

    body = api_client.get("/metrics").content.decode()

    assert 'ecommerce_notifications_total{channel="sms",outcome="sent"}' in body
    assert "ecommerce_notification_delivery_latency_seconds_bucket" in body
