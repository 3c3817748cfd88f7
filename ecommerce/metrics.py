"""django-prometheus' request and query metrics, counted in memory and written out once a second.

Under gunicorn, Prometheus' multiprocess mode keeps every value in a memory-mapped file so that
`/metrics` can add the workers up; each `inc()` or `observe()` then takes a lock and writes the file,
and django-prometheus makes about fifteen of them per request (and one labelled-child look-up each),
plus three per query. Here the same metrics (django-prometheus' own objects: names, labels,
buckets) are counted per thread in plain dicts, and a background thread of each worker adds them
to the real values every `FLUSH_SECONDS` (one write per changed value, not one per event); a
scrape of a worker flushes that worker first, and gunicorn's `worker_exit` hook flushes a worker
that stops. A worker's counts reach `/metrics` at most `FLUSH_SECONDS` late (a worker killed
with SIGKILL loses at most that much). Outside multiprocess mode (tests, `runserver`) nothing is
buffered: every event goes straight to prometheus_client, as before.
"""

from __future__ import annotations

import os
import threading
from bisect import bisect_left

from django_prometheus.middleware import PrometheusAfterMiddleware as _After
from django_prometheus.middleware import PrometheusBeforeMiddleware as _Before
from django_prometheus.utils import Time, TimeSince
from prometheus_client import Histogram

FLUSH_SECONDS = 1.0
BUFFERED = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class _ThreadBuffer:
    """One thread's pending events: counter child -> amount; histogram child -> [sum, counts per bucket]."""

    __slots__ = ("counts", "histograms", "lock")

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: dict = {}
        self.histograms: dict = {}


_local = threading.local()
_buffers: list[_ThreadBuffer] = []
_registry_lock = threading.Lock()
_flusher_pid: int | None = None


def _buffer() -> _ThreadBuffer:
    buffer = getattr(_local, "buffer", None)
    if buffer is None:
        buffer = _local.buffer = _ThreadBuffer()
        with _registry_lock:
            _buffers.append(buffer)
        _start_flusher()
    return buffer


def _start_flusher() -> None:
    """One flushing thread per process, started by the first event (so in the worker, after the fork)."""
    global _flusher_pid
    with _registry_lock:
        if _flusher_pid == os.getpid():
            return
        _flusher_pid = os.getpid()
    thread = threading.Thread(target=_flush_forever, name="prometheus-flush", daemon=True)
    thread.start()


def _flush_forever() -> None:
    stop = threading.Event()
    while not stop.wait(FLUSH_SECONDS):
        flush()


def flush() -> None:
    """Add every thread's pending events to the real metric values (and so to the mmap'ed files)."""
    with _registry_lock:
        buffers = list(_buffers)
    for buffer in buffers:
        with buffer.lock:
            counts, buffer.counts = buffer.counts, {}
            histograms, buffer.histograms = buffer.histograms, {}
        for child, amount in counts.items():
            child.inc(amount)
        for child, (total, buckets) in histograms.items():
            # prometheus_client's Histogram.observe() adds to the sum and to the first bucket whose upper
            # bound is >= the value; the same, for many observations at once.
            child._sum.inc(total)
            for index, count in enumerate(buckets):
                if count:
                    child._buckets[index].inc(count)


class Buffered:
    """A labelled metric child whose `inc()`/`observe()` are counted in the calling thread's buffer."""

    __slots__ = ("bounds", "child")

    def __init__(self, child):
        self.child = child
        self.bounds = child._upper_bounds if isinstance(child, Histogram) else None

    def inc(self, amount: float = 1) -> None:
        buffer = _buffer()
        with buffer.lock:
            buffer.counts[self.child] = buffer.counts.get(self.child, 0) + amount

    def observe(self, amount: float) -> None:
        index = bisect_left(self.bounds, amount)
        buffer = _buffer()
        with buffer.lock:
            pending = buffer.histograms.get(self.child)
            if pending is None:
                pending = buffer.histograms[self.child] = [0.0, [0] * len(self.bounds)]
            pending[0] += amount
            pending[1][index] += 1


_children: dict[tuple, object] = {}


def child(metric, *labelvalues: str):
    """`metric.labels(*labelvalues)`, looked up once, buffered in multiprocess mode."""
    key = (metric, *labelvalues)
    found = _children.get(key)
    if found is None:
        made = metric.labels(*labelvalues) if labelvalues else metric
        found = _children.setdefault(key, Buffered(made) if BUFFERED else made)
    return found


class _CachedLabels:
    def label_metric(self, metric, request, response=None, **labels):
        # django-prometheus passes the labels by name, in its own fixed order for each metric.
        return child(metric, *(labels[name] for name in metric._labelnames))


class PrometheusBeforeMiddleware(_CachedLabels, _Before):
    """django-prometheus' first middleware (requests and latency including every middleware)."""

    def process_request(self, request):
        child(self.metrics.requests_total).inc()
        request.prometheus_before_middleware_event = Time()

    def process_response(self, request, response):
        metrics = self.metrics
        if hasattr(request, "prometheus_before_middleware_event"):
            latency = TimeSince(request.prometheus_before_middleware_event)
            _record([child(metrics.responses_total)], [(child(metrics.requests_latency_before), latency)])
        else:
            _record([child(metrics.responses_total), child(metrics.requests_unknown_latency_before)], [])
        return response


class PrometheusAfterMiddleware(_CachedLabels, _After):
    """django-prometheus' last middleware (requests by method, view, status; body sizes; latency).

    The library's events, recorded together: the children a (view, method, status, charset)
    answer updates are looked up once, then each request adds to them under one lock.
    """

    def process_request(self, request):
        # The library's, reading the two headers from META: `request.headers` would first copy
        # every header of the request into a new mapping.
        metrics = self.metrics
        counters = [
            child(metrics.requests_by_method, self._method(request)),
            child(metrics.requests_by_transport, self._transport(request)),
        ]
        if request.META.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest":
            counters.append(child(metrics.requests_ajax))
        content_length = int(request.META.get("CONTENT_LENGTH") or 0)
        _record(counters, [(child(metrics.requests_body_bytes), content_length)])
        request.prometheus_after_middleware_event = Time()

    def process_view(self, request, view_func, *view_args, **view_kwargs):
        if hasattr(request, "resolver_match"):
            name = request.resolver_match.view_name or "<unnamed view>"
            metric = self.metrics.requests_by_view_transport_method
            _record([child(metric, name, self._transport(request), self._method(request))], [])

    def process_response(self, request, response):
        metrics = self.metrics
        method, name, status = self._method(request), self._get_view_name(request), str(response.status_code)
        charset = str(response.charset) if hasattr(response, "charset") else None
        key = (name, method, request.method, status, charset)
        children = _response_children.get(key)
        if children is None:
            counters = [
                child(metrics.responses_by_status, status),
                child(metrics.responses_by_status_view_method, status, name, method),
            ]
            if charset is not None:
                counters.append(child(metrics.responses_by_charset, charset))
            children = _response_children.setdefault(
                key,
                (
                    counters,
                    child(metrics.responses_body_bytes),
                    child(metrics.requests_latency_by_view_method, name, request.method),
                ),
            )
        counters, body_bytes, latency = children
        if getattr(response, "streaming", False):
            counters = [*counters, child(metrics.responses_streaming)]
        histograms = [(body_bytes, len(response.content))] if hasattr(response, "content") else []
        if hasattr(request, "prometheus_after_middleware_event"):
            histograms.append((latency, TimeSince(request.prometheus_after_middleware_event)))
        else:
            counters = [*counters, child(metrics.requests_unknown_latency)]
        _record(counters, histograms)
        return response


_response_children: dict[tuple, tuple] = {}


def _record(counters, histograms) -> None:
    """Several events at once: one buffer look-up and one lock for the lot."""
    if not BUFFERED:
        for metric_child in counters:
            metric_child.inc()
        for metric_child, value in histograms:
            metric_child.observe(value)
        return
    buffer = _buffer()
    with buffer.lock:
        counts, pending = buffer.counts, buffer.histograms
        for buffered in counters:
            counts[buffered.child] = counts.get(buffered.child, 0) + 1
        for buffered, value in histograms:
            entry = pending.get(buffered.child)
            if entry is None:
                entry = pending[buffered.child] = [0.0, [0] * len(buffered.bounds)]
            entry[0] += value
            entry[1][bisect_left(buffered.bounds, value)] += 1
