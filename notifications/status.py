"""Every change of a notification's status happens here, and each one passes through `status_changed`.

Queued (or failed at once) when recorded, claimed for sending, sent, failed (retry scheduled, final, or
uncertain), a dead worker's claim released, reset by staff's resend, a delivery report applied: the
conditional UPDATEs that make "at most once" hold are in this module only, and `status_changed` is the
one place that counts, logs and records what happened on the order's timeline (`orders.events`), with the
actor and source the caller passes (by default the system, from a background task).
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import get_random_string

from notifications.metrics import DELIVERY_LATENCY, NOTIFICATIONS
from notifications.models import Channel, Notification, NotificationStatus
from orders.events import SYSTEM, Actor, EventSource, OrderEventKind, order_event_build, order_event_record_many

logger = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED = (
    NotificationStatus.PENDING,
    NotificationStatus.SENDING,
    NotificationStatus.SENT,
    NotificationStatus.FAILED,
)
# The provider status of a failed SMS the provider may have accepted ("uncertain": never resent automatically).
UNCERTAIN_PROVIDER_STATUS = "unknown"
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
# What each event is on the order's timeline (the event's name is kept as the entry's `outcome`); a claim
# ("sending") is not a change staff need to see.
TIMELINE: dict[str, OrderEventKind] = {
    "queued": OrderEventKind.NOTIFICATION_QUEUED,
    "sent": OrderEventKind.NOTIFICATION_SENT,
    "retry": OrderEventKind.NOTIFICATION_FAILED,
    "failed": OrderEventKind.NOTIFICATION_FAILED,
    "uncertain": OrderEventKind.NOTIFICATION_FAILED,
    "released": OrderEventKind.NOTIFICATION_FAILED,
    "abandoned": OrderEventKind.NOTIFICATION_FAILED,
    "resent": OrderEventKind.NOTIFICATION_RESENT,
    "delivered": OrderEventKind.DELIVERY_REPORT,
    "undelivered": OrderEventKind.DELIVERY_REPORT,
    "report": OrderEventKind.DELIVERY_REPORT,
}

# (notification id, its order's id): what a status change touched.
Changed = Sequence[tuple[int, int]]


def status_changed(
    event: Event,
    *,
    channel: str,
    changed: Changed,
    detail: str = "",
    actor: Actor = SYSTEM,
    source: EventSource = EventSource.TASK,
) -> None:
    """The single hook of every status change (after the write): metrics, a debug log, the order timeline."""
    _count(event, channel=channel, changed=changed, detail=detail)
    _record_on_timeline([(event, channel, detail, pair) for pair in changed], actor=actor, source=source)


def _count(event: Event, *, channel: str, changed: Changed, detail: str) -> None:
    if event in COUNTED:
        NOTIFICATIONS.labels(channel, event).inc(len(changed))
    logger.debug("Notifications %s (%s): %s %s", [pk for pk, _order in changed], channel, event, detail)


def _record_on_timeline(
    entries: Sequence[tuple[Event, str, str, tuple[int, int]]], *, actor: Actor, source: EventSource
) -> None:
    """One INSERT for all the entries. Inside a transaction (the order's, a report's) it shares its fate; after
    a provider call it stands alone, and losing it must not lose the outcome already written: logged, not raised."""
    events = [
        order_event_build(
            order_id=order_id,
            kind=TIMELINE[event],
            actor=actor,
            source=source,
            data={"notification": pk, "channel": channel, "outcome": event, **({"detail": detail} if detail else {})},
        )
        for event, channel, detail, (pk, order_id) in entries
        if event in TIMELINE
    ]
    if connection.in_atomic_block:
        order_event_record_many(events)
        return
    try:
        order_event_record_many(events)
    except DatabaseError:
        logger.exception("Recording %d notification event(s) on the order timeline failed", len(events))


def notifications_recorded(created: Sequence[Notification], *, source: EventSource = EventSource.TASK) -> None:
    """Rows just inserted with the order: pending ones are queued, ones with no recipient failed (one INSERT of
    timeline entries for all of them, in the order's transaction)."""
    entries: list[tuple[Event, str, str, tuple[int, int]]] = []
    for notification in created:
        event: Event = "queued" if notification.status == PENDING else "failed"
        detail = "" if notification.status == PENDING else notification.last_error
        pair = (notification.pk, notification.order_id)
        _count(event, channel=notification.channel, changed=[pair], detail=detail)
        entries.append((event, notification.channel, detail, pair))
    _record_on_timeline(entries, actor=SYSTEM, source=source)


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
    notification: Notification,
    *,
    token: str,
    provider_message_id: str,
    provider_status: str,
    source: EventSource = EventSource.TASK,
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
    status_changed(
        "sent", channel=notification.channel, changed=[(notification.pk, notification.order_id)], source=source
    )
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
    source: EventSource = EventSource.TASK,
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
    status_changed(
        outcome,
        channel=notification.channel,
        changed=[(notification.pk, notification.order_id)],
        detail=last_error,
        source=source,
    )


def notification_release_stale_claims(*, now: datetime, source: EventSource = EventSource.TASK) -> tuple[int, int]:
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
                "provider_status": UNCERTAIN_PROVIDER_STATUS,
                "last_error": f"The delivery task stopped while sending. {UNKNOWN_OUTCOME}",
            },
        ),
    ]
    counts = {"released": 0, "abandoned": 0}
    for event, channel, condition, fields in changes:
        rows = stale.filter(condition, channel=channel)
        pairs = list(rows.values_list("pk", "order_id"))
        ids = [pk for pk, _order in pairs]
        changed = rows.filter(pk__in=ids).update(**fields, **common) if ids else 0
        if changed:
            counts[event] += changed
            status_changed(event, channel=channel, changed=pairs, source=source)
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


def notification_reset_for_resend(
    notification: Notification, *, actor: Actor = SYSTEM, source: EventSource = EventSource.TASK
) -> bool:
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
        status_changed(
            "resent",
            channel=notification.channel,
            changed=[(notification.pk, notification.order_id)],
            actor=actor,
            source=source,
        )
    return bool(reset)


@dataclass(frozen=True)
class ReportStatuses:
    """A provider's delivery-report vocabulary: the statuses meaning delivered, and undelivered for good."""

    delivered: frozenset[str]
    undelivered: frozenset[str]


def notification_apply_report(
    *,
    provider_message_id: str,
    status: str,
    failure_reason: str,
    statuses: ReportStatuses,
    source: EventSource = EventSource.API,
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
        # Final once a report said so: delivered (its time is kept) or undelivered (failed with that status). The
        # send's own answer shares the vocabulary ("Success": accepted) but is not a report: one that follows it
        # ("Buffered", "Sent") is kept.
        reported_final = notification.delivered_at is not None or (
            notification.status == FAILED and notification.provider_status in undelivered
        )
        if reported_final and status not in final:
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
        status_changed(
            event,
            channel=Channel.SMS,
            changed=[(notification.pk, notification.order_id)],
            detail=f"{status}: {failure_reason}" if failure_reason else status,
            source=source,
        )
    return notification
