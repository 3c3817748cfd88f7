"""TASKS_BACKEND=database in-process: order creation only queues; retries are queued with run_after.
(The real `db_worker` process is exercised in test_worker.py.)"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from notifications.models import Channel, Notification, NotificationStatus
from notifications.services import notification_send
from tests.notifications.fakes import Reply
from tests.notifications.helpers import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_order_commit_queues_one_task_per_notification_and_contacts_nobody(
    database_tasks, at_settings, fake_at, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()

    ids = set(Notification.objects.filter(order=order).values_list("pk", flat=True))
    tasks = list(DBTaskResult.objects.all())
    assert {t.task_path for t in tasks} == {"notifications.tasks.notification_deliver"}
    assert {t.args_kwargs["args"][0] for t in tasks} == ids
    assert fake_at.requests == [] and mailoutbox == []
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.PENDING}


def test_transient_failure_queues_the_retry_with_run_after(
    database_tasks, at_settings, fake_at, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    sms = Notification.objects.get(order=order, channel=Channel.SMS)
    DBTaskResult.objects.all().delete()
    fake_at.script.append(lambda r: Reply(503, b"Service Unavailable", "text/plain"))

    sms = notification_send(notification_id=sms.pk)

    [retry] = DBTaskResult.objects.all()
    assert retry.args_kwargs["args"] == [sms.pk]
    assert sms.next_attempt_at is not None
    assert abs(retry.run_after - sms.next_attempt_at) < timedelta(seconds=1)


def test_an_order_queues_its_tasks_inside_its_own_transaction(
    database_tasks, at_settings, fake_at, django_capture_on_commit_callbacks
):
    # One commit per order (one fsync): the task rows are INSERTed in the order's transaction, nothing of the
    # notifications is left for after the commit (only the catalog's cache invalidation of the stock and the
    # products the helper made: catalog.cache).
    with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks() as callbacks:
        order = place_order()

    assert [callback for callback in callbacks if callback.__module__ != "catalog.cache"] == []
    tasks = list(DBTaskResult.objects.all())
    assert sorted(t.args_kwargs["args"][0] for t in tasks) == sorted(
        Notification.objects.filter(order=order).values_list("pk", flat=True)
    )
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].upper().startswith("INSERT")]
    assert sum(DBTaskResult._meta.db_table in sql for sql in inserts) == 2
    # the helper's atomic block is the order's transaction (a savepoint inside the test's): no other one
    assert sum(q["sql"].upper().startswith("SAVEPOINT") for q in captured.captured_queries) == 1


def test_a_rolled_back_order_leaves_no_notification_and_no_task(database_tasks, at_settings, fake_at):
    with pytest.raises(RuntimeError):
        place_order(fail_after_signal=True)

    assert Notification.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    assert fake_at.requests == []
