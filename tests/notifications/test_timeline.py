"""Each change of an order's notifications on the order's timeline: queued, sent, failed, resent, reported."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.utils import timezone

from notifications import status
from notifications.models import Channel, Notification, NotificationStatus
from notifications.services import notification_resend, notification_send
from orders.events import Actor, ActorType, EventSource
from orders.models import OrderEvent, OrderEventKind
from orders.services import order_create
from tests.factories import CustomerFactory, ProductFactory, UserFactory
from tests.notifications.fakes import Reply, refused_recipient

pytestmark = pytest.mark.django_db

SECRET = "callback-secret-0123456789"


def notification_events(order) -> list[tuple]:
    """(kind, channel, outcome, actor type, user id, source) of each notification event, oldest first."""
    return [
        (e.kind, e.data["channel"], e.data["outcome"], e.actor_type, e.user_id, e.source)
        for e in OrderEvent.objects.filter(order=order).exclude(kind=OrderEventKind.PLACED).order_by("created_at", "id")
    ]


def place(customer=None):
    product = ProductFactory(stock=5)
    return order_create(customer=customer or CustomerFactory(), items=[{"product": product.pk, "quantity": 1}]).order


SYSTEM_TASK = (ActorType.SYSTEM, None, EventSource.TASK)
SYSTEM_API = (ActorType.SYSTEM, None, EventSource.API)


def test_placing_queues_both_notifications_and_delivery_marks_them_sent(
    locmem_sms, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place()

    sms, email = (Notification.objects.get(order=order, channel=c) for c in (Channel.SMS, Channel.EMAIL))
    events = list(OrderEvent.objects.filter(order=order).order_by("created_at", "id"))
    assert [e.kind for e in events] == [
        OrderEventKind.PLACED,
        OrderEventKind.NOTIFICATION_QUEUED,
        OrderEventKind.NOTIFICATION_QUEUED,
        OrderEventKind.NOTIFICATION_SENT,
        OrderEventKind.NOTIFICATION_SENT,
    ]
    # queued through the order's own request (the API by default), sent by a task
    assert {(e.data["notification"], e.source) for e in events[1:3]} == {
        (sms.pk, EventSource.API),
        (email.pk, EventSource.API),
    }
    assert {(e.data["notification"], e.data["channel"], e.source) for e in events[3:]} == {
        (sms.pk, "sms", EventSource.TASK),
        (email.pk, "email", EventSource.TASK),
    }
    assert all(e.actor_type == ActorType.SYSTEM and e.user_id is None for e in events[1:])


def test_a_notification_that_cannot_be_sent_is_failed_on_the_timeline_with_the_reason(
    settings, locmem_sms, django_capture_on_commit_callbacks
):
    settings.ORDER_NOTIFICATION_EMAILS, settings.ADMINS = [], []
    with django_capture_on_commit_callbacks(execute=True):
        order = place(CustomerFactory(phone=""))

    failed = OrderEvent.objects.filter(order=order, kind=OrderEventKind.NOTIFICATION_FAILED).order_by("id")
    assert [(e.data["channel"], e.data["outcome"]) for e in failed] == [("sms", "failed"), ("email", "failed")]
    assert failed[0].data["detail"] == "The customer has no phone number."
    assert "No staff address" in failed[1].data["detail"]


def test_a_transient_failure_a_retry_by_the_command_and_a_staff_resend(
    at_settings, fake_at, django_capture_on_commit_callbacks
):
    at_settings.NOTIFICATION_MAX_ATTEMPTS = 2
    fake_at.default = lambda r: Reply(500, b"Internal Server Error", "text/plain")
    staff = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        order = place()
    sms = Notification.objects.get(order=order, channel=Channel.SMS)

    call_command("retry_notifications", "--now")  # second attempt: out of attempts
    fake_at.default = None
    with django_capture_on_commit_callbacks(execute=True):
        notification_resend(notification=sms, actor=Actor.of(staff), source=EventSource.ADMIN)

    sms_events = [event for event in notification_events(order) if event[1] == "sms"]
    assert sms_events == [
        (OrderEventKind.NOTIFICATION_QUEUED, "sms", "queued", *SYSTEM_API),
        (OrderEventKind.NOTIFICATION_FAILED, "sms", "retry", *SYSTEM_TASK),
        (OrderEventKind.NOTIFICATION_FAILED, "sms", "failed", *SYSTEM_TASK),
        (OrderEventKind.NOTIFICATION_RESENT, "sms", "resent", ActorType.STAFF, staff.pk, EventSource.ADMIN),
        (OrderEventKind.NOTIFICATION_SENT, "sms", "sent", *SYSTEM_TASK),
    ]
    retry = OrderEvent.objects.get(order=order, kind=OrderEventKind.NOTIFICATION_FAILED, data__outcome="retry")
    assert "Internal Server Error" in retry.data["detail"]


def test_a_permanent_rejection_is_one_failed_event(at_settings, fake_at, django_capture_on_commit_callbacks):
    fake_at.default = lambda r: refused_recipient(r["form"]["to"], 406, "UserInBlacklist")
    with django_capture_on_commit_callbacks(execute=True):
        order = place()

    assert [e for e in notification_events(order) if e[1] == "sms"] == [
        (OrderEventKind.NOTIFICATION_QUEUED, "sms", "queued", *SYSTEM_API),
        (OrderEventKind.NOTIFICATION_FAILED, "sms", "failed", *SYSTEM_TASK),
    ]


def test_stale_claims_released_by_the_command_are_on_the_timeline(
    at_settings, fake_at, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        order = place()
    OrderEvent.objects.filter(order=order).delete()
    long_ago = timezone.now() - timedelta(seconds=at_settings.NOTIFICATION_CLAIM_TIMEOUT_S + 1)
    Notification.objects.filter(order=order).update(
        status=NotificationStatus.SENDING, claimed_at=long_ago, claim_token="dead-worker", attempts=1
    )

    call_command("retry_notifications")

    system_command = (ActorType.SYSTEM, None, EventSource.COMMAND)
    assert notification_events(order) == [
        (OrderEventKind.NOTIFICATION_FAILED, "email", "released", *system_command),
        (OrderEventKind.NOTIFICATION_FAILED, "sms", "abandoned", *system_command),
        (OrderEventKind.NOTIFICATION_SENT, "email", "sent", *SYSTEM_TASK),
    ]


def test_delivery_reports_are_on_the_timeline(
    settings, api_client, at_settings, fake_at, django_capture_on_commit_callbacks
):
    settings.AFRICASTALKING_CALLBACK_SECRET = SECRET
    with django_capture_on_commit_callbacks(execute=True):
        order = place()
    OrderEvent.objects.filter(order=order).delete()

    for report, reason in [("Success", ""), ("Failed", "UserInBlackList")]:
        body = urlencode({"id": "ATXid_1", "status": report, "phoneNumber": "+254700000000", "failureReason": reason})
        response = api_client.generic(
            "POST",
            f"/api/v1/notifications/sms/delivery-reports?secret={SECRET}",
            body,
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200

    events = list(OrderEvent.objects.filter(order=order).order_by("id"))
    assert [(e.kind, e.data["outcome"], e.data["detail"], e.source) for e in events] == [
        (OrderEventKind.DELIVERY_REPORT, "delivered", "Success", EventSource.API),
        (OrderEventKind.DELIVERY_REPORT, "undelivered", "Failed: UserInBlackList", EventSource.API),
    ]


def test_a_claim_that_finds_nothing_to_send_records_nothing(locmem_sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place()
    before = OrderEvent.objects.filter(order=order).count()

    assert notification_send(notification_id=Notification.objects.filter(order=order).first().pk) is None

    assert OrderEvent.objects.filter(order=order).count() == before


@pytest.mark.django_db(transaction=True)
def test_losing_a_timeline_entry_after_a_send_keeps_the_outcome(locmem_sms, mailoutbox, monkeypatch, caplog):
    # the entries written after a provider call stand alone (no transaction): the "sent" ones fail to insert
    record = status.order_event_record_many

    def sent_ones_fail(events):
        events = list(events)
        if any(event.kind == OrderEventKind.NOTIFICATION_SENT for event in events):
            raise DatabaseError("the events table is unavailable")
        return record(events)

    monkeypatch.setattr(status, "order_event_record_many", sent_ones_fail)

    order = place()  # committed; the immediate backend delivers after the commit

    assert set(Notification.objects.filter(order=order).values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert len(locmem_sms) == 1 and len(mailoutbox) == 1
    assert caplog.text.count("on the order timeline failed") == 2
    assert [e.kind for e in OrderEvent.objects.filter(order=order).order_by("id")] == [
        OrderEventKind.PLACED,
        OrderEventKind.NOTIFICATION_QUEUED,
        OrderEventKind.NOTIFICATION_QUEUED,
    ]
