"""What each layer of the service's plumbing costs per request, measured in-process.

`python -m bench.plumbing` (same `DATABASE_URL` rules as `make bench`) builds the service's WSGI
application as gunicorn does, with production settings, and calls it directly with a WSGI environ
(by default the stack baseline's `GET /api/v1/bench/baseline`, anonymous, `Accept: application/json`;
`--path` and `--header` for any other request). Every layer is timed inside the same requests:

- a probe sits before each middleware and after the last one, so a middleware's own time is the
  time inside its probe minus the time inside the next one (its `process_view`, which Django calls
  from the innermost handler, is timed on its own and added to it);
- URL resolution, and DRF's steps (the request wrapper and parsers, authentication, permissions,
  throttles, content negotiation, the response's finalisation, the renderer) are timed by wrapping
  the functions that do them; "view" is the endpoint's own handler method (its queries); "DRF,
  the rest" is what `APIView.dispatch` spends outside those;
- the WSGI handler's own work (request object, response start, `request_finished`) is the whole
  call minus the outermost probe.

Each figure is the median over `--requests` requests of that layer's microseconds (a median, so
another process preempting one request does not move it), after a warm-up. The log lines go to a
temporary file (fd 1 is redirected to it), as gunicorn's stdout goes to its log, and Prometheus
counts in multiprocess mode, as under gunicorn. `--profile FILE`
also writes a pyinstrument profile of the same requests (HTML, or text for a `.txt` name).
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from bench.environment import ROOT, database_config, production_environment

_state = threading.local()
PROBES: list[type] = []


def _timings() -> dict[str, float]:
    if not hasattr(_state, "timings"):
        _state.timings = defaultdict(float)
    return _state.timings


class _Probe:
    """A middleware that only records the time spent inside it (everything after it in the chain)."""

    index = 0

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        try:
            return self.get_response(request)
        finally:
            _timings()[f"probe {self.index}"] += time.perf_counter() - started


def _probe(index: int) -> str:
    """The dotted path of probe number `index` (classes made on demand, one per position)."""
    while len(PROBES) <= index:
        number = len(PROBES)
        cls = type(f"Probe{number}", (_Probe,), {"index": number})
        globals()[cls.__name__] = cls
        PROBES.append(cls)
    return f"bench.plumbing.Probe{index}"


def _timed(key: str, function: Callable) -> Callable:
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _timings()[key] += time.perf_counter() - started

    wrapper.__wrapped_for_plumbing__ = True  # type: ignore[attr-defined]
    return wrapper


def _wrap(owner, attribute: str, key: str) -> None:
    function = getattr(owner, attribute)
    if not getattr(function, "__wrapped_for_plumbing__", False):
        setattr(owner, attribute, _timed(key, function))


# DRF's steps, timed where they happen (rest_framework/views.py, response.py).
DRF_STEPS = {
    "initialize_request": "DRF: Request wrapper, parsers, authenticators",
    "perform_authentication": "DRF: authentication classes",
    "check_permissions": "DRF: permission classes",
    "check_throttles": "DRF: throttle classes",
    "perform_content_negotiation": "DRF: content negotiation",
    "finalize_response": "DRF: finalize_response (headers, Vary)",
}


def instrument(handler) -> None:
    """Wrap URL resolution, DRF's steps, the renderer and the handler's view middleware with timers."""
    from django.core.handlers.base import BaseHandler
    from rest_framework.response import Response
    from rest_framework.views import APIView

    _wrap(BaseHandler, "resolve_request", "URL resolution")
    for method, key in DRF_STEPS.items():
        _wrap(APIView, method, key)
    _wrap(APIView, "dispatch", "DRF dispatch")
    _wrap(APIView, "handle_exception", "DRF: exception handler")
    rendered: property = Response.rendered_content  # type: ignore[assignment]
    if rendered.fget is not None and not getattr(rendered.fget, "__wrapped_for_plumbing__", False):
        Response.rendered_content = property(_timed("DRF: renderer", rendered.fget))  # type: ignore[method-assign,assignment]
    handler._view_middleware = [
        _timed(f"process_view {type(method.__self__).__module__}.{type(method.__self__).__name__}", method)
        for method in handler._view_middleware
    ]


def instrument_view(view_class, method: str = "get") -> None:
    _wrap(view_class, method, "view (the endpoint's own work)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.plumbing", description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", default="/api/v1/bench/baseline", help="request path (with ?query)")
    parser.add_argument("--header", action="append", default=[], metavar="NAME:VALUE", help="extra request header")
    parser.add_argument("--requests", type=int, default=3000, help="measured requests")
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--profile", type=Path, default=None, help="write a pyinstrument profile of the requests")
    parser.add_argument("--json", type=Path, default=None, help="write the figures as JSON")
    parser.add_argument("--allow-any-database", action="store_true")
    return parser.parse_args(argv)


def environ_for(path: str, headers: list[str]) -> dict:
    path_info, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8350",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8350",
        "HTTP_ACCEPT": "application/json",
        "HTTP_USER_AGENT": "wrk",
        "wsgi.url_scheme": "http",
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.errors": sys.stderr,
    }
    for header in headers:
        name, _, value = header.partition(":")
        key = name.strip().upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value.strip()
    return environ


def caller(application, environ: dict) -> Callable[[], int]:
    """One request through `application`, as gunicorn's worker does it (the body consumed, then closed)."""
    statuses: list[str] = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def call() -> int:
        statuses.clear()
        started = time.perf_counter()
        result = application({**environ, "wsgi.input": io.BytesIO(b"")}, start_response)
        try:
            for _ in result:
                pass
        finally:
            if hasattr(result, "close"):
                result.close()
            _timings()["whole request"] += time.perf_counter() - started
        return int(statuses[0].split()[0])

    return call


def layers(sample: dict[str, float], middleware: list[str]) -> dict[str, float]:
    """One request's timings (seconds, inclusive) as each layer's own time (µs).

    A middleware that answers by itself (the response cache on a hit) leaves the layers inside it unvisited:
    they count 0.
    """
    us = {key: value * 1e6 for key, value in sample.items()}
    for index in range(len(middleware) + 1):
        us.setdefault(f"probe {index}", 0.0)
    own: dict[str, float] = {}
    count = len(middleware)
    own["WSGI handler (request/response objects, signals)"] = us["whole request"] - us["probe 0"]
    for index, dotted in enumerate(middleware):
        inside = us[f"probe {index}"] - us[f"probe {index + 1}"]
        own[dotted] = inside + us.get(f"process_view {dotted}", 0.0)
    innermost = us[f"probe {count}"] - sum(v for k, v in us.items() if k.startswith("process_view "))
    dispatch = us.get("DRF dispatch", 0.0)
    own["URL resolution"] = us.get("URL resolution", 0.0)
    drf_parts = [key for key in us if key.startswith("DRF: ")]
    for key in drf_parts:
        if key != "DRF: renderer":
            own[key] = us[key]
    own["DRF: renderer"] = us.get("DRF: renderer", 0.0)
    view = us.get("view (the endpoint's own work)", 0.0)
    # dispatch includes every DRF step but the renderer (Django renders after the view returns).
    own["DRF: the rest of APIView.dispatch"] = (
        dispatch - view - sum(us[key] for key in drf_parts if key != "DRF: renderer")
    )
    own["view (the endpoint's own work)"] = view
    own["Django: the rest of the innermost handler"] = (
        innermost - own["URL resolution"] - dispatch - own["DRF: renderer"]
    )
    own["total"] = us["whole request"]
    return own


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database_config(os.environ.get("DATABASE_URL"), allow_any_database=args.allow_any_database)
    report_out = os.fdopen(os.dup(1), "w", buffering=1)
    log_file = tempfile.NamedTemporaryFile(prefix="bench-plumbing-", suffix=".log", delete=False)  # noqa: SIM115
    os.dup2(log_file.fileno(), 1)  # the JSON request log goes to a file, as under gunicorn

    def progress(message: str) -> None:
        print(message, file=report_out)

    os.environ.update(production_environment())
    # Prometheus' multiprocess mode, as under gunicorn (docker/gunicorn.conf.py): mmap'ed values.
    metrics_dir = tempfile.TemporaryDirectory(prefix="bench-plumbing-prometheus-")
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", metrics_dir.name)
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings
    from django.urls import resolve

    from bench import plumbing

    middleware = list(settings.MIDDLEWARE)
    probed = []
    for index, dotted in enumerate(middleware):
        probed += [plumbing._probe(index), dotted]
    probed.append(plumbing._probe(len(middleware)))
    with override_settings(MIDDLEWARE=probed):
        handler = WSGIHandler()
    plumbing.instrument(handler)
    path_info = args.path.partition("?")[0]
    view = resolve(path_info).func
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    if view_class is not None:
        methods = [name for name in ("get", "list", "retrieve", "price_stats") if hasattr(view_class, name)]
        actions = getattr(view, "actions", None) or {}
        plumbing.instrument_view(view_class, actions.get("get", methods[0] if methods else "get"))
    call = caller(handler, environ_for(args.path, args.header))

    status = call()
    if status >= 400:
        progress(f"bench.plumbing: {args.path} answered {status}")
        return 1
    for _ in range(args.warmup):
        call()
    samples: list[dict[str, float]] = []
    cpu_started = time.process_time()
    for _ in range(args.requests):
        _state.timings = defaultdict(float)
        call()
        samples.append(dict(_state.timings))
    cpu_us = (time.process_time() - cpu_started) / args.requests * 1e6
    per_request = [plumbing.layers(sample, middleware) for sample in samples]
    figures = {key: round(statistics.median(row[key] for row in per_request), 1) for key in per_request[0]}
    results = {
        "path": args.path,
        "headers": args.header,
        "requests": args.requests,
        "cpu_us_per_request": round(cpu_us, 1),
        "median_us": figures,
        "mean_us": {key: round(statistics.fmean(row[key] for row in per_request), 1) for key in per_request[0]},
    }
    if args.profile:
        _profile(call, args.requests, args.profile)
        progress(f"bench.plumbing: profile written to {args.profile}")
    progress(render(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    os.unlink(log_file.name)
    metrics_dir.cleanup()
    return 0


def _profile(call: Callable[[], int], count: int, output: Path) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002, async_mode="disabled")
    profiler.start()
    for _ in range(count):
        call()
    profiler.stop()
    if output.suffix == ".txt":
        output.write_text(profiler.output_text(unicode=True, show_all=False))
    else:
        output.write_text(profiler.output_html())


def render(results: dict) -> str:
    figures, means = results["median_us"], results["mean_us"]
    lines = [
        f"bench.plumbing: {results['path']} {' '.join(results['headers'])}, {results['requests']} requests, "
        f"{results['cpu_us_per_request']} µs CPU per request (the process, probes included)",
        f"{'layer':<66} {'median µs':>9} {'mean µs':>8}",
        "-" * 85,
    ]
    for key, value in figures.items():
        lines.append(f"{key:<66} {value:>9.1f} {means[key]:>8.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    # One copy of this module: the probes, found by their import path, must share its state.
    from bench.plumbing import main as _main

    sys.exit(_main())
