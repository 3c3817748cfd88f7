"""`manage.py prune_notifications`: finished task results go; notifications stay as the audit log."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications.models import Channel, Notification, NotificationStatus
from tests.notifications.helpers import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def finish(result: DBTaskResult, *, hours_ago: float, status: str = "SUCCESSFUL") -> None:
    DBTaskResult.objects.filter(pk=result.pk).update(
        status=status, finished_at=timezone.now() - timedelta(hours=hours_ago)
    )


def test_finished_task_results_older_than_the_retention_are_pruned(database_tasks, at_settings, capsys):
    for _ in range(3):
        place_order()
    old_ok, old_failed, recent, *waiting = DBTaskResult.objects.order_by("enqueued_at")
    finish(old_ok, hours_ago=25)
    finish(old_failed, hours_ago=30, status="FAILED")
    finish(recent, hours_ago=2)

    call_command("prune_notifications")

    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {recent.pk, *(w.pk for w in waiting)}
    assert Notification.objects.count() == 6  # the audit log is kept (retention 0: forever)
    assert "Deleted 2 finished task result(s) older than 24 h and 0 finished notification(s)" in capsys.readouterr().out


def test_notification_retention_deletes_only_old_finished_ones(database_tasks, at_settings, settings):
    settings.NOTIFICATION_RETENTION_DAYS = 90
    old, new = place_order(), place_order()
    long_ago = timezone.now() - timedelta(days=91)
    Notification.objects.filter(order=old).update(created_at=long_ago)
    Notification.objects.filter(order=old, channel=Channel.SMS).update(status=NotificationStatus.SENT)
    # the old email has a retry scheduled: unfinished, kept whatever its age
    Notification.objects.filter(order=old, channel=Channel.EMAIL).update(
        status=NotificationStatus.FAILED, next_attempt_at=timezone.now()
    )
    Notification.objects.filter(order=new).update(status=NotificationStatus.SENT)

    call_command("prune_notifications", "--dry-run")
    assert Notification.objects.count() == 4
    call_command("prune_notifications")

    remaining = set(Notification.objects.values_list("order_id", "channel"))
    assert remaining == {(old.pk, Channel.EMAIL), (new.pk, Channel.SMS), (new.pk, Channel.EMAIL)}
