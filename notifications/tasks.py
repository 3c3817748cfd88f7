"""Background tasks (django.tasks): immediate backend by default, django-tasks-db with TASKS_BACKEND=database."""

import logging

from django.tasks import task

from notifications.delivery import notification_send
from orders.events import EventSource

logger = logging.getLogger(__name__)


@task()
def notification_deliver(notification_id: int) -> str:
    """Deliver one notification. Safe to run twice or concurrently (the service claims the row first);
    never raises, so neither a worker nor the request that placed the order sees a provider's failure."""
    try:
        notification = notification_send(notification_id=notification_id, source=EventSource.TASK)
    except Exception:
        logger.exception("Delivering notification %s failed unexpectedly", notification_id)
        return "error"
    return notification.status if notification is not None else "skipped"
