"""Pruning: finished task results go after TASK_RESULT_RETENTION_HOURS; notifications are the audit log and
stay for NOTIFICATION_RETENTION_DAYS (0: forever), and then only finished ones (sent, or failed for good)."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications.models import Notification, NotificationStatus

BATCH = 5_000


@dataclass(frozen=True)
class PruneSummary:
    task_results: int
    notifications: int


def _delete_in_batches(queryset: QuerySet, *, limit: int | None = None) -> int:
    """Delete by primary key in batches (short transactions, no long lock on the table)."""
    deleted = 0
    while limit is None or deleted < limit:
        size = BATCH if limit is None else min(BATCH, limit - deleted)
        pks = list(queryset.order_by().values_list("pk", flat=True)[:size])
        if not pks:
            break
        deleted += queryset.model.objects.filter(pk__in=pks).delete()[0]
    return deleted


def prune(*, dry_run: bool = False) -> PruneSummary:
    """Delete finished (successful or failed) task results older than TASK_RESULT_RETENTION_HOURS, and, when
    NOTIFICATION_RETENTION_DAYS is set, notifications older than that which are sent or failed for good
    (never one pending, being sent, or with a retry scheduled)."""
    now = timezone.now()
    tasks = DBTaskResult.objects.finished().filter(
        finished_at__lt=now - timedelta(hours=settings.TASK_RESULT_RETENTION_HOURS)
    )
    notifications = Notification.objects.none()
    if settings.NOTIFICATION_RETENTION_DAYS:
        notifications = Notification.objects.filter(
            Q(status=NotificationStatus.SENT) | Q(status=NotificationStatus.FAILED, next_attempt_at__isnull=True),
            created_at__lt=now - timedelta(days=settings.NOTIFICATION_RETENTION_DAYS),
        )
    if dry_run:
        return PruneSummary(task_results=tasks.count(), notifications=notifications.count())
    return PruneSummary(task_results=_delete_in_batches(tasks), notifications=_delete_in_batches(notifications))
