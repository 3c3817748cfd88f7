"""Gunicorn settings for the image (and `make bench`), read from the environment.

Every variable is listed with its default in `.env.example`. Prometheus counters live in each worker
process; multiprocess mode (PROMETHEUS_MULTIPROC_DIR) lets `/metrics` add them up across workers.
"""

import gc
import os
import shutil
import tempfile
from pathlib import Path

from gunicorn.glogging import Logger

# gunicorn puts its working directory (the project's) on sys.path before it reads this file.
from ecommerce.logging import logging_config


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8080)}"
workers = _int("GUNICORN_WORKERS", 2)
# More than one thread selects the gthread worker: requests waiting on the database overlap.
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 25)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycling workers bounds the damage of a slow leak; jitter keeps them from restarting together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
wsgi_app = "ecommerce.wsgi:application"
# The application is imported once, in the master, and the workers fork from it: a worker replaced
# after max_requests serves at once instead of importing Django, DRF and every app again (about 2 s
# of CPU on a small core, every 1000 requests per worker). Off: each worker imports it itself.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").strip().lower() not in ("0", "false", "no", "off")
# The heartbeat file on tmpfs: on a disk-backed /tmp, fchmod can stall a worker.
_shm = "/dev/shm"  # noqa: S108 (tmpfs for gunicorn's own heartbeat file, as its docs advise)
worker_tmp_dir = _shm if os.path.isdir(_shm) and os.access(_shm, os.W_OK) else None
# The control socket (gunicorn 25+) would live under $HOME, which is read-only in the pods; unused here.
control_socket_disable = True
# The request log is the application's own JSON line (ecommerce.request); gunicorn's would duplicate it.
# `accesslog = None` is not enough: given a logging config (below), gunicorn writes its access line for
# every request anyway.
accesslog = None


class _Logger(Logger):
    """gunicorn's logger without its access log."""

    def access(self, resp, req, environ, request_time):
        return None


logger_class = _Logger
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The application's own logging (ecommerce.logging): JSON lines on stdout, secrets redacted; gunicorn's
# loggers write there too and do not propagate to the root a second time.
logconfig_dict = logging_config(
    level="INFO",
    fmt=os.environ.get("LOG_FORMAT", "json"),
    loggers={
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stdout"], "propagate": False},
    },
)

# Prometheus multiprocess mode. Must be in the environment before any worker imports prometheus_client,
# so it is set here, in the master, before the workers fork. A directory given by the operator is
# emptied at start (files of dead processes from a previous run would be added up forever); without
# one, a private directory is made and removed at exit.
_own_multiproc_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_multiproc_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="ecommerce-prometheus-")
_multiproc_dir = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])


# Made here, before a preloaded application creates its metrics in it.
_multiproc_dir.mkdir(parents=True, exist_ok=True)


def on_starting(server):
    # After the preload: the master's own (never incremented) metric files go too.
    for stale in _multiproc_dir.glob("*.db"):
        stale.unlink()


def when_ready(server):
    """In the master, once, before the first fork: what every worker would otherwise do on its first request."""
    if not preload_app:
        return
    from django.urls import get_resolver

    # Imports every URLconf and view module and builds the resolver's lookup tables.
    get_resolver().reverse_dict  # noqa: B018
    # What exists now is shared by every worker: the cyclic GC of each worker skips it (and so does not
    # copy the master's pages by touching them).
    gc.freeze()


def worker_exit(server, worker):
    # In the worker, as it stops: its buffered Prometheus events reach the shared files (ecommerce/metrics.py).
    import sys

    metrics = sys.modules.get("ecommerce.metrics")
    if metrics is not None:
        metrics.flush()


def child_exit(server, worker):
    # A dead worker's live gauges are dropped; its counters stay in the sum.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_multiproc_dir:
        shutil.rmtree(_multiproc_dir, ignore_errors=True)
