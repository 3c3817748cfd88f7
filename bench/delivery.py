"""The delivery scenario of `make bench` (`--delivery`): notifications keeping pace with orders.

Everything as production runs it, on loopback: gunicorn (the image's config) taking POST /orders from wrk,
`manage.py task_worker` processes (2, WORKER_THREADS threads each) delivering through the real
africastalking SDK to a stand-in speaking Africa's Talking's SMS API (answering after `--provider-delay-ms`,
200 ms by default) and through SMTP to a local sink, MariaDB, Redis (the shared cache of the send rate).

Phases:
1. capacity: a backlog of notifications drained by the workers, with an instant provider and with the
   delayed one (target: the delay costs at most 20 % of the instant rate);
2. live: orders at the bench's POST /orders rate for `--delivery-duration` s while the workers deliver:
   orders/s, delivered/s, the queue depth over time, order → provider-accepted latency p50/p99
   (target: p99 <= 5 s). Its delivered/s cannot exceed 2 x its orders/s: no notification exists but those
   of its orders, so a run that keeps pace reads just under 2 (by the latency's spread over the window);
3. loaded: the same orders, the workers starting on a backlog that lasts the whole window (`--loaded-backlog`):
   what the workers deliver per second while orders arrive at the bench's rate and take their share of the
   CPU, against 2 x those orders/s (target: >= 2, both notifications of every order keep pace). The window
   ends early if the backlog runs out (then the workers outran it);
4. outage: the same with the provider answering 503 for `--outage` s in the middle; then the bench waits
   for the queue to drain and counts, at the stand-in, that every SMS was accepted exactly once.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from bench.environment import ROOT, BenchError

HOST = "127.0.0.1"
API_KEY = "bench-api-key"
LUA = Path(__file__).resolve().parent / "wrk" / "delivery.lua"
TARGETS = {"keep_pace_ratio": 2.0, "p99_seconds": 5.0, "delay_cost": 0.20}


def add_arguments(parser: Any) -> None:
    group = parser.add_argument_group("delivery scenario (--delivery)")
    group.add_argument("--delivery", action="store_true", help="run the notification delivery scenario")
    group.add_argument("--delivery-duration", type=int, default=60, help="seconds of orders in the live phases")
    group.add_argument("--provider-delay-ms", type=int, default=200, help="the stand-in provider's answer time")
    group.add_argument("--delivery-workers", type=int, default=2, help="task_worker processes")
    group.add_argument("--worker-threads", type=int, default=16, help="WORKER_THREADS of each worker process")
    group.add_argument("--backlog", type=int, default=3000, help="notifications drained in the capacity phase")
    group.add_argument(
        "--loaded-backlog",
        type=int,
        default=None,
        help="notifications queued before the loaded phase (default: 300 a second of --delivery-duration; 0: none)",
    )
    group.add_argument("--outage", type=int, default=30, help="seconds the provider is down (0: no outage phase)")
    group.add_argument("--sms-rate", type=int, default=100, help="NOTIFICATION_SMS_RATE_PER_S in the outage phase")
    group.add_argument("--delivery-ports", type=int, default=8400, help="first of the ports the scenario uses")
    group.add_argument("--redis-url", default="redis://127.0.0.1:6379/8", help="CACHE_URL of the workers")
    group.add_argument(
        "--compare-celery",
        action="store_true",
        help="also drain the backlog with Celery (Redis broker, thread pool; needs celery[redis] installed)",
    )


# --- the stand-ins ----------------------------------------------------------------------------------


@dataclass
class StandInProvider:
    """Africa's Talking's POST /version1/messaging: answers 201 after `delay` s, or 503 while `down`."""

    port: int
    delay: float = 0.0
    down: bool = False
    accepted: list[tuple[float, str]] = field(default_factory=list)  # (time, message)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if provider.down:
                    with provider.lock:
                        provider.refused += 1
                    self._answer(503, b"Service Unavailable")
                    return
                if provider.delay:
                    time.sleep(provider.delay)
                with provider.lock:
                    provider.accepted.append((time.time(), form.get("message", "")))
                    message_id = f"ATXid_bench_{len(provider.accepted)}"
                recipient = {"statusCode": 101, "number": form.get("to"), "status": "Success", "messageId": message_id}
                body = {"SMSMessageData": {"Message": "Sent to 1/1", "Recipients": [recipient]}}
                self._answer(201, json.dumps(body).encode())

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, self.port), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 256
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self, *, delay: float) -> None:
        with self.lock:
            self.accepted.clear()
            self.refused = 0
        self.delay, self.down = delay, False

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def smtp_sink(port: int) -> Iterator[list[int]]:
    """An SMTP server that accepts everything (aiosmtpd, a dev dependency); yields the count of messages."""
    from aiosmtpd.controller import Controller

    received = [0]

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received[0] += 1
            return "250 OK"

    controller = Controller(Handler(), hostname=HOST, port=port)
    controller.start()
    try:
        yield received
    finally:
        controller.stop()


# --- the processes ----------------------------------------------------------------------------------


class Processes:
    """Subprocesses started for a phase, each stopped with SIGTERM (then SIGKILL) at the end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[tuple[subprocess.Popen, Any]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("w")
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
        self.started.append((process, log))
        return process

    def stop(self) -> None:
        for process, _ in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, log in self.started:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        self.started.clear()


def _wait_http(port: int, path: str, *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise BenchError(f"nothing answered http://{HOST}:{port}{path} within {seconds:.0f} s")


def start_workers(processes: Processes, args: Any, env: dict[str, str], *, first_port: int) -> list[subprocess.Popen]:
    workers = []
    for index in range(args.delivery_workers):
        port = first_port + index
        workers.append(
            processes.start(
                f"worker-{index}",
                [sys.executable, "manage.py", "task_worker", "--interval=0.2"],
                {**env, "WORKER_THREADS": str(args.worker_threads), "WORKER_HEALTH_PORT": str(port)},
            )
        )
        _wait_http(port, "/health")
    return workers


def cpu_seconds(processes: list[subprocess.Popen]) -> float | None:
    """User + system CPU the processes have used so far (Linux /proc; None elsewhere). Less sensitive to
    other load on the machine than the rates: what one delivery costs the workers."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    try:
        for process in processes:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    except (OSError, IndexError, ValueError):
        return None
    return total / ticks


def _cpu_ms_per(seconds: float | None, count: int) -> float | None:
    return round(1000 * seconds / count, 2) if seconds is not None and count else None


# --- measuring --------------------------------------------------------------------------------------


def _clear_queue() -> None:
    from django_tasks_db.models import DBTaskResult

    from notifications.models import Notification
    from orders.models import Order, OrderLine

    DBTaskResult.objects.all().delete()
    Notification.objects.all().delete()
    OrderLine.objects.filter(order__note="delivery bench").delete()
    Order.objects.filter(note="delivery bench").delete()


def _queue_depth() -> int:
    from django.db.models import Q

    from notifications.models import Notification

    unfinished = Q(status__in=["pending", "sending"]) | Q(status="failed", next_attempt_at__isnull=False)
    return Notification.objects.filter(unfinished).count()


def _wait_drained(seconds: float, *, sample: Callable[[], None] | None = None) -> float:
    """Seconds until no notification is pending, being sent or awaiting a retry (at most `seconds`)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if sample:
            sample()
        if _queue_depth() == 0:
            return time.monotonic() - started
        time.sleep(1)
    raise BenchError(f"the notification queue did not drain within {seconds:.0f} s ({_queue_depth()} left)")


def _backlog(count: int, *, enqueue: Callable[[list[int]], None] | None = None) -> None:
    """`count` notifications (half SMS, half email) with their tasks, on a few real orders; `enqueue`
    queues them elsewhere than the database tasks backend."""
    from django.db import transaction

    from customers.models import Customer
    from notifications.models import Channel, Notification
    from notifications.tasks import notification_deliver
    from orders.models import Order

    customers = list(Customer.objects.exclude(phone="")[:50])
    orders = Order.objects.bulk_create(
        Order(customer=customer, total=1, currency="KES", note="delivery bench") for customer in customers
    )
    rows = []
    for index in range(count):
        order = orders[index % len(orders)]
        sms = index % 2 == 0
        rows.append(
            Notification(
                order=order,
                channel=Channel.SMS if sms else Channel.EMAIL,
                recipient=order.customer.phone.as_e164 if sms else "ops@example.com",
                subject="" if sms else f"Bench {index}",
                message=f"Bench notification {index} of order #{order.pk}",
            )
        )
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows, batch_size=1000)
        if enqueue is None:
            for notification in created:
                notification_deliver.enqueue(notification.pk)
    if enqueue is not None:
        enqueue([notification.pk for notification in created])


def _celery_enqueue(args: Any) -> Callable[[list[int]], None]:
    try:
        import redis
    except ImportError:
        raise BenchError('--compare-celery needs Celery: pip install "celery[redis]==5.7.0"') from None
    redis.Redis.from_url(args.redis_url).flushdb()  # the bench's own Redis database: no message left over

    def enqueue(ids: list[int]) -> None:
        from bench.celery_engine import notification_deliver

        for pk in ids:
            notification_deliver.delay(pk)

    return enqueue


def start_celery_workers(processes: Processes, args: Any, env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "celery", "-A", "bench.celery_engine", "worker", "-P", "threads"]
    command += [f"-c{args.worker_threads}", "-Q", "bench-delivery", "-l", "WARNING"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    for index in range(args.delivery_workers):
        processes.start(f"celery-{index}", [*command, "-n", f"bench{index}@%h"], env)


def capacity(
    args: Any, env: dict[str, str], provider: StandInProvider, log_dir: Path, *, delay: float, engine: str = "db"
) -> dict:
    """Drain a backlog of `args.backlog` notifications: delivered/s from the first to the last sent_at."""
    from django.db.models import Max, Min

    from notifications.models import Notification

    _clear_queue()
    provider.reset(delay=delay)
    env = {**env, "BENCH_CELERY_BROKER": args.redis_url}
    _backlog(args.backlog, enqueue=_celery_enqueue(args) if engine == "celery" else None)
    processes = Processes(log_dir)
    cpu: float | None = None
    try:
        if engine == "celery":
            start_celery_workers(processes, args, env)
        else:
            workers = start_workers(processes, args, env, first_port=args.delivery_ports + 10)
            cpu_before = cpu_seconds(workers)
        drained = _wait_drained(300)
        if engine != "celery":
            cpu_after = cpu_seconds(workers)
            cpu = cpu_after - cpu_before if cpu_after is not None and cpu_before is not None else None
    finally:
        processes.stop()
    span = Notification.objects.filter(status="sent").aggregate(first=Min("sent_at"), last=Max("sent_at"))
    sent = Notification.objects.filter(status="sent").count()
    seconds = max((span["last"] - span["first"]).total_seconds(), 1e-3) if sent else 0
    return {
        "engine": engine,
        "provider_delay_ms": round(delay * 1000),
        "notifications": args.backlog,
        "sent": sent,
        "delivered_per_s": round(sent / seconds, 1) if seconds else 0.0,
        "drain_seconds": round(drained, 1),
        "worker_cpu_ms_per_delivery": _cpu_ms_per(cpu, sent) if engine != "celery" else None,
    }


def _write_wrk_data(directory: Path) -> dict:
    from rest_framework_simplejwt.tokens import AccessToken

    from catalog.models import Product
    from customers.models import Customer

    hot = list(
        Product.objects.filter(is_active=True, stock__gt=1_000_000).order_by("pk").values_list("pk", flat=True)[:2000]
    )
    if not hot:
        raise BenchError("the bench database has no products with stock to buy: run the bench once without --delivery")
    tokens = []
    for customer in Customer.objects.exclude(phone="").select_related("user"):
        token = AccessToken.for_user(customer.user)
        token.set_exp(lifetime=timedelta(hours=2))
        tokens.append(str(token))
    (directory / "hot.txt").write_text("\n".join(map(str, hot)) + "\n")
    (directory / "tokens.txt").write_text("\n".join(tokens) + "\n")
    return {"hot": len(hot), "customers": len(tokens)}


def live(
    args: Any,
    env: dict[str, str],
    provider: StandInProvider,
    log_dir: Path,
    wrk: str,
    data: Path,
    *,
    outage: int = 0,
    backlog: int = 0,
) -> dict:
    """Orders through gunicorn for `delivery_duration` s while the workers deliver; the provider is down
    for `outage` s in the middle (then the bench waits for every retry). `backlog`: notifications queued
    before the orders start (the loaded phase: the workers' rate under the orders' load, not drained after)."""
    from django.db.models import Max

    from notifications.models import Notification
    from orders.models import Order

    _clear_queue()
    if backlog:
        _backlog(backlog)
    provider.reset(delay=args.provider_delay_ms / 1000)
    web_port = args.delivery_ports + 2
    processes = Processes(log_dir)
    depth: list[tuple[float, int]] = []
    cpu: float | None = None
    try:
        web_env = {**env, "GUNICORN_BIND": f"{HOST}:{web_port}", "GUNICORN_WORKERS": "2"}
        processes.start(
            "gunicorn-delivery",
            [sys.executable, "-m", "gunicorn", "--config", "docker/gunicorn.conf.py", "--bind", f"{HOST}:{web_port}"],
            web_env,
        )
        _wait_http(web_port, "/health")
        workers = start_workers(processes, args, env, first_port=args.delivery_ports + 10)
        command = [wrk, "-t1", "-c8", f"-d{args.delivery_duration}s", "--timeout", "10s", "-s", str(LUA)]
        command += [f"http://{HOST}:{web_port}", "--", str(data)]
        cpu_before = cpu_seconds(workers)
        started = time.time()
        wrk_run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        outage_starts = started + (args.delivery_duration - outage) / 2
        outage_window = (outage_starts, outage_starts + outage)
        next_sample = started
        while wrk_run.poll() is None:  # polled often, so `ended` is when the orders stopped
            now = time.time()
            if outage:
                provider.down = outage_window[0] <= now < outage_window[1]
            if now >= next_sample:
                depth.append((round(now - started, 1), _queue_depth()))
                next_sample += 2
            time.sleep(0.1)
        provider.down = False
        ended = time.time()
        wrk_out, wrk_err = wrk_run.communicate()
        depth.append((round(ended - started, 1), _queue_depth()))
        cpu_after = cpu_seconds(workers)
        if backlog:
            drained = 0.0
        else:
            drain_limit = 420 if outage else 120
            drained = _wait_drained(
                drain_limit, sample=lambda: depth.append((round(time.time() - started, 1), _queue_depth()))
            )
            cpu_after = cpu_seconds(workers)
        cpu = cpu_after - cpu_before if cpu_after is not None and cpu_before is not None else None
    finally:
        provider.down = False
        processes.stop()

    # the window ends when wrk stopped, or with the last of the requests it had in flight then (gunicorn
    # still places them): every order of the phase is in it
    last_order = Order.objects.filter(note="delivery bench").aggregate(last=Max("created_at"))["last"]
    ended = max(ended, last_order.timestamp()) if last_order else ended
    window = (datetime.fromtimestamp(started, UTC), datetime.fromtimestamp(ended, UTC))
    orders = Order.objects.filter(created_at__range=window).count()
    rows = Notification.objects.filter(order__created_at__range=window, status="sent").values_list(
        "sent_at", "order__created_at"
    )
    latencies = sorted((sent - created).total_seconds() for sent, created in rows if sent is not None)
    p50 = statistics.median(latencies) if latencies else 0.0
    p99 = latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0.0
    seconds = ended - started
    # A window of orders is delivered one mean latency later: count the deliveries in the window shifted by
    # it (for orders arriving at a steady rate, that count is every notification of the window's orders).
    # It is exact once the workers fall behind (they deliver all the time, at their rate) and never above 2 x
    # the orders otherwise: no order precedes the window, so a run that keeps pace reads 2 less about
    # 2 x E|latency - mean| / duration (0.3-1 % at these latencies).
    shift = timedelta(seconds=statistics.fmean(latencies) if latencies else 0.0)
    shifted = (window[0] + shift, window[1] + shift)
    delivered = Notification.objects.filter(status="sent", sent_at__range=shifted).count()
    # Beside it, the same window for orders and deliveries, from the p99 latency (at least 1 s) after the start
    # to the end: 2 less the queue's growth over the window per order, so it can read above 2 when the queue
    # shrinks (noisier by the in-flight count at either end).
    settle = min(max(p99, 1.0), seconds / 4)
    steady = (window[0] + timedelta(seconds=settle), window[1])
    steady_orders = Order.objects.filter(created_at__range=steady).count()
    steady_delivered = Notification.objects.filter(status="sent", sent_at__range=steady).count()
    result = {
        "seconds": round(seconds, 1),
        "orders": orders,
        "orders_per_s": round(orders / seconds, 1),
        "delivered": delivered,
        "delivered_per_s": round(delivered / seconds, 1),
        "same_window_ratio": round(steady_delivered / steady_orders, 3) if steady_orders else 0.0,
        "worker_cpu_ms_per_delivery": _cpu_ms_per(cpu, len(latencies)),
        "latency_p50_s": round(p50, 3),
        "latency_p99_s": round(p99, 3),
        "queue_depth": depth,
        "max_queue_depth": max((d for _, d in depth), default=0),
        "drained_after_s": round(drained, 1),
        "wrk": wrk_out.strip().splitlines()[-3:] + wrk_err.strip().splitlines()[-2:],
    }
    if outage:
        result.update(_outage_counts(provider, window, outage_window, args))
    if backlog:
        result.update(_loaded_rate(window, depth, started, backlog))
        in_window = Notification.objects.filter(status="sent", sent_at__range=window).count()
        result["worker_cpu_ms_per_delivery"] = _cpu_ms_per(cpu, in_window)
    return result


def _loaded_rate(window: tuple, depth: list[tuple[float, int]], started: float, backlog: int) -> dict:
    """Deliveries per second over the window (of the backlog and of the window's orders alike), against the
    window's orders per second; the window ends at the first sample that found the queue empty, if any."""
    from notifications.models import Notification
    from orders.models import Order

    empty_at = next((at for at, rows in depth if rows == 0), None)
    end = window[1] if empty_at is None else min(window[1], datetime.fromtimestamp(started + empty_at, UTC))
    seconds = max((end - window[0]).total_seconds(), 1e-3)
    orders = Order.objects.filter(note="delivery bench", created_at__range=(window[0], end)).count()
    delivered = Notification.objects.filter(status="sent", sent_at__range=(window[0], end)).count()
    return {
        "backlog": backlog,
        "loaded_seconds": round(seconds, 1),
        "queue_emptied_at_s": empty_at,
        "loaded_orders_per_s": round(orders / seconds, 1),
        "loaded_delivered_per_s": round(delivered / seconds, 1),
        "loaded_ratio": round(delivered / orders, 3) if orders else 0.0,
    }


def _outage_counts(provider: StandInProvider, window: tuple, outage_window: tuple, args: Any) -> dict:
    from notifications.models import Notification

    sms = list(Notification.objects.filter(channel="sms", order__created_at__range=window).values("status", "message"))
    accepted = Counter(message for _, message in provider.accepted)
    once = sum(accepted[row["message"]] == 1 for row in sms)
    after = [at for at, _ in provider.accepted if at >= outage_window[1]]
    per_second = Counter(int(at) for at in after)
    return {
        "outage_s": args.outage,
        "sms": len(sms),
        "sms_sent": sum(row["status"] == "sent" for row in sms),
        "sms_accepted_once": once,
        "sms_accepted_twice_or_more": sum(count > 1 for count in accepted.values()),
        "refused_during_outage": provider.refused,
        "sms_rate_limit": args.sms_rate,
        "peak_accepted_per_s_after_outage": max(per_second.values(), default=0),
        "every_sms_once": once == len(sms) and len(accepted) == len(sms),
    }


# --- the scenario -----------------------------------------------------------------------------------


def run(args: Any, *, wrk: str, server_env: dict[str, str], progress: Callable[[str], None]) -> dict:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line at INFO
    """All three phases; figures and targets as a dict for the bench's JSON and table."""
    ports = args.delivery_ports
    log_dir = ROOT / "bench" / "results" / "delivery"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **server_env,
        "TASKS_BACKEND": "database",
        "SMS_BACKEND": "africastalking",
        "AFRICASTALKING_USERNAME": "bench",
        "AFRICASTALKING_API_KEY": API_KEY,
        "AFRICASTALKING_API_URL": f"http://{HOST}:{ports}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": HOST,
        "EMAIL_PORT": str(ports + 1),
        "ORDER_NOTIFICATION_EMAILS": "ops@example.com",
        "NOTIFICATION_TIMEOUT_S": "5",
        "CACHE_URL": args.redis_url,
        "LOG_LEVEL": "WARNING",
    }
    report: dict[str, Any] = {
        "provider_delay_ms": args.provider_delay_ms,
        "workers": args.delivery_workers,
        "threads_per_worker": args.worker_threads,
    }
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-delivery-") as directory:
        provider = StandInProvider(port=ports)
        stack.callback(provider.stop)
        stack.enter_context(smtp_sink(ports + 1))
        progress(f"bench: delivery capacity, {args.backlog} notifications, instant provider")
        instant = capacity(args, env, provider, log_dir, delay=0.0)
        progress(f"  {instant['delivered_per_s']} delivered/s, {instant['worker_cpu_ms_per_delivery']} ms CPU each")
        progress(f"bench: delivery capacity, provider answering in {args.provider_delay_ms} ms")
        delayed = capacity(args, env, provider, log_dir, delay=args.provider_delay_ms / 1000)
        progress(f"  {delayed['delivered_per_s']} delivered/s, {delayed['worker_cpu_ms_per_delivery']} ms CPU each")
        report["capacity"] = {"instant": instant, "delayed": delayed}
        if args.compare_celery:
            for name, delay in (("celery instant", 0.0), ("celery delayed", args.provider_delay_ms / 1000)):
                progress(f"bench: delivery capacity with Celery (Redis broker, threads), {name.split()[1]} provider")
                report["capacity"][name] = capacity(args, env, provider, log_dir, delay=delay, engine="celery")
                progress(f"  {report['capacity'][name]['delivered_per_s']} delivered/s")

        data = Path(directory)
        report["wrk_data"] = _write_wrk_data(data)
        progress(f"bench: live delivery, orders for {args.delivery_duration} s, provider {args.provider_delay_ms} ms")
        report["live"] = live(args, env, provider, log_dir, wrk, data)
        row = report["live"]
        progress(
            f"  {row['orders_per_s']} orders/s, {row['delivered_per_s']} delivered/s, latency p50 "
            f"{row['latency_p50_s']} s p99 {row['latency_p99_s']} s, max queue {row['max_queue_depth']}, "
            f"same-window ratio {row['same_window_ratio']}, workers' CPU {row['worker_cpu_ms_per_delivery']} ms"
        )
        loaded_backlog = 300 * args.delivery_duration if args.loaded_backlog is None else args.loaded_backlog
        if loaded_backlog:
            progress(f"bench: loaded delivery, {loaded_backlog} notifications queued, then orders as in the live phase")
            report["loaded"] = live(args, env, provider, log_dir, wrk, data, backlog=loaded_backlog)
            row = report["loaded"]
            progress(
                f"  {row['loaded_orders_per_s']} orders/s, {row['loaded_delivered_per_s']} delivered/s "
                f"= {row['loaded_ratio']} x over {row['loaded_seconds']} s (queue emptied at "
                f"{row['queue_emptied_at_s']} s), workers' CPU {row['worker_cpu_ms_per_delivery']} ms"
            )
        if args.outage:
            progress(f"bench: outage, provider down {args.outage} s mid-run, SMS rate {args.sms_rate}/s")
            outage_env = {**env, "NOTIFICATION_SMS_RATE_PER_S": str(args.sms_rate)}
            report["outage"] = live(args, outage_env, provider, log_dir, wrk, data, outage=args.outage)
            row = report["outage"]
            progress(
                f"  {row['sms']} SMS, accepted once {row['sms_accepted_once']}, twice+ "
                f"{row['sms_accepted_twice_or_more']}, drained {row['drained_after_s']} s after the orders"
            )
    report["targets"] = _targets(report)
    return report


def _targets(report: dict) -> dict:
    live_row, capacity_rows = report["live"], report["capacity"]
    cost = 1 - capacity_rows["delayed"]["delivered_per_s"] / max(capacity_rows["instant"]["delivered_per_s"], 1e-9)
    # The workers' rate while orders arrive (the loaded phase); without it, the live phase's (capped at 2).
    loaded = report.get("loaded")
    pace = loaded["loaded_ratio"] if loaded else live_row["delivered_per_s"] / max(live_row["orders_per_s"], 1e-9)
    checks = {
        "delivered/s ÷ orders/s (loaded)" if loaded else "delivered/s ÷ orders/s": (
            pace,
            TARGETS["keep_pace_ratio"],
            "≥",
        ),
        "order→accepted p99 (s)": (live_row["latency_p99_s"], TARGETS["p99_seconds"], "≤"),
        "cost of the provider delay": (cost, TARGETS["delay_cost"], "≤"),
    }
    result = {
        name: {"value": round(value, 3), "target": target, "met": value >= target if op == "≥" else value <= target}
        for name, (value, target, op) in checks.items()
    }
    if "outage" in report:
        result["every SMS sent once after the outage"] = {
            "value": report["outage"]["every_sms_once"],
            "target": True,
            "met": report["outage"]["every_sms_once"],
        }
    return result


def render(report: dict) -> str:
    lines = [
        f"delivery: {report['workers']} workers × {report['threads_per_worker']} threads, "
        f"provider {report['provider_delay_ms']} ms"
    ]
    for name, row in report["capacity"].items():
        cpu = row.get("worker_cpu_ms_per_delivery")
        lines.append(
            f"  capacity, {name} provider: {row['delivered_per_s']} delivered/s ({row['sent']} sent)"
            + (f", workers' CPU {cpu} ms per delivery" if cpu is not None else "")
        )
    row = report["live"]
    lines.append(
        f"  live: {row['orders_per_s']} orders/s, {row['delivered_per_s']} delivered/s (same window for both: "
        f"{row['same_window_ratio']} x), latency p50 {row['latency_p50_s']} s / p99 "
        f"{row['latency_p99_s']} s, queue max {row['max_queue_depth']}, workers' CPU "
        f"{row['worker_cpu_ms_per_delivery']} ms per delivery"
    )
    lines.append("  queue depth (s: rows): " + ", ".join(f"{t:.0f}: {d}" for t, d in row["queue_depth"][::3]))
    if "loaded" in report:
        row = report["loaded"]
        lines.append(
            f"  loaded ({row['backlog']} queued first): {row['loaded_orders_per_s']} orders/s, "
            f"{row['loaded_delivered_per_s']} delivered/s = {row['loaded_ratio']} x over {row['loaded_seconds']} s "
            f"(queue emptied at {row['queue_emptied_at_s']} s), workers' CPU {row['worker_cpu_ms_per_delivery']} ms"
        )
    if "outage" in report:
        row = report["outage"]
        lines.append(
            f"  outage {row['outage_s']} s: {row['sms']} SMS, {row['sms_accepted_once']} accepted once, "
            f"{row['sms_accepted_twice_or_more']} more than once, {row['refused_during_outage']} refused, "
            f"peak {row['peak_accepted_per_s_after_outage']}/s after (limit {row['sms_rate_limit']}/s), "
            f"drained {row['drained_after_s']} s after the orders stopped"
        )
        lines.append("  queue depth (s: rows): " + ", ".join(f"{t:.0f}: {d}" for t, d in row["queue_depth"][::5]))
    for name, check in report["targets"].items():
        mark = "ok" if check["met"] else "MISSED"
        lines.append(f"  {name:<38} {check['value']!s:>8} (target {check['target']}) {mark}")
    return "\n".join(lines)
