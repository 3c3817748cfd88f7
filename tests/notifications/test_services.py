"""Recording, delivery, retries, claims and resends, with the immediate tasks backend (the default)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from prometheus_client import REGISTRY

from notifications.exceptions import NotificationNotResendable
from notifications.models import Channel, Notification, NotificationStatus
from notifications.services import notification_resend, notification_retry_due, notification_send, retry_delay
from notifications.sms import SmsSent
from tests.factories import CustomerFactory
from tests.notifications.fakes import Reply, refused_recipient
from tests.notifications.helpers import place_order

pytestmark = pytest.mark.django_db


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def by_channel(order) -> dict[str, Notification]:
    return {n.channel: n for n in Notification.objects.filter(order=order)}


def test_placing_an_order_records_one_sms_and_one_email_in_its_transaction(
    locmem_sms, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(first_name="Amina", phone="+254712000111")

    with django_capture_on_commit_callbacks() as callbacks:
        order = place_order(customer)

    rows = by_channel(order)
    assert set(rows) == {Channel.SMS, Channel.EMAIL}
    assert rows[Channel.SMS].recipient == "+254712000111"
    assert f"order #{order.pk}" in rows[Channel.SMS].message and "Amina" in rows[Channel.SMS].message
    assert rows[Channel.EMAIL].recipient == "ops@example.com"
    assert all(n.status == NotificationStatus.PENDING and n.attempts == 0 for n in rows.values())
    # delivery waits for the commit (the other callbacks are the catalog's cache invalidation: catalog.cache)
    assert len([callback for callback in callbacks if callback.__module__ != "catalog.cache"]) == 1
    assert locmem_sms == []


def test_a_rolled_back_order_leaves_no_notification_and_sends_nothing(locmem_sms, mailoutbox):
    with pytest.raises(RuntimeError):
        place_order(fail_after_signal=True)

    assert Notification.objects.count() == 0
    assert locmem_sms == [] and mailoutbox == []


def test_after_commit_the_sms_and_the_staff_email_are_delivered(
    locmem_sms, mailoutbox, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(first_name="Amina", last_name="Otieno", phone="+254712000111")
    sent_before = sample("ecommerce_notifications_total", channel="sms", outcome="sent")
    latency_before = sample("ecommerce_notification_delivery_latency_seconds_count", channel="email")

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(customer, lines=2)

    rows = by_channel(order)
    assert [m.to for m in locmem_sms] == ["+254712000111"]
    assert rows[Channel.SMS].status == NotificationStatus.SENT
    assert rows[Channel.SMS].provider_message_id == locmem_sms[0].provider_message_id
    assert rows[Channel.SMS].attempts == 1 and rows[Channel.SMS].sent_at is not None
    [email] = mailoutbox
    assert email.to == ["ops@example.com"]
    assert email.subject == f"New order #{order.pk}: KES {order.total:,.2f}"
    lines = list(order.lines.all())
    for line in lines:
        assert f"{line.quantity} x {line.product_name} ({line.sku})" in email.body
    assert f"Total: KES {order.total:,.2f}" in email.body
    assert "Amina Otieno" in email.body and customer.user.email in email.body
    assert rows[Channel.EMAIL].status == NotificationStatus.SENT
    assert rows[Channel.EMAIL].provider_message_id == email.extra_headers["Message-ID"]
    assert sample("ecommerce_notifications_total", channel="sms", outcome="sent") == sent_before + 1
    assert sample("ecommerce_notification_delivery_latency_seconds_count", channel="email") == latency_before + 1


def test_customer_without_phone_gets_a_failed_sms_row_with_the_reason(locmem_sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(CustomerFactory(phone=""))

    rows = by_channel(order)
    assert rows[Channel.SMS].status == NotificationStatus.FAILED
    assert rows[Channel.SMS].last_error == "The customer has no phone number."
    assert rows[Channel.SMS].next_attempt_at is None and rows[Channel.SMS].attempts == 0
    assert rows[Channel.EMAIL].status == NotificationStatus.SENT
    assert locmem_sms == []


def test_staff_email_falls_back_to_admins(settings, locmem_sms, mailoutbox, django_capture_on_commit_callbacks):
    settings.ORDER_NOTIFICATION_EMAILS = []
    settings.ADMINS = ["Ops Team <ops@shop.example>", "boss@shop.example"]

    with django_capture_on_commit_callbacks(execute=True):
        place_order()

    assert mailoutbox[0].to == ["Ops Team <ops@shop.example>", "boss@shop.example"]


def test_no_staff_address_records_a_failed_email(settings, locmem_sms, mailoutbox, django_capture_on_commit_callbacks):
    settings.ORDER_NOTIFICATION_EMAILS = []
    settings.ADMINS = []

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()

    email = by_channel(order)[Channel.EMAIL]
    assert email.status == NotificationStatus.FAILED and "ORDER_NOTIFICATION_EMAILS" in email.last_error
    assert mailoutbox == []


def test_backoff_doubles_from_the_base_and_is_capped_at_an_hour(settings):
    settings.NOTIFICATION_RETRY_BASE_S = 30

    assert [retry_delay(n).total_seconds() for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1920, 3600]


def test_transient_failure_is_retried_with_backoff_until_the_attempts_run_out(
    at_settings, fake_at, django_capture_on_commit_callbacks
):
    at_settings.NOTIFICATION_MAX_ATTEMPTS = 3
    fake_at.default = lambda r: Reply(500, b"Internal Server Error", "text/plain")
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    sms = by_channel(order)[Channel.SMS]
    assert sms.status == NotificationStatus.FAILED and sms.attempts == 1
    assert timedelta(seconds=25) < sms.next_attempt_at - timezone.now() <= timedelta(seconds=30)

    # not due yet: nothing is sent
    assert notification_send(notification_id=sms.pk) is None
    call_command("retry_notifications")
    assert len(fake_at.requests) == 1

    # second attempt: the delay doubles
    Notification.objects.filter(pk=sms.pk).update(next_attempt_at=timezone.now())
    sms = notification_send(notification_id=sms.pk)
    assert sms.attempts == 2
    assert timedelta(seconds=55) < sms.next_attempt_at - timezone.now() <= timedelta(seconds=60)

    # third and last attempt: final failure, no more schedule
    Notification.objects.filter(pk=sms.pk).update(next_attempt_at=timezone.now())
    sms = notification_send(notification_id=sms.pk)
    assert sms.status == NotificationStatus.FAILED and sms.attempts == 3 and sms.next_attempt_at is None
    assert "gave up after 3 attempts" in sms.last_error
    call_command("retry_notifications", "--now")
    assert len(fake_at.requests) == 3


def test_transient_failure_then_success_on_retry(at_settings, fake_at, django_capture_on_commit_callbacks):
    fake_at.script.append(lambda r: refused_recipient(r["form"]["to"], 405, "InsufficientBalance"))
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    sms = by_channel(order)[Channel.SMS]
    assert sms.status == NotificationStatus.FAILED and sms.provider_status == "InsufficientBalance"

    call_command("retry_notifications", "--now")

    sms.refresh_from_db()
    assert sms.status == NotificationStatus.SENT and sms.attempts == 2 and sms.last_error == ""
    assert sms.provider_message_id == "ATXid_1"
    assert len(fake_at.requests) == 2


def test_permanent_rejection_fails_at_once_and_is_never_retried(
    at_settings, fake_at, django_capture_on_commit_callbacks
):
    failed_before = sample("ecommerce_notifications_total", channel="sms", outcome="failed")
    fake_at.default = lambda r: refused_recipient(r["form"]["to"], 406, "UserInBlacklist")
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()

    call_command("retry_notifications", "--now")

    sms = by_channel(order)[Channel.SMS]
    assert sms.status == NotificationStatus.FAILED and sms.attempts == 1 and sms.next_attempt_at is None
    assert sms.provider_status == "UserInBlacklist" and "406" in sms.last_error
    assert len(fake_at.requests) == 1
    assert sample("ecommerce_notifications_total", channel="sms", outcome="failed") == failed_before + 1


def test_timeout_is_uncertain_and_not_retried_automatically(at_settings, fake_at, django_capture_on_commit_callbacks):
    at_settings.NOTIFICATION_TIMEOUT_S = 0.3
    fake_at.script.append(lambda r: Reply(201, b"{}", delay=1.5))
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()

    call_command("retry_notifications", "--now")

    sms = by_channel(order)[Channel.SMS]
    assert sms.status == NotificationStatus.FAILED and sms.next_attempt_at is None
    assert sms.provider_status == "unknown" and "ReadTimeout" in sms.last_error
    assert "resend from the admin" in sms.last_error
    assert len(fake_at.requests) == 1
    assert by_channel(order)[Channel.EMAIL].status == NotificationStatus.SENT


def test_a_notification_is_claimed_once_so_running_its_task_twice_sends_once(
    at_settings, fake_at, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    sms = by_channel(order)[Channel.SMS]

    assert notification_send(notification_id=sms.pk) is None
    call_command("retry_notifications", "--now")

    assert len(fake_at.requests) == 1
    sms.refresh_from_db()
    assert sms.attempts == 1 and sms.status == NotificationStatus.SENT


def test_stale_claims_retry_an_email_but_never_resend_an_sms(
    at_settings, fake_at, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        order = place_order()
    # two workers died mid-send long ago (the claim is older than NOTIFICATION_CLAIM_TIMEOUT_S)
    long_ago = timezone.now() - timedelta(seconds=at_settings.NOTIFICATION_CLAIM_TIMEOUT_S + 1)
    Notification.objects.filter(order=order).update(
        status=NotificationStatus.SENDING, claimed_at=long_ago, claim_token="dead-worker", attempts=1
    )

    call_command("retry_notifications")

    rows = by_channel(order)
    assert rows[Channel.EMAIL].status == NotificationStatus.SENT and rows[Channel.EMAIL].attempts == 2
    assert len(mailoutbox) == 1
    assert rows[Channel.SMS].status == NotificationStatus.FAILED and rows[Channel.SMS].next_attempt_at is None
    assert "may have accepted" in rows[Channel.SMS].last_error
    assert fake_at.requests == []


def test_a_recent_claim_is_left_alone(at_settings, fake_at, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        order = place_order()
    Notification.objects.filter(order=order).update(status=NotificationStatus.SENDING, claimed_at=timezone.now())

    summary = notification_retry_due(ignore_schedule=True)

    assert summary.enqueued == 0 and summary.stale_retried == summary.stale_abandoned == 0
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENDING}
    assert fake_at.requests == []


def test_late_result_of_a_taken_over_claim_does_not_overwrite(settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "tests.notifications.test_services.TakenOverBackend"
    with django_capture_on_commit_callbacks():
        order = place_order()
    sms = by_channel(order)[Channel.SMS]

    notification_send(notification_id=sms.pk)

    sms.refresh_from_db()
    assert sms.last_error == "taken over" and sms.claim_token == "another" and sms.status == NotificationStatus.SENDING


def test_resend_gives_a_failed_notification_a_fresh_start(at_settings, fake_at, django_capture_on_commit_callbacks):
    fake_at.script.append(lambda r: refused_recipient(r["form"]["to"], 403, "InvalidPhoneNumber"))
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    sms = by_channel(order)[Channel.SMS]
    assert sms.status == NotificationStatus.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        notification_resend(notification=sms)

    sms.refresh_from_db()
    assert sms.status == NotificationStatus.SENT and sms.attempts == 1
    assert len(fake_at.requests) == 2


def test_resend_refuses_a_sent_notification(locmem_sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    sms = by_channel(order)[Channel.SMS]

    with pytest.raises(NotificationNotResendable, match="at most once"):
        notification_resend(notification=sms)

    assert len(locmem_sms) == 1


def test_resend_refuses_a_notification_without_recipient(locmem_sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(CustomerFactory(phone=""))

    with pytest.raises(NotificationNotResendable, match="no recipient"):
        notification_resend(notification=by_channel(order)[Channel.SMS])


def test_an_unexpected_backend_error_is_recorded_and_never_raised(settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "tests.notifications.test_services.ExplodingBackend"
    settings.ORDER_NOTIFICATION_EMAILS = ["ops@example.com"]

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()

    sms = by_channel(order)[Channel.SMS]
    assert sms.status == NotificationStatus.FAILED and sms.next_attempt_at is None
    assert "KeyError" in sms.last_error and sms.provider_status == "unknown"


class ExplodingBackend:
    """A backend with a bug (for the test above)."""

    def __init__(self, **kwargs):
        pass

    def send(self, *, to, message):
        raise KeyError("bug")


class TakenOverBackend:
    """While this attempt is in flight, its claim is released and the row taken by another worker."""

    def __init__(self, **kwargs):
        pass

    def send(self, *, to, message):
        Notification.objects.filter(recipient=to).update(claim_token="another", last_error="taken over")
        return SmsSent(provider_message_id="late", provider_status="Success")
