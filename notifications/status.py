"""Every change of a notification's status happens here, and each one passes through `status_changed`.

Queued (or failed at once) when recorded, claimed for sending, sent, failed (retry scheduled, final, or
uncertain), a dead worker's claim released, reset by staff's resend, a delivery report applied: the
conditional UPDATEs that make "at most once" hold are in this module only, and `status_changed` is the
one place that counts, logs and (for the order timeline) can record what happened.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import get_random_string

from notifications.metrics import DELIVERY_LATENCY, NOTIFICATIONS
from notifications.models import Channel, Notification, NotificationStatus

logger = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED = (
    NotificationStatus.PENDING,
    NotificationStatus.SENDING,
    NotificationStatus.SENT,
    NotificationStatus.FAILED,
)
UNKNOWN_OUTCOME = (
    "The provider may have accepted this SMS, so it is not retried automatically (at most one SMS per "
    "notification). Check the provider's dashboard and resend from the admin if it never arrived."
)

# queued/failed: recorded with the order; sending: claimed by a worker; sent; retry: a transient failure
# with another attempt scheduled; failed: final; uncertain: the provider may have it (never resent
# automatically); released: a dead worker's claim given back (retry) or given up (abandoned);
# resent: staff's resend; delivered/undelivered: the provider's delivery report.
Event = Literal[
    "queued",
    "sending",
    "sent",
    "retry",
    "failed",
    "uncertain",
    "released",
    "abandoned",
    "resent",
    "delivered",
    "undelivered",
    "report",
]
# Events counted in ecommerce_notifications_total{channel, outcome} (the outcome is the event's name).
COUNTED: frozenset[str] = frozenset({"sent", "retry", "failed", "uncertain", "delivered", "undelivered"})


def status_changed(event: Event, *, channel: str, notification_ids: Sequence[int], detail: str = "") -> None:
    """The single hook of every status change (after the write): metrics today, the order timeline next."""
    if event in COUNTED:
        NOTIFICATIONS.labels(channel, event).inc(len(notification_ids))
    logger.debug("Notifications %s (%s): %s %s", list(notification_ids), channel, event, detail)


def notifications_recorded(created: Sequence[Notification]) -> None:
    """Rows just inserted with the order: pending ones are queued, ones with no recipient failed."""
    for notification in created:
        event: Event = "queued" if notification.status == PENDING else "failed"
        status_changed(event, channel=notification.channel, notification_ids=[notification.pk])


def notification_claim(*, notification_id: int) -> str | None:
    """Claim one notification for sending: pending, or failed and due → sending, attempts + 1.

    Returns the claim token, or None when another worker holds it, it is sent, not due, or gone. This
    conditional UPDATE is what makes two workers (or threads) never send one message twice.
    """
    now = timezone.now()
    token = get_random_string(32)
    claimed = Notification.objects.filter(
        Q(status=PENDING) | Q(status=FAILED, next_attempt_at__lte=now), pk=notification_id
    ).update(status=SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1, updated_at=now)
    return token if claimed else None


def _write_outcome(notification: Notification, token: str, **fields: Any) -> bool:
    """Record an outcome if we still hold the claim, and show it on `notification`; a lost database write is
    retried a few times because the provider may already have the message (a stale claim of an SMS is never
    resent)."""
    fields["claim_token"] = ""
    fields["updated_at"] = timezone.now()
    for attempt in range(3):
        try:
            written = bool(Notification.objects.filter(pk=notification.pk, claim_token=token).update(**fields))
        except DatabaseError:
            if attempt == 2:
                raise
            logger.warning("Recording notification %s failed; retrying", notification.pk, exc_info=True)
            time.sleep(0.5 * (attempt + 1))
            continue
        # the instance now shows what was written (the delivery task returns it without reading it again);
        # a claim taken over wrote nothing, so the row is read back to show the other worker's outcome
        if written:
            for name, value in fields.items():
                setattr(notification, name, value)
            notification.claim_token = ""
        else:
            notification.refresh_from_db()
        return written
    return False


def notification_mark_sent(
    notification: Notification, *, token: str, provider_message_id: str, provider_status: str
) -> None:
    """The provider accepted the message (recorded only while the claim is still ours)."""
    now = timezone.now()
    if not _write_outcome(
        notification,
        token,
        status=SENT,
        sent_at=now,
        provider_message_id=provider_message_id[:128],
        provider_status=provider_status[:64],
        last_error="",
        next_attempt_at=None,
    ):
        logger.warning("Notification %s was sent but its claim was taken over", notification.pk)
    status_changed("sent", channel=notification.channel, notification_ids=[notification.pk])
    DELIVERY_LATENCY.labels(notification.channel).observe(max((now - notification.order.created_at).total_seconds(), 0))


def notification_mark_failed(
    notification: Notification,
    *,
    token: str,
    outcome: Literal["retry", "failed", "uncertain"],
    last_error: str,
    next_attempt_at: datetime | None,
    provider_status: str,
    provider_message_id: str,
) -> None:
    """A failed attempt: `retry` with `next_attempt_at`, or final (`failed`, `uncertain`)."""
    _write_outcome(
        notification,
        token,
        status=FAILED,
        last_error=last_error,
        next_attempt_at=next_attempt_at,
        provider_status=provider_status[:64],
        provider_message_id=provider_message_id[:128],
    )
    status_changed(outcome, channel=notification.channel, notification_ids=[notification.pk], detail=last_error)


def notification_release_stale_claims(*, now: datetime) -> tuple[int, int]:
    """Release claims older than NOTIFICATION_CLAIM_TIMEOUT_S (a worker died while sending).

    An email becomes retryable (a duplicate staff email is harmless); an SMS becomes failed with an
    "outcome unknown" reason and is not retried automatically, because the provider may have accepted
    it. Returns (retryable, abandoned). Conditional UPDATEs, no locks held.
    """
    stale = Notification.objects.filter(
        status=SENDING, claimed_at__lt=now - timedelta(seconds=settings.NOTIFICATION_CLAIM_TIMEOUT_S)
    )
    common = {"status": FAILED, "claim_token": "", "updated_at": now}
    changes: list[tuple[Event, str, Q, dict[str, Any]]] = [
        (
            "released",
            Channel.EMAIL,
            Q(attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS),
            {"next_attempt_at": now, "last_error": "The delivery task stopped while sending; retrying."},
        ),
        (
            "abandoned",
            Channel.EMAIL,
            Q(),
            {"next_attempt_at": None, "last_error": "The delivery task stopped while sending, out of attempts."},
        ),
        (
            "abandoned",
            Channel.SMS,
            Q(),
            {
                "next_attempt_at": None,
                "provider_status": "unknown",
                "last_error": f"The delivery task stopped while sending. {UNKNOWN_OUTCOME}",
            },
        ),
    ]
    counts = {"released": 0, "abandoned": 0}
    for event, channel, condition, fields in changes:
        rows = stale.filter(condition, channel=channel)
        ids = list(rows.values_list("pk", flat=True))
        changed = rows.filter(pk__in=ids).update(**fields, **common) if ids else 0
        if changed:
            counts[event] += changed
            status_changed(event, channel=channel, notification_ids=ids)
    retried, abandoned = counts["released"], counts["abandoned"]
    if retried or abandoned:
        logger.warning("Released stale notification claims: %s retryable, %s abandoned", retried, abandoned)
    return retried, abandoned


def notification_make_due(*, now: datetime) -> list[int]:
    """`retry_notifications --now`: every pending and retryable one, its scheduled retry brought forward."""
    candidates = Notification.objects.filter(Q(status=PENDING) | Q(status=FAILED, next_attempt_at__isnull=False))
    ids = list(candidates.order_by("pk").values_list("pk", flat=True))
    Notification.objects.filter(pk__in=ids, status=FAILED, next_attempt_at__gt=now).update(next_attempt_at=now)
    return ids


def notification_reset_for_resend(notification: Notification) -> bool:
    """Staff's resend: a failed or pending notification back to pending with a fresh set of attempts.
    False (nothing changed) for one sent or being sent."""
    now = timezone.now()
    reset = Notification.objects.filter(pk=notification.pk, status__in=[PENDING, FAILED]).update(
        status=PENDING,
        attempts=0,
        next_attempt_at=now + timedelta(seconds=settings.NOTIFICATION_RETRY_BASE_S),
        claim_token="",
        updated_at=now,
    )
    if reset:
        status_changed("resent", channel=notification.channel, notification_ids=[notification.pk])
    return bool(reset)


@dataclass(frozen=True)
class ReportStatuses:
    """A provider's delivery-report vocabulary: the statuses meaning delivered, and undelivered for good."""

    delivered: frozenset[str]
    undelivered: frozenset[str]


def notification_apply_report(
    *, provider_message_id: str, status: str, failure_reason: str, statuses: ReportStatuses
) -> Notification | None:
    """Apply a delivery report to the SMS with that provider id (row locked for the read-modify-write).

    A delivered status (`statuses`) marks it sent and delivered; an undelivered one failed for good (the provider
    accepted it once, so it is never resent automatically); others are kept as provider status. A final
    report is never overwritten by an intermediate one. None when no notification matches.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(channel=Channel.SMS, provider_message_id=provider_message_id)
            .order_by("pk")
            .first()
        )
        if notification is None:
            return None
        delivered, undelivered = statuses.delivered, statuses.undelivered
        final = delivered | undelivered
        if notification.provider_status in final and status not in final:
            return notification
        now = timezone.now()
        notification.provider_status = status[:64]
        fields = ["provider_status", "updated_at"]
        event: Event = "report"
        if status in delivered:
            notification.status = SENT
            notification.delivered_at = now
            notification.sent_at = notification.sent_at or now
            notification.last_error = ""
            fields += ["status", "delivered_at", "sent_at", "last_error"]
            event = "delivered"
        elif status in undelivered:
            notification.status = FAILED
            notification.next_attempt_at = None
            notification.last_error = f"Not delivered ({status}): {failure_reason or 'no reason given'}"[:1000]
            fields += ["status", "next_attempt_at", "last_error"]
            event = "undelivered"
        notification.save(update_fields=fields)
        status_changed(event, channel=Channel.SMS, notification_ids=[notification.pk], detail=status)
    return notification
