"""Africa's Talking's SMS delivery reports (POST /api/v1/notifications/sms/delivery-reports)."""

import logging

from notifications.models import Notification
from notifications.status import ReportStatuses, notification_apply_report
from orders.events import EventSource

logger = logging.getLogger(__name__)

# Delivery-report statuses (Africa's Talking): final ones are never overwritten by intermediate ones.
AFRICASTALKING_REPORTS = ReportStatuses(
    delivered=frozenset({"Success"}), undelivered=frozenset({"Failed", "Rejected", "AbsentSubscriber", "Expired"})
)


def notification_record_delivery_report(
    *,
    provider_message_id: str,
    status: str,
    phone_number: str = "",
    failure_reason: str = "",
    source: EventSource = EventSource.API,
) -> Notification | None:
    """Apply a provider's delivery report to the SMS notification with that provider message id.

    Success marks it delivered; Failed/Rejected/AbsentSubscriber/Expired mark it failed with the reason
    (final: the provider accepted it once, so it is not resent automatically); other statuses are kept
    as provider status. A final report is never overwritten by an intermediate one. Returns None when
    no notification matches. Locks the row (select_for_update) for the read-modify-write. The report is on
    the order's timeline (by the system, through `source`: the provider's callback comes in over the API).
    """
    notification = notification_apply_report(
        provider_message_id=provider_message_id,
        status=status,
        failure_reason=failure_reason,
        statuses=AFRICASTALKING_REPORTS,
        source=source,
    )
    if notification is None:
        logger.warning("Delivery report for unknown provider message id %r (%s)", provider_message_id, status)
        return None
    logger.info("Delivery report for notification %s: %s %s", notification.pk, status, failure_reason)
    return notification
