"""The load run: gunicorn as in production, wrk against each endpoint, paired with both yardsticks.

Two servers run side by side under the same gunicorn configuration (`docker/gunicorn.conf.py`,
gthread) and the same worker count: the service, and the bare-Django project of `bench/bare/`
(startproject's settings, one view running `SELECT 1`). Each endpoint is warmed up, then measured
in `rounds` triples of equal-length runs, back to back: bare Django, the stack baseline (one
trivial query through the service's own middleware and DRF stack), the endpoint. Each ratio
compares runs made under the same machine load, which matters on a shared machine. Only one
server is loaded at a time; everything listens and connects on loopback only.
"""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.environment import ROOT, BenchError

SCRIPT = Path(__file__).resolve().parent / "wrk" / "scenario.lua"
HOST = "127.0.0.1"
GUNICORN_CONFIG = ROOT / "docker" / "gunicorn.conf.py"

BASELINE_PATH = "/api/v1/bench/baseline"
BARE_PATH = "/select-one"
BARE_APP = "bench.bare.wsgi:application"
BARE_SETTINGS = "bench.bare.settings"

# SPEC §5: each endpoint's req/s as a ratio to bare Django's, at the same concurrency.
TARGET_BASELINE = 0.8
TARGET_LIST = 0.5
TARGET_DETAIL = 0.6
TARGET_PRICE_STATS = 0.5
TARGET_ORDERS = 0.25

ORDERINGS = ("price", "-price", "name", "-name", "created_at", "-created_at")


@dataclass(frozen=True)
class Endpoint:
    """One row of the load table: what wrk requests (`scenario`, `variant`: see scenario.lua)."""

    name: str
    scenario: str
    preflight: str  # path of the pre-flight request ({product}, {category}, {root} filled in)
    target: float
    variant: str = "-"
    method: str = "GET"
    expected: int = 200


ENDPOINTS = [
    # The list as storefronts load it: random pages of the default order and of every documented
    # ordering, then the first page of each filter with random values.
    Endpoint("GET /products", "products", "/api/v1/products", TARGET_LIST),
    *(
        Endpoint(f"GET /products?ordering={o}", "products", f"/api/v1/products?ordering={o}", TARGET_LIST, variant=o)
        for o in ORDERINGS
    ),
    Endpoint(
        "GET /products?category={random}", "products", "/api/v1/products?category={category}", TARGET_LIST, "category"
    ),
    Endpoint(
        "GET /products?min_price=&max_price=",
        "products",
        "/api/v1/products?min_price=10&max_price=20",
        TARGET_LIST,
        "price-range",
    ),
    Endpoint("GET /products?in_stock=true", "products", "/api/v1/products?in_stock=true", TARGET_LIST, "in-stock"),
    Endpoint("GET /products?search={word}", "products", "/api/v1/products?search=product", TARGET_LIST, "search"),
    Endpoint("GET /products/{id}", "product", "/api/v1/products/{product}", TARGET_DETAIL),
    Endpoint(
        "GET /categories/{random}/price-stats",
        "price-stats",
        "/api/v1/categories/{category}/price-stats",
        TARGET_PRICE_STATS,
    ),
    Endpoint(
        "GET /categories/{root}/price-stats",
        "price-stats",
        "/api/v1/categories/{root}/price-stats",
        TARGET_PRICE_STATS,
        "root",
    ),
    Endpoint("POST /orders (1-3 lines)", "orders", "/api/v1/orders", TARGET_ORDERS, method="POST", expected=201),
]


def write_data(directory: Path, *, hot_products: int) -> dict:
    """The ids, tokens and words the wrk script picks from, one per line."""
    from rest_framework_simplejwt.tokens import AccessToken

    from catalog.models import Category, Product
    from customers.models import Customer

    rng = random.Random(7)
    highest = Product.objects.order_by("-id").values_list("id", flat=True).first() or 0
    candidates = rng.sample(range(1, highest + 1), min(highest, 20_000))
    products = list(Product.objects.filter(id__in=candidates, is_active=True).values_list("id", flat=True)[:10_000])
    categories = list(Category.objects.values_list("id", flat=True))
    root = Category.objects.filter(parent=None).order_by("lft").values_list("id", flat=True).first() or 0
    hot = list(
        Product.objects.filter(id__lte=hot_products, is_active=True, stock__gt=1_000_000).values_list("id", flat=True)
    )
    # One-word searches: words of the seeded names and descriptions (matching many products),
    # and product numbers (matching one each).
    words = ["product", "seeded", "benchmark"] + [f"{rng.randint(1, max(highest, 1)):07d}" for _ in range(3)]
    tokens = []
    for customer in Customer.objects.select_related("user"):
        # Minted directly with simplejwt (no login round trip); valid for the whole run.
        token = AccessToken.for_user(customer.user)
        token.set_exp(lifetime=timedelta(hours=2))
        tokens.append(str(token))
    files = {"products": products, "categories": categories, "hot": hot, "tokens": tokens, "words": words}
    for name, values in files.items():
        (directory / f"{name}.txt").write_text("\n".join(str(value) for value in values) + "\n")
    (directory / "root.txt").write_text(f"{root}\n")
    return {
        "product": products[0] if products else 0,
        "category": categories[-1] if categories else 0,
        "root": root,
        "hot": hot[:1],
        "token": tokens[0] if tokens else "",
    }


class Gunicorn:
    """gunicorn as the image runs it: `--config docker/gunicorn.conf.py`, bound to loopback here.

    `app` overrides the config's `wsgi_app` (the bare-Django yardstick runs under the same
    configuration); `ready_path` is polled until it answers 200.
    """

    def __init__(
        self,
        *,
        port: int,
        workers: int,
        env: dict[str, str],
        log_path: Path,
        app: str | None = None,
        ready_path: str = "/health",
    ):
        self.port, self.workers, self.env, self.log_path = port, workers, env, log_path
        self.app, self.ready_path = app, ready_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        command = [sys.executable, "-m", "gunicorn"]
        if GUNICORN_CONFIG.exists():
            command += ["--config", str(GUNICORN_CONFIG)]
        # The production config reads these; the command line repeats them for a config-less checkout.
        self.env = {**self.env, "GUNICORN_BIND": f"{HOST}:{self.port}", "GUNICORN_WORKERS": str(self.workers)}
        command += ["--workers", str(self.workers), "--bind", f"{HOST}:{self.port}"]
        if self.app or not GUNICORN_CONFIG.exists():
            command.append(self.app or "ecommerce.wsgi:application")
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **self.env}, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited with status {self.process.returncode}; see {self.log_path}")
            try:
                if _request(self.port, "GET", self.ready_path)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__(None, None, None)
        raise BenchError(f"gunicorn did not answer {self.ready_path} within 60 s; see {self.log_path}")

    def __exit__(self, *exc_info) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _request(port: int, method: str, path: str, *, body: bytes | None = None, token: str = "") -> tuple[int, bytes]:
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _wrk(wrk: str, args, port: int, scenario: str, data: Path, seconds: int, variant: str = "-") -> dict:
    command = [
        wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        f"http://{HOST}:{port}",
        "--",
        scenario,
        str(data),
        variant,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise BenchError(f"wrk gave no result for {scenario} {variant}:\n{result.stdout}\n{result.stderr}")


ERROR_KEYS = ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")


def summarise(runs: list[dict]) -> dict:
    """Several wrk runs as one figure: total requests over total time, the worst p99."""
    requests = sum(run["requests"] for run in runs)
    seconds = sum(run["duration_us"] for run in runs) / 1e6
    return {
        "requests": requests,
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "p50_ms": round(statistics.mean(run["p50_us"] for run in runs) / 1000, 2) if runs else 0.0,
        "p99_ms": round(max(run["p99_us"] for run in runs) / 1000, 2) if runs else 0.0,
        "errors": sum(run[key] for run in runs for key in ERROR_KEYS),
        "runs": runs,
    }


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def run(args, *, wrk: str, server_env: dict[str, str], progress) -> dict:
    from django.conf import settings

    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    bare_port = args.bare_port or args.port + 1
    bare_env = {**server_env, "DJANGO_SETTINGS_MODULE": BARE_SETTINGS}
    # Every run starts with nothing cached (the seed wrote behind the services' back; an earlier run's answers
    # may still be in a shared cache): each row's warm-up and measured runs fill it as clients would.
    from catalog.cache import catalog_changed

    catalog_changed()
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as directory:
        data = Path(directory)
        sample = write_data(data, hot_products=args.hot_products)
        log_path, bare_log_path = results_dir / "gunicorn.log", results_dir / "gunicorn-bare.log"
        progress(
            f"bench: starting gunicorn ({args.workers} workers, {GUNICORN_CONFIG.relative_to(ROOT)}): the service on "
            f"{HOST}:{args.port} (log {log_path.relative_to(ROOT)}), bare Django on {HOST}:{bare_port} "
            f"(log {bare_log_path.relative_to(ROOT)})"
        )
        service = Gunicorn(port=args.port, workers=args.workers, env=server_env, log_path=log_path)
        bare = Gunicorn(
            port=bare_port,
            workers=args.workers,
            env=bare_env,
            log_path=bare_log_path,
            app=BARE_APP,
            ready_path=BARE_PATH,
        )
        with service, bare:
            for port, path, what in ((args.port, BASELINE_PATH, "baseline"), (bare_port, BARE_PATH, "bare Django")):
                status, body = _request(port, "GET", path)
                if status != 200:
                    raise BenchError(f"the {what} endpoint answered {status}: {body[:300]!r}")
            progress(f"bench: warm-up of bare Django and the stack baseline ({args.warmup} s each)")
            _wrk(wrk, args, bare_port, "bare", data, args.warmup)
            _wrk(wrk, args, args.port, "baseline", data, args.warmup)
            bare_runs: list[dict] = []
            baseline_runs: list[dict] = []
            rows = []
            selected = [e for e in ENDPOINTS if not args.only or any(word in e.name for word in args.only)]
            for endpoint in selected:
                skipped = _preflight(args.port, endpoint, sample)
                if skipped:
                    progress(f"bench: {endpoint.name} skipped: {skipped}")
                    rows.append({"name": endpoint.name, "method": endpoint.method, "skipped": skipped})
                    continue
                progress(
                    f"bench: {endpoint.name}: warm-up {args.warmup} s, then {args.rounds} × ({args.duration} s bare, "
                    f"{args.duration} s baseline, {args.duration} s endpoint)"
                )
                _wrk(wrk, args, args.port, endpoint.scenario, data, args.warmup, endpoint.variant)
                waited = _drain(args.port)
                paired_bare, paired_base, measured = [], [], []
                for _ in range(args.rounds):
                    paired_bare.append(_wrk(wrk, args, bare_port, "bare", data, args.duration))
                    paired_base.append(_wrk(wrk, args, args.port, "baseline", data, args.duration))
                    measured.append(
                        _wrk(wrk, args, args.port, endpoint.scenario, data, args.duration, endpoint.variant)
                    )
                    # Requests wrk gave up on may still run in the service's threads: the next yardstick
                    # runs start on an idle server.
                    waited += _drain(args.port)
                bare_runs += paired_bare
                baseline_runs += paired_base
                if waited > 1:
                    progress(f"  (the service took {waited:.0f} s in all to finish requests wrk had given up on)")
                figures, bare_figures, base = summarise(measured), summarise(paired_bare), summarise(paired_base)
                row = {
                    "name": endpoint.name,
                    "method": endpoint.method,
                    "scenario": endpoint.scenario,
                    "variant": endpoint.variant,
                    **figures,
                    "bare_rps": bare_figures["rps"],
                    "baseline_rps": base["rps"],
                    "ratio_bare": ratio(figures["rps"], bare_figures["rps"]),
                    "ratio_baseline": ratio(figures["rps"], base["rps"]),
                    "target_bare": endpoint.target,
                }
                rows.append(row)
                progress(
                    f"  {figures['rps']:.1f} req/s, p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
                    f"errors {figures['errors']}; bare {bare_figures['rps']:.1f}, baseline {base['rps']:.1f} "
                    f"-> {row['ratio_bare']} x bare, {row['ratio_baseline']} x baseline"
                )
            if not baseline_runs:
                for _ in range(args.rounds):
                    bare_runs.append(_wrk(wrk, args, bare_port, "bare", data, args.duration))
                    baseline_runs.append(_wrk(wrk, args, args.port, "baseline", data, args.duration))
        server_errors = sum('"level": "ERROR"' in line for line in log_path.open(errors="replace"))
    bare_total, baseline_total = summarise(bare_runs), summarise(baseline_runs)
    return {
        "server": {
            "workers": args.workers,
            "config_file": str(GUNICORN_CONFIG.relative_to(ROOT)) if GUNICORN_CONFIG.exists() else None,
            "threads_per_worker": int(os.environ.get("GUNICORN_THREADS") or 4) if GUNICORN_CONFIG.exists() else 1,
            "database": settings.DATABASES["default"]["NAME"],
            "cache": settings.CACHES["default"]["BACKEND"],
            "bare_settings": BARE_SETTINGS,
            "error_log_lines": server_errors,
        },
        "wrk": {"threads": args.threads, "connections": args.connections, "duration_s": args.duration},
        "bare": bare_total,
        "baseline": {
            **baseline_total,
            "bare_rps": bare_total["rps"],
            "ratio_bare": ratio(baseline_total["rps"], bare_total["rps"]),
            "target_bare": TARGET_BASELINE,
        },
        "endpoints": rows,
    }


def _drain(port: int, *, limit: float = 60.0) -> float:
    """Wait until the service answers the baseline within a second again (requests wrk gave up on
    may still be running in its threads), so the next row starts on an idle server; returns the wait."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        asked = time.monotonic()
        try:
            status, _ = _request(port, "GET", BASELINE_PATH)
        except OSError:
            continue
        if status == 200 and time.monotonic() - asked < 1.0:
            break
    return time.monotonic() - started


def _preflight(port: int, endpoint: Endpoint, sample: dict) -> str | None:
    """One request before the load: a missing route or a wrong answer skips the endpoint, saying why."""
    body = None
    if endpoint.method == "POST":
        if not sample["hot"] or not sample["token"]:
            return "no customers or products with stock were seeded"
        body = json.dumps({"items": [{"product": sample["hot"][0], "quantity": 1}]}).encode()
    try:
        status, content = _request(
            port,
            endpoint.method,
            endpoint.preflight.format(**sample),
            body=body,
            token=sample["token"] if endpoint.method == "POST" else "",
        )
    except OSError as error:  # a timeout included: the row is reported, the run goes on
        return f"pre-flight failed: {type(error).__name__} {error}"
    if status == endpoint.expected:
        return None
    if status == 404:
        return "not available on this branch yet (404)"
    first_line = content[:160].decode(errors="replace").splitlines()[0] if content else ""
    return f"pre-flight answered {status} instead of {endpoint.expected}: {first_line}"


# --- Targets and the table ------------------------------------------------------------------------

BASELINE_NAME = "stack baseline (1 query, our stack)"
BARE_NAME = "bare Django (SELECT 1)"


def check_targets(load: dict) -> dict:
    """SPEC §5's throughput targets, each a ratio to bare Django measured in the same triples."""
    checks: dict[str, dict] = {}
    rows = [{"name": BASELINE_NAME, **load.get("baseline", {})}, *load.get("endpoints", [])]
    for row in rows:
        if row.get("ratio_bare") is None or row.get("target_bare") is None:
            continue
        checks[row["name"]] = {
            "value": row["ratio_bare"],
            "target": row["target_bare"],
            "unit": "x bare Django",
            "met": row["ratio_bare"] >= row["target_bare"],
        }
    return checks


def render(load: dict) -> str:
    """The load table: req/s and latency of each row, its ratio to bare Django (the target's) and to
    the stack baseline, both measured in the same back-to-back triples."""
    header = (
        f"{'endpoint':<40} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>8} {'errors':>6} "
        f"{'bare r/s':>8} {'x bare':>6} {'target':>6}  {'base r/s':>8} {'x base':>6}"
    )
    lines = [header, "-" * len(header)]
    bare, base = load.get("bare", {}), load.get("baseline", {})
    lines.append(
        f"{BARE_NAME:<40} {bare.get('rps', 0):>8.1f} {bare.get('p50_ms', 0):>7.1f} {bare.get('p99_ms', 0):>8.1f} "
        f"{bare.get('errors', 0):>6} {'':>8} {1:>6.2f}"
    )
    for row in [{"name": BASELINE_NAME, **base}, *load.get("endpoints", [])]:
        if row.get("skipped"):
            lines.append(f"{row['name']:<40} skipped: {row['skipped']}")
            continue
        ratio_bare = row.get("ratio_bare")
        met = ratio_bare is not None and ratio_bare >= row["target_bare"]
        ratio_base = row.get("ratio_baseline")
        lines.append(
            f"{row['name']:<40} {row['rps']:>8.1f} {row['p50_ms']:>7.1f} {row['p99_ms']:>8.1f} {row['errors']:>6} "
            f"{row['bare_rps']:>8.1f} {ratio_bare or 0:>6.2f} {'≥' + str(row['target_bare']):>6}  "
            + (f"{row['baseline_rps']:>8.1f} {ratio_base:>6.2f}" if ratio_base is not None else f"{'':>8} {'':>6}")
            + ("  ok" if met else "  MISSED")
        )
    return "\n".join(lines)
