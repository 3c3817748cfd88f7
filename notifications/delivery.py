"""Delivering one notification: claim it, hand it to its transport, record the outcome, schedule a retry.

`notification_send` is what the `notification_deliver` task runs. The claim (a conditional UPDATE in
`notifications.status`) comes before any provider call, so any number of workers and threads can run
the same task and at most one of them sends.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from notifications import status
from notifications.exceptions import DeliveryError, TransientDeliveryError, UncertainDeliveryError
from notifications.models import Channel, Notification
from notifications.queue import notification_enqueue
from notifications.transports import transport_send

logger = logging.getLogger(__name__)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the given number of failed attempts: base, 2 x base, 4 x base... capped."""
    seconds = settings.NOTIFICATION_RETRY_BASE_S * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.NOTIFICATION_RETRY_MAX_S))


def notification_send(*, notification_id: int) -> Notification | None:
    """Claim one notification and deliver it through its channel, recording the outcome.

    Claims with a conditional UPDATE (pending, or failed and due → sending, with a fresh claim token and
    attempts + 1); returns None without sending when the claim fails (sent, being sent, not due, gone).
    The provider is called outside any transaction, bounded by NOTIFICATION_TIMEOUT_S. Transient
    failures are retried with exponential backoff up to NOTIFICATION_MAX_ATTEMPTS (scheduled with
    `run_after` where the tasks backend supports it); permanent and uncertain ones are final.
    Delivery failures are recorded, never raised.
    """
    token = status.notification_claim(notification_id=notification_id)
    if token is None:
        logger.info("Notification %s not claimed (already sent, in flight or not due)", notification_id)
        return None
    notification = Notification.objects.select_related("order").get(pk=notification_id)

    try:
        provider_message_id, provider_status = transport_send(notification)
    except DeliveryError as error:
        return _record_failure(notification, token, error)
    except Exception as error:
        logger.exception("Unexpected error delivering notification %s", notification.pk)
        # Anything unexpected on the SMS path may have happened after the provider took the message.
        kind = UncertainDeliveryError if notification.channel == Channel.SMS else TransientDeliveryError
        return _record_failure(notification, token, kind(f"{type(error).__name__}: {error}"))
    status.notification_mark_sent(
        notification, token=token, provider_message_id=provider_message_id, provider_status=provider_status
    )
    logger.info(
        "Notification %s (%s, order %s) sent, provider id %s",
        notification.pk,
        notification.channel,
        notification.order_id,
        provider_message_id,
    )
    notification.refresh_from_db()
    return notification


def _record_failure(notification: Notification, token: str, error: DeliveryError) -> Notification:
    attempts = notification.attempts  # already counts this attempt (the claim incremented it)
    text = str(error)
    next_attempt_at = None
    if isinstance(error, TransientDeliveryError):
        if attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
            next_attempt_at = timezone.now() + retry_delay(attempts)
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
        provider_status=error.provider_status or ("unknown" if outcome == "uncertain" else ""),
        provider_message_id=error.provider_message_id,
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
    notification.refresh_from_db()
    return notification
