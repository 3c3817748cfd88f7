"""Write use-cases of the notifications app: record, deliver, retry, resend, delivery reports.

Delivery is an outbox: `notification_create_for_order` writes the rows in the order's transaction,
and a `notification_deliver` task per row (tasks.py) calls `notification_send`, which claims the row
with a conditional UPDATE before talking to any provider, so two workers never send one message.
"""

import logging
import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, getaddresses, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import get_random_string

from notifications import messages
from notifications.exceptions import (
    DeliveryError,
    NotificationNotResendable,
    PermanentDeliveryError,
    TransientDeliveryError,
    UncertainDeliveryError,
)
from notifications.metrics import DELIVERY_LATENCY, NOTIFICATIONS
from notifications.models import Channel, Notification, NotificationStatus
from notifications.sms import get_sms_backend
from orders.models import Order

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
# Delivery-report statuses (Africa's Talking): final ones are never overwritten by intermediate ones.
REPORT_DELIVERED = {"Success"}
REPORT_UNDELIVERED = {"Failed", "Rejected", "AbsentSubscriber", "Expired"}


# --- Recording ------------------------------------------------------------------------------


def order_notification_emails() -> list[str]:
    """Staff who get order emails: ORDER_NOTIFICATION_EMAILS, else ADMINS ("Name <email>" allowed)."""
    configured = settings.ORDER_NOTIFICATION_EMAILS or settings.ADMINS
    addresses = []
    for entry in configured:
        if isinstance(entry, list | tuple):  # Django's older ("Name", "email") pairs
            entry = formataddr((entry[0], entry[1]))
        if entry and entry.strip():
            addresses.append(entry.strip())
    return addresses


def notification_create_for_order(*, order: Order) -> list[Notification]:
    """Record the order's SMS (to the customer) and email (to staff) and schedule their delivery.

    Must run inside the order's transaction (the `order_placed` receiver does): the rows commit or roll
    back with the order, and their delivery is enqueued with `transaction.on_commit`. A customer without
    a phone, or a shop without staff addresses, gets a row recorded as failed with the reason, so the
    audit log shows why nothing was sent. Locks nothing; raises only database errors.
    """
    now = timezone.now()
    grace = now + timedelta(seconds=settings.NOTIFICATION_RETRY_BASE_S)
    customer = order.customer
    lines = list(order.lines.all())
    try:
        sms_text = messages.order_sms_text(order)
        subject = messages.order_email_subject(order)
        email_text = messages.order_email_text(order, lines)
    except Exception:  # a template bug must never block orders
        logger.exception("Rendering the notifications of order %s failed; using a minimal text", order.pk)
        sms_text = subject = email_text = f"Order #{order.pk} received."

    phone = customer.phone.as_e164 if customer.phone else ""
    emails = order_notification_emails()
    rows = [
        Notification(
            order=order,
            channel=Channel.SMS,
            recipient=phone,
            message=sms_text,
            # pending rows are re-enqueued by retry_notifications if their task has not run by then
            next_attempt_at=grace if phone else None,
            status=PENDING if phone else FAILED,
            last_error="" if phone else "The customer has no phone number.",
        ),
        Notification(
            order=order,
            channel=Channel.EMAIL,
            recipient=", ".join(emails),
            subject=subject,
            message=email_text,
            next_attempt_at=grace if emails else None,
            status=PENDING if emails else FAILED,
            last_error="" if emails else "No staff address: set ORDER_NOTIFICATION_EMAILS or DJANGO_ADMINS.",
        ),
    ]
    created = Notification.objects.bulk_create(rows)
    for notification in created:
        if notification.status == FAILED:
            NOTIFICATIONS.labels(notification.channel, "failed").inc()
    due = [n.pk for n in created if n.status == PENDING]
    if due:
        transaction.on_commit(lambda: notification_enqueue_many(notification_ids=due), robust=True)
    return created


# --- Enqueueing -----------------------------------------------------------------------------


def notification_enqueue(*, notification_id: int, run_after: datetime | None = None) -> bool:
    """Enqueue the delivery task of one notification; False if it could not (logged, never raised).

    `run_after` schedules a retry where the tasks backend can defer (django-tasks-db); elsewhere
    (the immediate backend) the retry is left to `retry_notifications`, which a cron job runs.
    """
    from notifications.tasks import notification_deliver

    try:
        task = notification_deliver
        if run_after is not None:
            if not task.get_backend().supports_defer:
                return False
            task = task.using(run_after=run_after)
        task.enqueue(notification_id)
    except Exception:
        logger.exception("Could not enqueue notification %s; retry_notifications will pick it up", notification_id)
        return False
    return True


def notification_enqueue_many(*, notification_ids: list[int]) -> None:
    for notification_id in notification_ids:
        notification_enqueue(notification_id=notification_id)


# --- Delivery -------------------------------------------------------------------------------


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
    now = timezone.now()
    token = get_random_string(32)
    claimed = Notification.objects.filter(
        Q(status=PENDING) | Q(status=FAILED, next_attempt_at__lte=now), pk=notification_id
    ).update(status=SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        logger.info("Notification %s not claimed (already sent, in flight or not due)", notification_id)
        return None
    notification = Notification.objects.select_related("order").get(pk=notification_id)

    try:
        provider_message_id, provider_status = _deliver(notification)
    except DeliveryError as error:
        return _record_failure(notification, token, error)
    except Exception as error:
        logger.exception("Unexpected error delivering notification %s", notification.pk)
        # Anything unexpected on the SMS path may have happened after the provider took the message.
        kind = UncertainDeliveryError if notification.channel == Channel.SMS else TransientDeliveryError
        return _record_failure(notification, token, kind(f"{type(error).__name__}: {error}"))
    return _record_sent(notification, token, provider_message_id, provider_status)


def _deliver(notification: Notification) -> tuple[str, str]:
    if notification.channel == Channel.SMS:
        sent = get_sms_backend().send(to=notification.recipient, message=notification.message)
        return sent.provider_message_id, sent.provider_status
    return _send_email(notification), "sent"


def _send_email(notification: Notification) -> str:
    recipients = [formataddr(pair) for pair in getaddresses([notification.recipient]) if pair[1]]
    if not recipients:
        raise PermanentDeliveryError("No valid recipient address.")
    message_id = make_msgid(domain="ecommerce-service")
    email = EmailMessage(
        subject=notification.subject,
        body=notification.message,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"Message-ID": message_id},
    )
    connection = mailers.default
    if hasattr(connection, "timeout"):
        timeout = settings.NOTIFICATION_TIMEOUT_S
        connection.timeout = timeout if connection.timeout is None else min(connection.timeout, timeout)
    try:
        sent = connection.send_messages([email])
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentDeliveryError(f"Every recipient was refused: {error.recipients}") from error
    except smtplib.SMTPResponseException as error:
        text = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
        if 500 <= error.smtp_code < 600:
            raise PermanentDeliveryError(text) from error
        raise TransientDeliveryError(text) from error
    except (smtplib.SMTPException, OSError) as error:  # refused, timed out, disconnected
        raise TransientDeliveryError(f"SMTP: {type(error).__name__}: {error}") from error
    if not sent:
        raise TransientDeliveryError("The email backend sent nothing.")
    return message_id


def _write_outcome(notification: Notification, token: str, **fields) -> bool:
    """Record an outcome if we still hold the claim; a lost database write is retried a few times
    because the provider may already have the message (a stale claim of an SMS is never resent)."""
    fields["claim_token"] = ""
    fields["updated_at"] = timezone.now()
    for attempt in range(3):
        try:
            return bool(Notification.objects.filter(pk=notification.pk, claim_token=token).update(**fields))
        except DatabaseError:
            if attempt == 2:
                raise
            logger.warning("Recording notification %s failed; retrying", notification.pk, exc_info=True)
            time.sleep(0.5 * (attempt + 1))
    return False


def _record_sent(notification: Notification, token: str, provider_message_id: str, provider_status: str):
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
    NOTIFICATIONS.labels(notification.channel, "sent").inc()
    DELIVERY_LATENCY.labels(notification.channel).observe(max((now - notification.order.created_at).total_seconds(), 0))
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
        text = f"{text}. {UNKNOWN_OUTCOME}" if notification.channel == Channel.SMS else text
        outcome = "uncertain"
    else:
        outcome = "failed"
    _write_outcome(
        notification,
        token,
        status=FAILED,
        last_error=text,
        next_attempt_at=next_attempt_at,
        provider_status=(error.provider_status or ("unknown" if outcome == "uncertain" else ""))[:64],
        provider_message_id=error.provider_message_id[:128],
    )
    NOTIFICATIONS.labels(notification.channel, outcome).inc()
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


# --- Retries and resends --------------------------------------------------------------------


@dataclass(frozen=True)
class RetrySummary:
    enqueued: int
    stale_retried: int
    stale_abandoned: int


def notification_recover_stale_claims(*, now: datetime | None = None) -> tuple[int, int]:
    """Release claims older than NOTIFICATION_CLAIM_TIMEOUT_S (a worker died while sending).

    An email becomes retryable (a duplicate staff email is harmless); an SMS becomes failed with an
    "outcome unknown" reason and is not retried automatically, because the provider may have accepted
    it. Returns (retryable, abandoned). Conditional UPDATEs, no locks held.
    """
    now = now or timezone.now()
    stale = Notification.objects.filter(
        status=SENDING, claimed_at__lt=now - timedelta(seconds=settings.NOTIFICATION_CLAIM_TIMEOUT_S)
    )
    common = {"status": FAILED, "claim_token": "", "updated_at": now}
    retried = stale.filter(channel=Channel.EMAIL, attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS).update(
        next_attempt_at=now, last_error="The delivery task stopped while sending; retrying.", **common
    )
    abandoned = stale.filter(channel=Channel.EMAIL).update(
        next_attempt_at=None, last_error="The delivery task stopped while sending, out of attempts.", **common
    )
    abandoned += stale.filter(channel=Channel.SMS).update(
        next_attempt_at=None,
        provider_status="unknown",
        last_error=f"The delivery task stopped while sending. {UNKNOWN_OUTCOME}",
        **common,
    )
    if retried or abandoned:
        logger.warning("Released stale notification claims: %s retryable, %s abandoned", retried, abandoned)
    return retried, abandoned


def notification_retry_due(*, ignore_schedule: bool = False) -> RetrySummary:
    """Enqueue delivery of pending and retryable failed notifications whose next attempt is due
    (all of them with `ignore_schedule`), after releasing stale claims. Locks nothing: each task
    claims its row, so enqueueing one twice never sends twice."""
    now = timezone.now()
    stale_retried, stale_abandoned = notification_recover_stale_claims(now=now)
    if ignore_schedule:
        candidates = Notification.objects.filter(Q(status=PENDING) | Q(status=FAILED, next_attempt_at__isnull=False))
        ids = list(candidates.order_by("pk").values_list("pk", flat=True))
        Notification.objects.filter(pk__in=ids, status=FAILED, next_attempt_at__gt=now).update(next_attempt_at=now)
    else:
        due = Q(status=PENDING, next_attempt_at__isnull=True) | Q(
            status__in=[PENDING, FAILED], next_attempt_at__lte=now
        )
        ids = list(Notification.objects.filter(due).order_by("pk").values_list("pk", flat=True))
    enqueued = sum(notification_enqueue(notification_id=pk) for pk in ids)
    return RetrySummary(enqueued=enqueued, stale_retried=stale_retried, stale_abandoned=stale_abandoned)


def notification_resend(*, notification: Notification) -> Notification:
    """Staff's "resend": a failed (or still pending) notification gets a fresh set of attempts and is
    enqueued after commit. Raises NotificationNotResendable for one already sent (never twice) or being
    sent, or one with no recipient. A conditional UPDATE, no lock."""
    if not notification.recipient:
        raise NotificationNotResendable(f"Notification #{notification.pk} has no recipient to send to.")
    with transaction.atomic():
        reset = Notification.objects.filter(pk=notification.pk, status__in=[PENDING, FAILED]).update(
            status=PENDING,
            attempts=0,
            next_attempt_at=timezone.now() + timedelta(seconds=settings.NOTIFICATION_RETRY_BASE_S),
            claim_token="",
            updated_at=timezone.now(),
        )
        if not reset:
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


# --- Delivery reports -----------------------------------------------------------------------


def notification_record_delivery_report(
    *, provider_message_id: str, status: str, phone_number: str = "", failure_reason: str = ""
) -> Notification | None:
    """Apply a provider's delivery report to the SMS notification with that provider message id.

    Success marks it delivered; Failed/Rejected/AbsentSubscriber/Expired mark it failed with the reason
    (final: the provider accepted it once, so it is not resent automatically); other statuses are kept
    as provider status. A final report is never overwritten by an intermediate one. Returns None when
    no notification matches. Locks the row (select_for_update) for the read-modify-write.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(channel=Channel.SMS, provider_message_id=provider_message_id)
            .order_by("pk")
            .first()
        )
        if notification is None:
            logger.warning("Delivery report for unknown provider message id %r (%s)", provider_message_id, status)
            return None
        final = REPORT_DELIVERED | REPORT_UNDELIVERED
        if notification.provider_status in final and status not in final:
            return notification
        now = timezone.now()
        notification.provider_status = status[:64]
        fields = ["provider_status", "updated_at"]
        if status in REPORT_DELIVERED:
            notification.status = SENT
            notification.delivered_at = now
            notification.sent_at = notification.sent_at or now
            notification.last_error = ""
            fields += ["status", "delivered_at", "sent_at", "last_error"]
            NOTIFICATIONS.labels(Channel.SMS, "delivered").inc()
        elif status in REPORT_UNDELIVERED:
            notification.status = FAILED
            notification.next_attempt_at = None
            notification.last_error = f"Not delivered ({status}): {failure_reason or 'no reason given'}"[:1000]
            fields += ["status", "next_attempt_at", "last_error"]
            NOTIFICATIONS.labels(Channel.SMS, "undelivered").inc()
        notification.save(update_fields=fields)
    logger.info("Delivery report for notification %s: %s %s", notification.pk, status, failure_reason)
    return notification
