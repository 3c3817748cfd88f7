"""django-prometheus' request metrics, each labelled child looked up once instead of on every request.

`label_metric` is django-prometheus' hook for how a metric gets its labels; its default calls
`metric.labels(...)` (a lock, a tuple of strings and a dict look-up) for each of the eight labelled
metrics on every request. Here each child is kept in a dict by its metric and label values after
its first use: the metrics, their names and labels are django-prometheus' own. The label values
are bounded as the library's are (view names, methods, status codes, charsets).
"""

from __future__ import annotations

from django_prometheus.middleware import PrometheusAfterMiddleware as _After
from django_prometheus.middleware import PrometheusBeforeMiddleware as _Before
from django_prometheus.utils import Time

_children: dict[tuple, object] = {}


class _CachedLabels:
    def label_metric(self, metric, request, response=None, **labels):
        if not labels:
            return metric
        key = (metric, *labels.items())
        child = _children.get(key)
        if child is None:
            child = _children.setdefault(key, metric.labels(**labels))
        return child


class PrometheusBeforeMiddleware(_CachedLabels, _Before):
    """django-prometheus' first middleware (requests and latency including every middleware)."""


class PrometheusAfterMiddleware(_CachedLabels, _After):
    """django-prometheus' last middleware (requests by method, view, status; body sizes; latency)."""

    def process_request(self, request):
        # The library's, reading the two headers from META: `request.headers` would first copy
        # every header of the request into a new mapping.
        self.label_metric(self.metrics.requests_by_method, request, method=self._method(request)).inc()
        self.label_metric(self.metrics.requests_by_transport, request, transport=self._transport(request)).inc()
        if request.META.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest":
            self.metrics.requests_ajax.inc()
        self.metrics.requests_body_bytes.observe(int(request.META.get("CONTENT_LENGTH") or 0))
        request.prometheus_after_middleware_event = Time()
