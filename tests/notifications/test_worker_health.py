"""The worker's liveness endpoint (GET /health on WORKER_HEALTH_PORT) over real HTTP."""

import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from notifications.worker import WorkerPool
from tests.notifications.fakes import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def get_health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.fixture
def running_pool(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    port = free_port()
    pool = WorkerPool(
        threads=3,
        interval=0.05,
        batch=False,
        backend_name="default",
        queue_names=["default"],
        health_port=port,
        stuck_task_seconds=60,
    )
    started = threading.Event()
    runner = threading.Thread(target=pool.run, kwargs={"install_signals": False, "on_started": started.set})
    runner.start()
    assert started.wait(timeout=30)
    yield pool, port
    pool.stop()
    runner.join(timeout=30)
    assert not runner.is_alive()


def test_health_is_ok_while_every_thread_runs_and_503_while_one_is_stuck(running_pool):
    pool, port = running_pool

    status, body = get_health(port)
    assert (status, body["status"], body["alive"], body["stuck"]) == (200, "ok", 3, 0)

    pool.workers[1].task_started_at = time.monotonic() - 61  # inside one task for longer than the limit
    status, body = get_health(port)
    assert (status, body["status"], body["stuck"]) == (503, "unhealthy", 1)

    pool.workers[1].task_started_at = None
    assert get_health(port)[0] == 200
