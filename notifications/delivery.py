"""Delivering one notification: claim it, hand it to its transport, record the outcome, schedule a retry.

`notification_send` is what the `notification_deliver` task runs. The claim (a conditional UPDATE in
`notifications.status`) comes before any provider call, so any number of workers and threads can run
the same task and at most one of them sends.
"""

import logging
import random
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.utils import timezone

from notifications import status, throttle
from notifications.exceptions import DeliveryError, TransientDeliveryError, UncertainDeliveryError
from notifications.models import Channel, Notification
from notifications.queue import notification_enqueue
from notifications.transports import transport_send
from orders.events import EventSource

logger = logging.getLogger(__name__)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the given number of failed attempts: base, 2 x base, 4 x base... capped."""
    seconds = settings.NOTIFICATION_RETRY_BASE_S * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.NOTIFICATION_RETRY_MAX_S))


def notification_send(*, notification_id: int, source: EventSource = EventSource.TASK) -> Notification | None:
    """Claim one notification and deliver it through its channel, recording the outcome.

    Claims with a conditional UPDATE (pending, or failed and due → sending, with a fresh claim token and
    attempts + 1); returns None without sending when the claim fails (sent, being sent, not due, gone).
    The provider is called outside any transaction, bounded by NOTIFICATION_TIMEOUT_S. Transient
    failures are retried with exponential backoff up to NOTIFICATION_MAX_ATTEMPTS (scheduled with
    `run_after` where the tasks backend supports it); permanent and uncertain ones are final.
    Delivery failures are recorded, never raised. Each outcome is on the order's timeline, by the system
    through `source`.
    """
    if throttle.any_rate_limited() and not _send_slot(notification_id):
        return None
    token = status.notification_claim(notification_id=notification_id)
    if token is None:
        logger.info("Notification %s not claimed (already sent, in flight or not due)", notification_id)
        return None
    notification = Notification.objects.select_related("order").get(pk=notification_id)

    try:
        provider_message_id, provider_status = transport_send(notification)
    except DeliveryError as error:
        return _record_failure(notification, token, error, source=source)
    except Exception as error:
        logger.exception("Unexpected error delivering notification %s", notification.pk)
        # Anything unexpected on the SMS path may have happened after the provider took the message.
        kind = UncertainDeliveryError if notification.channel == Channel.SMS else TransientDeliveryError
        return _record_failure(notification, token, kind(f"{type(error).__name__}: {error}"), source=source)
    status.notification_mark_sent(
        notification,
        token=token,
        provider_message_id=provider_message_id,
        provider_status=provider_status,
        source=source,
    )
    logger.info(
        "Notification %s (%s, order %s) sent, provider id %s",
        notification.pk,
        notification.channel,
        notification.order_id,
        provider_message_id,
    )
    return notification


def retry_at(attempts: int) -> datetime:
    """When the next attempt is due: `retry_delay` shortened by up to NOTIFICATION_RETRY_JITTER of itself, so
    the retries of messages that failed together (a provider outage) come due spread out, not at once."""
    delay = retry_delay(attempts) * (1 - settings.NOTIFICATION_RETRY_JITTER * random.random())  # noqa: S311
    return timezone.now() + delay


def _send_slot(notification_id: int) -> bool:
    """Wait (at most NOTIFICATION_TIMEOUT_S) for a send slot of this notification's provider, before the
    claim: a worker stopped while waiting has sent nothing and claimed nothing. Without a slot the task
    is queued again a moment later where the backend can defer, else left to `retry_notifications`."""
    channel = Notification.objects.filter(pk=notification_id).values_list("channel", flat=True).first()
    if channel is None:
        return False
    if throttle.send_slot_acquire(channel, wait_s=settings.NOTIFICATION_TIMEOUT_S):
        return True
    logger.info("Notification %s waits for a send slot of its provider (%s)", notification_id, channel)
    later = timezone.now() + timedelta(seconds=1 + random.random())  # noqa: S311
    notification_enqueue(notification_id=notification_id, run_after=later)
    return False


def _record_failure(
    notification: Notification, token: str, error: DeliveryError, *, source: EventSource
) -> Notification:
    attempts = notification.attempts  # already counts this attempt (the claim incremented it)
    text = str(error)
    next_attempt_at = None
    outcome: Literal["retry", "failed", "uncertain"]
    if isinstance(error, TransientDeliveryError):
        if attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
            next_attempt_at = retry_at(attempts)
            outcome = "retry"
        else:
            text = f"{text} (gave up after {attempts} attempts)"
            outcome = "failed"
    elif isinstance(error, UncertainDeliveryError):
        text = f"{text}. {status.UNKNOWN_OUTCOME}" if notification.channel == Channel.SMS else text
        outcome = "uncertain"
    else:
        outcome = "failed"
    status.notification_mark_failed(
        notification,
        token=token,
        outcome=outcome,
        last_error=text,
        next_attempt_at=next_attempt_at,
        provider_status=error.provider_status or (status.UNCERTAIN_PROVIDER_STATUS if outcome == "uncertain" else ""),
        provider_message_id=error.provider_message_id,
        source=source,
    )
    logger.warning(
        "Notification %s (%s, order %s) attempt %s failed (%s): %s",
        notification.pk,
        notification.channel,
        notification.order_id,
        attempts,
        outcome,
        text,
    )
    if next_attempt_at is not None:
        notification_enqueue(notification_id=notification.pk, run_after=next_attempt_at)
    return notification
