"""The worker's threads in one process: idle threads take turns to poll, and a found task passes the turn on."""

import threading
import time

import pytest
from django.db.backends.signals import connection_created
from django_tasks_db.models import DBTaskResult

from notifications.tasks import notification_deliver
from notifications.worker import WorkerPool

pytestmark = pytest.mark.django_db(transaction=True)  # threads with their own connections: MariaDB only


@pytest.fixture
def polls():
    """Every poll of the queue (`SELECT … FOR UPDATE SKIP LOCKED` of a task row) on any thread's connection."""
    made: list[str] = []
    lock = threading.Lock()

    def counting(execute, sql, params, many, context):
        if "SKIP LOCKED" in sql and DBTaskResult._meta.db_table in sql:
            with lock:
                made.append(sql)
        return execute(sql, params, many, context)

    def install(sender, connection, **kwargs):
        connection.execute_wrappers.append(counting)

    connection_created.connect(install)
    yield made
    connection_created.disconnect(install)


@pytest.fixture
def pool(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    pool = WorkerPool(
        threads=8, interval=0.05, batch=False, backend_name="default", queue_names=["default"], worker_id_prefix="t"
    )
    started = threading.Event()
    runner = threading.Thread(target=pool.run, kwargs={"install_signals": False, "on_started": started.set})
    runner.start()
    assert started.wait(timeout=30)
    yield pool
    pool.stop()
    runner.join(timeout=30)
    assert not runner.is_alive()


def test_idle_threads_poll_one_at_a_time_and_tasks_still_run_at_once(mysql_only, pool, polls, settings):
    time.sleep(1.5)  # every thread past its start-up delay and idle
    polls.clear()
    time.sleep(1.0)
    # one idle thread polls per interval (about 20 in a second); eight polling on their own would make ~160
    assert len(polls) <= 30

    results = [notification_deliver.enqueue(notification_id) for notification_id in range(900_001, 900_041)]
    deadline = time.monotonic() + 30
    while DBTaskResult.objects.filter(status="SUCCESSFUL").count() < len(results) and time.monotonic() < deadline:
        time.sleep(0.1)

    done = DBTaskResult.objects.filter(id__in=[r.id for r in results], status="SUCCESSFUL")
    assert done.count() == len(results)  # no notification behind them: each returns "skipped"
    assert len({worker_id for row in done for worker_id in row.worker_ids}) > 1  # the turn passed between threads
