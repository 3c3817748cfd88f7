"""Recording an order's notifications in the order's own transaction (the `order_placed` receiver)."""

import logging
from collections.abc import Sequence
from datetime import timedelta
from email.utils import formataddr

from django.conf import settings
from django.utils import timezone

from notifications import messages
from notifications.models import Channel, Notification, NotificationStatus
from notifications.queue import notification_enqueue_with_order
from notifications.status import notifications_recorded
from orders.events import EventSource
from orders.models import Order, OrderLine

logger = logging.getLogger(__name__)


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


def notification_create_for_order(
    *, order: Order, lines: Sequence[OrderLine] | None = None, source: EventSource = EventSource.TASK
) -> list[Notification]:
    """Record the order's SMS (to the customer) and email (to staff) and queue their delivery.

    Must run inside the order's transaction (the `order_placed` receiver does): the rows commit or roll
    back with the order, and so does their delivery (`notifications.queue.notification_enqueue_with_order`).
    A customer without a phone, or a shop without staff addresses, gets a row recorded as failed with the
    reason, so the audit log shows why nothing was sent. `lines` defaults to the order's lines (one query).
    Each row is on the order's timeline as queued (or failed), through `source` (the order's own).
    Locks nothing; raises only database errors.
    """
    now = timezone.now()
    grace = now + timedelta(seconds=settings.NOTIFICATION_RETRY_BASE_S)
    customer = order.customer
    lines = list(order.lines.all()) if lines is None else lines
    try:
        sms_text = messages.order_sms_text(order)
        subject = messages.order_email_subject(order)
        email_text = messages.order_email_text(order, lines)
    except Exception:  # a template bug must never block orders
        logger.exception("Rendering the notifications of order %s failed; using a minimal text", order.pk)
        sms_text = subject = email_text = f"Order #{order.pk} received."

    phone = customer.phone.as_e164 if customer.phone else ""
    emails = order_notification_emails()
    pending, failed = NotificationStatus.PENDING, NotificationStatus.FAILED
    rows = [
        Notification(
            order=order,
            channel=Channel.SMS,
            recipient=phone,
            message=sms_text,
            # pending rows are re-enqueued by retry_notifications if their task has not run by then
            next_attempt_at=grace if phone else None,
            status=pending if phone else failed,
            last_error="" if phone else "The customer has no phone number.",
        ),
        Notification(
            order=order,
            channel=Channel.EMAIL,
            recipient=", ".join(emails),
            subject=subject,
            message=email_text,
            next_attempt_at=grace if emails else None,
            status=pending if emails else failed,
            last_error="" if emails else "No staff address: set ORDER_NOTIFICATION_EMAILS or DJANGO_ADMINS.",
        ),
    ]
    created = Notification.objects.bulk_create(rows)
    notifications_recorded(created, source=source)
    notification_enqueue_with_order(notification_ids=[n.pk for n in created if n.status == pending])
    return created
