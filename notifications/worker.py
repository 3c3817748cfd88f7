"""The delivery worker: django-tasks-db's own worker loop, run in N threads of one process.

A delivery is almost all network wait (an SMS API round trip, an SMTP exchange), so one process runs
many at once: each thread is a `django_tasks_db` `Worker` with its own database connection, taking
tasks with the backend's `SELECT … FOR UPDATE SKIP LOCKED` and running them. Nothing is shared between
threads but the stop flag; what makes a message go out at most once is still the notification's own
claim (`notifications.status.notification_claim`), whatever the number of threads and processes.

Idle threads do not all poll: one of them at a time looks for a task every `interval` seconds (the
others wait in the process, not on the database), and a thread that finds one hands the turn to the
next at once. A process of 16 idle threads costs the database one poll an interval, not 16, and the CPU
a busy shop spends on deliveries is not spent asking an empty queue.

The process answers `GET /health` on `WORKER_HEALTH_PORT` (its liveness probe): 200 while every thread
is alive and none has been inside one task for longer than `WORKER_STUCK_TASK_S`, else 503.
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any

from django.db import OperationalError, close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from notifications.transports.email import email_close_connection

logger = logging.getLogger(__name__)


class _ThreadWorker(Worker):
    """One thread's loop (django-tasks-db's, with the idle turn); remembers when its current task started
    (for the liveness check)."""

    task_started_at: float | None = None

    def __init__(self, *, idle_turn: threading.Lock, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.idle_turn = idle_turn

    def fetch(self) -> tuple[DBTaskResult | None, bool]:
        """Claim the next ready task (`SELECT … FOR UPDATE SKIP LOCKED`, marked running, one commit), as
        django-tasks-db's loop does: (task or None, whether the queue could be read)."""
        close_old_connections()  # dropped or expired connections, as between requests
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            except OperationalError as error:
                if not is_locked_database_exception(error):  # a locked database unlocks: try again later
                    raise
                return None, False
        return task_result, True

    def fetch_when_idle(self) -> DBTaskResult | None:
        """Wait for this process's idle turn, then poll every `interval` until a task comes (or the stop);
        the turn passes on as soon as one is found, so the next idle thread asks at once."""
        while self.running:
            if not self.idle_turn.acquire(timeout=0.5):  # wakes up now and then to see the stop flag
                continue
            try:
                while self.running:
                    task_result, _ = self.fetch()
                    if task_result is not None:
                        return task_result
                    time.sleep(self.interval)
            finally:
                self.idle_turn.release()
        return None

    def run(self) -> None:
        logger.info("Starting worker thread %s", self.worker_id)
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 (spreading the first polls, not security)
        idle = False
        while self.running:
            if idle and not self.batch:
                task_result, read = self.fetch_when_idle(), True
            else:
                task_result, read = self.fetch()
                if task_result is None and read and self.batch:
                    return  # batch: the queue is empty
            if task_result is None:
                idle = True
                if not read:
                    time.sleep(self.interval)
                continue
            idle = False
            self.run_task(task_result)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.task_started_at = time.monotonic()
        try:
            super().run_task(db_task_result)
        finally:
            self.task_started_at = None


class WorkerPool:
    """`threads` task loops in this process, a health endpoint, and a graceful stop on SIGTERM/SIGINT.

    `batch`: each loop stops when it finds the queue empty (tests, one-off drains). A first signal lets
    every thread finish the task in hand (each is bounded by NOTIFICATION_TIMEOUT_S); a second one exits.
    """

    def __init__(
        self,
        *,
        threads: int,
        interval: float,
        batch: bool,
        backend_name: str,
        queue_names: list[str],
        health_host: str = "127.0.0.1",
        health_port: int | None = None,
        stuck_task_seconds: float = 300.0,
        worker_id_prefix: str | None = None,
    ) -> None:
        if threads < 1:
            raise ValueError("threads must be at least 1")
        prefix = (worker_id_prefix or f"{socket.gethostname()}-{os.getpid()}")[:56]
        idle_turn = threading.Lock()
        self.workers = [
            _ThreadWorker(
                idle_turn=idle_turn,
                queue_names=queue_names,
                interval=interval,
                batch=batch,
                backend_name=backend_name,
                startup_delay=not batch,
                max_tasks=None,
                worker_id=f"{prefix}-{index}",
                excluded_queue_names=[],
            )
            for index in range(threads)
        ]
        self.threads: list[threading.Thread] = []
        self.health_host, self.health_port = health_host, health_port
        self.stuck_task_seconds = stuck_task_seconds
        self.health_server: ThreadingHTTPServer | None = None
        self._stopping = False

    # --- liveness -----------------------------------------------------------------------------

    def health(self) -> tuple[bool, dict[str, Any]]:
        """(alive, details): every thread running and none stuck in one task."""
        now = time.monotonic()
        alive = sum(thread.is_alive() for thread in self.threads)
        busy = [w.task_started_at for w in self.workers if w.task_started_at is not None]
        stuck = sum(now - started > self.stuck_task_seconds for started in busy)
        healthy = alive == len(self.workers) and not stuck and not self._stopping
        return healthy, {
            "status": "ok" if healthy else "unhealthy",
            "threads": len(self.workers),
            "alive": alive,
            "busy": len(busy),
            "stuck": stuck,
            "stopping": self._stopping,
        }

    def _start_health_server(self) -> None:
        if not self.health_port:
            return
        pool = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.rstrip("/") not in ("/health", ""):
                    self.send_error(404)
                    return
                healthy, details = pool.health()
                body = json.dumps(details).encode()
                self.send_response(200 if healthy else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:  # probes every few seconds: not worth a log line
                pass

        self.health_server = ThreadingHTTPServer((self.health_host, self.health_port), Handler)
        self.health_server.daemon_threads = True
        threading.Thread(target=self.health_server.serve_forever, name="worker-health", daemon=True).start()
        logger.info("Worker health endpoint on http://%s:%s/health", self.health_host, self.health_port)

    # --- running ------------------------------------------------------------------------------

    def stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        if self._stopping and signum is not None:
            logger.warning("Second %s: exiting without waiting for tasks in hand", signal.strsignal(signum))
            os._exit(1)
        self._stopping = True
        for worker in self.workers:
            worker.running = False
        if signum is not None:
            logger.warning("Received %s: finishing the tasks in hand", signal.strsignal(signum))

    def _loop(self, worker: _ThreadWorker) -> None:
        try:
            worker.run()
        except Exception:
            logger.exception("Worker thread %s stopped on an error", worker.worker_id)
            raise
        finally:
            email_close_connection()
            connections.close_all()

    def run(self, *, install_signals: bool = True, on_started: Callable[[], None] | None = None) -> None:
        if install_signals:
            for name in ("SIGINT", "SIGTERM", "SIGQUIT"):
                if hasattr(signal, name):
                    signal.signal(getattr(signal, name), self.stop)
        self.threads = [
            threading.Thread(target=self._loop, args=(worker,), name=f"worker-{index}")
            for index, worker in enumerate(self.workers)
        ]
        for thread in self.threads:
            thread.start()
        self._start_health_server()
        logger.info("Worker started: %s threads", len(self.threads))
        if on_started:
            on_started()
        try:
            # join with a timeout so the main thread keeps handling signals
            while any(thread.is_alive() for thread in self.threads):
                for thread in self.threads:
                    thread.join(timeout=0.5)
        finally:
            if self.health_server:
                self.health_server.shutdown()
                self.health_server.server_close()
        logger.info("Worker stopped")
