"""The engine the delivery bench compares with the service's own (`--compare-celery`): Celery 5 with Redis as
the broker and a thread pool, running the very same `notifications.delivery.notification_send`.

Bench-only: the service does not use Celery (README "Delivery engine: why threads in the database worker").
Needs `pip install "celery[redis]==5.7.0"`; started by bench/delivery.py as
`celery -A bench.celery_engine worker -P threads -c N -Q bench-delivery`.
"""

import os

import django
from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecommerce.settings")
django.setup()

QUEUE = "bench-delivery"
app = Celery("bench_delivery", broker=os.environ.get("BENCH_CELERY_BROKER", "redis://127.0.0.1:6379/8"))
app.conf.update(
    task_default_queue=QUEUE,
    task_ignore_result=True,
    # as a careful production set-up would: acknowledge after the task ran, take a few messages at a time
    task_acks_late=True,
    worker_prefetch_multiplier=4,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)


@app.task(name="bench.notification_deliver")
def notification_deliver(notification_id: int) -> str:
    from django.db import close_old_connections

    from notifications.delivery import notification_send

    close_old_connections()
    notification = notification_send(notification_id=notification_id)
    return notification.status if notification is not None else "skipped"
