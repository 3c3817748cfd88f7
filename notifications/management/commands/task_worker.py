from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME

from notifications.queue import tasks_share_the_database
from notifications.worker import WorkerPool


class Command(BaseCommand):
    help = (
        "Run the background task worker (TASKS_BACKEND=database): django-tasks-db's worker loop in "
        "WORKER_THREADS threads, so deliveries overlap their network waits; GET /health on WORKER_HEALTH_PORT."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--threads", type=int, default=None, help="task threads (default: WORKER_THREADS)")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds a thread waits when the queue is empty (default 1)"
        )
        parser.add_argument("--batch", action="store_true", help="run until the queue is empty, then exit")
        parser.add_argument("--queue-name", default=DEFAULT_TASK_QUEUE_NAME, help="queues, comma-separated; * for all")
        parser.add_argument("--backend", default=DEFAULT_TASK_BACKEND_ALIAS, help="the tasks backend alias")
        parser.add_argument(
            "--health-port", type=int, default=None, help="port of GET /health (default WORKER_HEALTH_PORT; 0: off)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        threads = options["threads"] if options["threads"] is not None else settings.WORKER_THREADS
        if threads < 1:
            raise CommandError("--threads must be at least 1.")
        if options["interval"] < 0:
            raise CommandError("--interval must be zero or more.")
        if not tasks_share_the_database():
            raise CommandError("The worker runs database tasks: set TASKS_BACKEND=database.")
        health_port = options["health_port"] if options["health_port"] is not None else settings.WORKER_HEALTH_PORT
        pool = WorkerPool(
            threads=threads,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend"],
            queue_names=options["queue_name"].split(","),
            health_host=settings.WORKER_HEALTH_HOST,
            health_port=health_port or None,
            stuck_task_seconds=settings.WORKER_STUCK_TASK_S,
        )
        pool.run()
