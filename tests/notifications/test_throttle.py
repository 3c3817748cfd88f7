"""The send rate per provider (NOTIFICATION_SMS_RATE_PER_S) and the jitter of retries."""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications.delivery import retry_at
from notifications.models import Channel, Notification, NotificationStatus
from notifications.services import notification_send
from notifications.throttle import send_slot_acquire
from tests.notifications.helpers import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_rate(settings):
    settings.NOTIFICATION_SMS_RATE_PER_S = 2
    cache.clear()
    yield
    cache.clear()


def start_of_a_second() -> None:
    """Just after a second boundary, so the calls that follow fall in one one-second window."""
    time.sleep(1.02 - time.time() % 1)


def test_at_most_the_rate_of_sends_start_in_one_second(sms_rate):
    start_of_a_second()
    taken = [send_slot_acquire(Channel.SMS, wait_s=0) for _ in range(5)]

    assert taken == [True, True, False, False, False]
    assert send_slot_acquire(Channel.EMAIL, wait_s=0)  # email has no limit set
    assert send_slot_acquire(Channel.SMS, wait_s=1.5)  # the next window has room again


def test_a_notification_without_a_send_slot_is_not_claimed_and_is_queued_again(
    sms_rate, settings, at_settings, fake_at
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.NOTIFICATION_TIMEOUT_S = 0.5  # less than the wait for the next window
    orders = [place_order() for _ in range(3)]
    DBTaskResult.objects.all().delete()
    sms = [Notification.objects.get(order=order, channel=Channel.SMS) for order in orders]
    start_of_a_second()

    results = [notification_send(notification_id=n.pk) for n in sms]

    assert [r.status if r else None for r in results] == [NotificationStatus.SENT, NotificationStatus.SENT, None]
    assert len(fake_at.requests) == 2
    waiting = Notification.objects.get(pk=sms[2].pk)
    assert (waiting.status, waiting.attempts) == (NotificationStatus.PENDING, 0)
    [again] = DBTaskResult.objects.all()
    assert again.args_kwargs["args"] == [waiting.pk]
    assert timedelta(0) < again.run_after - timezone.now() <= timedelta(seconds=2)


def test_retries_come_due_spread_within_the_jitter(settings):
    settings.NOTIFICATION_RETRY_BASE_S = 100
    settings.NOTIFICATION_RETRY_JITTER = 0.5

    delays = [(retry_at(1) - timezone.now()).total_seconds() for _ in range(200)]

    assert all(49 < delay <= 100 for delay in delays)
    assert max(delays) - min(delays) > 25  # spread out, not one instant
