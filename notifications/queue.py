"""Queueing deliveries as `django.tasks` tasks, on whichever backend `TASKS` configures.

Which backend that is, is the settings' business: this module asks only whether the backend keeps its
queue in the shop's own database (`NOTIFICATION_TRANSACTIONAL_TASK_BACKENDS`). Such a backend (django-tasks-db)
gets an order's tasks inside the order's transaction, so the order, its notifications and their tasks
commit together (one commit) or not at all; any other backend (the immediate one runs the delivery
right there) is called after commit.
"""

import logging
from contextlib import nullcontext
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, transaction

logger = logging.getLogger(__name__)


def tasks_share_the_database() -> bool:
    """True when the delivery task's backend stores its queue in the shop's database (transactional)."""
    from notifications.tasks import notification_deliver

    backend_path = settings.TASKS[notification_deliver.backend]["BACKEND"]
    return backend_path in settings.NOTIFICATION_TRANSACTIONAL_TASK_BACKENDS


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


def notification_enqueue_many(*, notification_ids: list[int]) -> int:
    """Enqueue each delivery; with a database tasks backend, all the rows in one commit (one fsync).

    Returns how many were enqueued. A failure is logged and leaves the rows to `retry_notifications`, as
    for a single enqueue (in the shared transaction it loses the batch's other rows too, which that job
    picks up the same way).
    """
    batched = len(notification_ids) > 1 and tasks_share_the_database()
    enqueued = 0
    try:
        with transaction.atomic() if batched else nullcontext():
            for notification_id in notification_ids:
                enqueued += notification_enqueue(notification_id=notification_id)
    except DatabaseError:
        logger.exception("Could not enqueue notifications %s; retry_notifications will pick them up", notification_ids)
        return 0
    return enqueued


def notification_enqueue_with_order(*, notification_ids: list[int]) -> None:
    """Queue the deliveries of notifications just recorded in the current (the order's) transaction.

    A database tasks backend gets the task rows now, in this transaction: they commit with the order
    (one commit, one fsync) and vanish with a rolled-back one; a database error here rolls the order
    back with them, so nothing is half-recorded. Any other backend is called after commit (`on_commit`,
    robust: the immediate backend delivers there, and a failure never fails the order;
    `retry_notifications` picks up whatever was not queued).
    """
    if not notification_ids:
        return
    if tasks_share_the_database():
        from notifications.tasks import notification_deliver

        for notification_id in notification_ids:
            notification_deliver.enqueue(notification_id)
        return
    transaction.on_commit(lambda: notification_enqueue_many(notification_ids=notification_ids), robust=True)
