"""The database tasks backend with a real `manage.py db_worker` process (django-tasks-db).

Everything on the Django side runs in subprocesses sharing one real database: a fresh SQLite file
on SQLite runs, the (committed, transaction=True) test database on MariaDB runs. The provider
stand-ins run in this process and count what they receive.
"""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection

from tests.notifications.fakes import API_KEY, Reply, start_smtp

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def manage(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def last_json(result: subprocess.CompletedProcess) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def database_url(tmp_path) -> str:
    if connection.vendor == "mysql":
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        return f"mysql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"
    return f"sqlite:///{tmp_path / 'worker.sqlite3'}"


@pytest.fixture
def worker_env(database_url, fake_at):
    smtp, mailbox = start_smtp()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TASKS_BACKEND": "database",
        "SMS_BACKEND": "africastalking",
        "AFRICASTALKING_USERNAME": "shop",
        "AFRICASTALKING_API_KEY": API_KEY,
        "AFRICASTALKING_API_URL": fake_at.url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "ORDER_NOTIFICATION_EMAILS": "ops@example.com",
        "NOTIFICATION_RETRY_BASE_S": "0",  # retries are due at once, so one --batch run sees them through
        "NOTIFICATION_TIMEOUT_S": "3",
        "LOG_LEVEL": "WARNING",
    }
    if connection.vendor != "mysql":
        manage(env, "migrate", "--noinput")
    yield env, mailbox
    smtp.stop()


def test_db_worker_delivers_sms_and_email_once_with_a_retry_and_duplicate_tasks(worker_env, fake_at):
    env, mailbox = worker_env
    fake_at.script.append(lambda r: Reply(500, b"Internal Server Error", "text/plain"))  # one transient failure

    placed = last_json(
        manage(env, "shell", "-c", "from tests.notifications.helpers import *; subprocess_place_order('+254711000222')")
    )

    # order creation only queued the work: nobody was contacted yet
    assert placed["queued"] == 2
    assert [n["status"] for n in placed["notifications"]] == ["pending", "pending"]
    assert fake_at.requests == [] and mailbox.messages == []

    # the cron job re-enqueues both (duplicate tasks), then two workers race through the queue
    assert "Enqueued 2" in manage(env, "retry_notifications", "--now").stdout
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval=0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    for worker in workers:
        output, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0, output

    state = last_json(manage(env, "shell", "-c", "from tests.notifications.helpers import *; subprocess_dump()"))
    email, sms = state["notifications"]
    assert (sms["channel"], sms["status"], sms["attempts"]) == ("sms", "sent", 2)
    assert sms["provider_message_id"] == "ATXid_1" and sms["recipient"] == "+254711000222"
    assert (email["channel"], email["status"], email["attempts"]) == ("email", "sent", 1)
    # exactly one SMS accepted (after one refused attempt) and exactly one email, whatever the duplicates
    assert len(fake_at.requests) == 2 and fake_at.accepted_count == 1
    assert len(mailbox.messages) == 1 and mailbox.messages[0]["to"] == ["ops@example.com"]
    assert f"New order #{placed['order']}" in mailbox.messages[0]["data"]
    # 2 tasks from the order, 2 from the cron job, 1 scheduled retry; none failed
    assert state["tasks"] == ["SUCCESSFUL"] * 5


def start_task_worker(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", "--interval=0.05", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_threaded_workers_deliver_each_sms_exactly_once(worker_env, fake_at):
    env, mailbox = worker_env
    fake_at.default = fake_at.slow_success(0.1)  # a provider that takes its time: the threads overlap its waits
    placed = last_json(
        manage(env, "shell", "-c", "from tests.notifications.helpers import *; subprocess_place_orders(12)")
    )
    assert "Enqueued 24" in manage(env, "retry_notifications", "--now").stdout  # every task queued twice

    workers = [start_task_worker(env, "--batch", "--threads=4") for _ in range(2)]
    for worker in workers:
        output, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0, output

    state = last_json(manage(env, "shell", "-c", "from tests.notifications.helpers import *; subprocess_dump()"))
    sms = [n for n in state["notifications"] if n["channel"] == "sms"]
    assert len(sms) == 12 and all((n["status"], n["attempts"]) == ("sent", 1) for n in sms)
    # one request per SMS, none twice, though 8 threads in 2 processes ran 48 tasks for 24 notifications
    assert sorted(r["form"]["to"] for r in fake_at.requests) == sorted(n["recipient"] for n in sms)
    assert fake_at.accepted_count == 12 and len({n["provider_message_id"] for n in sms}) == 12
    assert fake_at.max_in_flight > 1  # deliveries really ran at the same time
    assert len(mailbox.messages) == 12
    assert sorted(int(m["data"].split("New order #")[1].split()[0].rstrip(":")) for m in mailbox.messages) == sorted(
        placed["orders"]
    )
    assert state["tasks"] == ["SUCCESSFUL"] * 48


def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(worker_env, fake_at):
    env, mailbox = worker_env
    answered = threading.Event()

    def hang(request: dict) -> Reply:
        answered.set()
        return Reply(201, b"{}", delay=30)  # the answer never comes back in time: the worker dies first

    fake_at.script.append(hang)
    manage(env, "shell", "-c", "from tests.notifications.helpers import *; subprocess_place_orders(3)")
    worker = start_task_worker(env, "--threads=2")
    try:
        assert answered.wait(timeout=60), "the worker never called the provider"
    finally:
        worker.kill()  # SIGKILL: no cleanup, the claim stays "sending"
        worker.communicate(timeout=30)
    hung_to = fake_at.requests[0]["form"]["to"]

    # the cron job releases the dead claim (timeout 0 here), then a new worker sees the queue through
    env = {**env, "NOTIFICATION_CLAIM_TIMEOUT_S": "0"}
    assert "1 not retried (outcome unknown)" in manage(env, "retry_notifications", "--now").stdout
    output, _ = start_task_worker(env, "--batch", "--threads=2").communicate(timeout=120)

    state = last_json(manage(env, "shell", "-c", "from tests.notifications.helpers import *; subprocess_dump()"))
    sms = {n["recipient"]: n for n in state["notifications"] if n["channel"] == "sms"}
    uncertain = sms.pop(hung_to)
    assert (uncertain["status"], uncertain["provider_status"], uncertain["attempts"]) == ("failed", "unknown", 1)
    assert "may have accepted" in uncertain["last_error"]
    assert all((n["status"], n["attempts"]) == ("sent", 1) for n in sms.values()), output
    # the SMS whose answer never came was asked for once and never again; the two others once each
    assert sorted(r["form"]["to"] for r in fake_at.requests) == sorted([hung_to, *sms])
    assert len(mailbox.messages) == 3
