"""The notifications app's use-cases, as the rest of the service calls them.

The `order_placed` receiver records (`recording.py`); the delivery task sends (`delivery.py`, through
`transports/`); the cron job retries and the admin resends (here); the API applies delivery reports
(`reports.py`). Every status change goes through `status.py`; queueing through `queue.py`.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications import status
from notifications.delivery import notification_send, retry_delay
from notifications.exceptions import NotificationNotResendable
from notifications.models import Notification, NotificationStatus
from notifications.queue import notification_enqueue, notification_enqueue_many
from notifications.recording import notification_create_for_order, order_notification_emails
from notifications.reports import notification_record_delivery_report
from orders.events import SYSTEM, Actor, EventSource

logger = logging.getLogger(__name__)

__all__ = [
    "RetrySummary",
    "notification_create_for_order",
    "notification_record_delivery_report",
    "notification_recover_stale_claims",
    "notification_resend",
    "notification_retry_due",
    "notification_send",
    "order_notification_emails",
    "retry_delay",
]


@dataclass(frozen=True)
class RetrySummary:
    enqueued: int
    stale_retried: int
    stale_abandoned: int


def notification_recover_stale_claims(
    *, now: datetime | None = None, source: EventSource = EventSource.TASK
) -> tuple[int, int]:
    """Release claims older than NOTIFICATION_CLAIM_TIMEOUT_S (a worker died while sending): an email
    becomes retryable, an SMS failed with "outcome unknown" (never resent automatically). Returns
    (retryable, abandoned)."""
    return status.notification_release_stale_claims(now=now or timezone.now(), source=source)


def notification_retry_due(*, ignore_schedule: bool = False, source: EventSource = EventSource.TASK) -> RetrySummary:
    """Enqueue delivery of pending and retryable failed notifications whose next attempt is due
    (all of them with `ignore_schedule`), after releasing stale claims. Locks nothing: each task
    claims its row, so enqueueing one twice never sends twice."""
    now = timezone.now()
    stale_retried, stale_abandoned = notification_recover_stale_claims(now=now, source=source)
    if ignore_schedule:
        ids = status.notification_make_due(now=now)
    else:
        pending, failed = NotificationStatus.PENDING, NotificationStatus.FAILED
        due = Q(status=pending, next_attempt_at__isnull=True) | Q(
            status__in=[pending, failed], next_attempt_at__lte=now
        )
        ids = list(Notification.objects.filter(due).order_by("pk").values_list("pk", flat=True))
    # thousands due after an outage: queued in one commit with a database backend; the send rate per
    # provider (notifications.throttle) paces how fast they then go out
    enqueued = notification_enqueue_many(notification_ids=ids)
    return RetrySummary(enqueued=enqueued, stale_retried=stale_retried, stale_abandoned=stale_abandoned)


def notification_resend(
    *, notification: Notification, actor: Actor = SYSTEM, source: EventSource = EventSource.TASK
) -> Notification:
    """Staff's "resend": a failed (or still pending) notification gets a fresh set of attempts and is
    enqueued after commit. Raises NotificationNotResendable for one already sent (never twice) or being
    sent, or one with no recipient. A conditional UPDATE, no lock. On the order's timeline as resent by
    `actor` (staff, from the admin) through `source`."""
    if not notification.recipient:
        raise NotificationNotResendable(f"Notification #{notification.pk} has no recipient to send to.")
    with transaction.atomic():
        if not status.notification_reset_for_resend(notification, actor=actor, source=source):
            notification.refresh_from_db()
            raise NotificationNotResendable(
                f"Notification #{notification.pk} is {notification.get_status_display().lower()}: "
                "a message is sent at most once."
            )
        pk = notification.pk
        transaction.on_commit(lambda: notification_enqueue(notification_id=pk), robust=True)
    logger.info("Notification %s resent by staff", notification.pk)
    notification.refresh_from_db()
    return notification
