"""The load run: gunicorn as in production, wrk against each endpoint, paired with the baseline.

Each endpoint is warmed up, then measured in `rounds` pairs of (baseline, endpoint) runs of
equal length, back to back: the ratio compares runs made under the same machine load, which
matters on a shared machine. Everything listens and connects on loopback only.
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
from datetime import timedelta
from pathlib import Path

from bench.environment import ROOT, BenchError

SCRIPT = Path(__file__).resolve().parent / "wrk" / "scenario.lua"
HOST = "127.0.0.1"

# (name in the table, method, wrk scenario, path of the pre-flight request, expected status)
ENDPOINTS = [
    ("GET /products", "GET", "products", "/api/v1/products", 200),
    ("GET /products/{id}", "GET", "product", "/api/v1/products/{product}", 200),
    ("GET /categories/{id}/price-stats", "GET", "price-stats", "/api/v1/categories/{category}/price-stats", 200),
    ("POST /orders", "POST", "orders", "/api/v1/orders", 201),
]
BASELINE_PATH = "/api/v1/bench/baseline"


def write_data(directory: Path, *, hot_products: int) -> dict:
    """The ids and tokens the wrk script picks from, one per line."""
    from rest_framework_simplejwt.tokens import AccessToken

    from catalog.models import Category, Product
    from customers.models import Customer

    rng = random.Random(7)
    highest = Product.objects.order_by("-id").values_list("id", flat=True).first() or 0
    candidates = rng.sample(range(1, highest + 1), min(highest, 20_000))
    products = list(Product.objects.filter(id__in=candidates, is_active=True).values_list("id", flat=True)[:10_000])
    categories = list(Category.objects.values_list("id", flat=True))
    hot = list(
        Product.objects.filter(id__lte=hot_products, is_active=True, stock__gt=1_000_000).values_list("id", flat=True)
    )
    tokens = []
    for customer in Customer.objects.select_related("user"):
        # Minted directly with simplejwt (no login round trip); valid for the whole run.
        token = AccessToken.for_user(customer.user)
        token.set_exp(lifetime=timedelta(hours=2))
        tokens.append(str(token))
    for name, values in (("products", products), ("categories", categories), ("hot", hot), ("tokens", tokens)):
        (directory / f"{name}.txt").write_text("\n".join(str(value) for value in values) + "\n")
    return {
        "product": products[0] if products else 0,
        "category": categories[0] if categories else 0,
        "hot": hot[:1],
        "token": tokens[0] if tokens else "",
    }


GUNICORN_CONFIG = ROOT / "docker" / "gunicorn.conf.py"


class Gunicorn:
    """gunicorn as the image runs it: `--config docker/gunicorn.conf.py`, bound to loopback here."""

    def __init__(self, *, port: int, workers: int, env: dict[str, str], log_path: Path):
        self.port, self.workers, self.env, self.log_path = port, workers, env, log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        command = [sys.executable, "-m", "gunicorn"]
        if GUNICORN_CONFIG.exists():
            command += ["--config", str(GUNICORN_CONFIG)]
        else:
            command += ["ecommerce.wsgi:application"]
        # The production config reads these; the command line repeats them for a config-less checkout.
        self.env = {**self.env, "GUNICORN_BIND": f"{HOST}:{self.port}", "GUNICORN_WORKERS": str(self.workers)}
        command += ["--workers", str(self.workers), "--bind", f"{HOST}:{self.port}"]
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **self.env}, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited with status {self.process.returncode}; see {self.log_path}")
            try:
                if _request(self.port, "GET", "/health")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__(None, None, None)
        raise BenchError(f"gunicorn did not answer /health within 60 s; see {self.log_path}")

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


def _wrk(wrk: str, args, scenario: str, data: Path, seconds: int) -> dict:
    command = [
        wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        f"http://{HOST}:{args.port}",
        "--",
        scenario,
        str(data),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise BenchError(f"wrk gave no result for {scenario}:\n{result.stdout}\n{result.stderr}")


def _summarise(runs: list[dict]) -> dict:
    requests = sum(run["requests"] for run in runs)
    seconds = sum(run["duration_us"] for run in runs) / 1e6
    errors = sum(
        run[key]
        for run in runs
        for key in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return {
        "requests": requests,
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "p50_ms": round(statistics.mean(run["p50_us"] for run in runs) / 1000, 2),
        "p99_ms": round(max(run["p99_us"] for run in runs) / 1000, 2),
        "errors": errors,
        "runs": runs,
    }


def run(args, *, wrk: str, server_env: dict[str, str], progress) -> dict:
    from django.conf import settings

    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as directory:
        data = Path(directory)
        sample = write_data(data, hot_products=args.hot_products)
        log_path = results_dir / "gunicorn.log"
        progress(f"bench: starting gunicorn ({args.workers} workers) on {HOST}:{args.port}, log in {log_path}")
        with Gunicorn(port=args.port, workers=args.workers, env=server_env, log_path=log_path):
            status, body = _request(args.port, "GET", BASELINE_PATH)
            if status != 200:
                raise BenchError(f"the baseline endpoint answered {status}: {body[:300]!r}")
            progress(f"bench: warm-up of the baseline ({args.warmup} s)")
            _wrk(wrk, args, "baseline", data, args.warmup)
            baseline_runs: list[dict] = []
            rows = []
            for name, method, scenario, path, expected in ENDPOINTS:
                skipped = _preflight(args.port, method, path, expected, sample)
                if skipped:
                    progress(f"bench: {name} skipped: {skipped}")
                    rows.append({"name": name, "method": method, "skipped": skipped})
                    continue
                progress(
                    f"bench: {name}: warm-up {args.warmup} s, then {args.rounds} × "
                    f"({args.duration} s baseline, {args.duration} s endpoint)"
                )
                _wrk(wrk, args, scenario, data, args.warmup)
                paired_base, measured = [], []
                for _ in range(args.rounds):
                    paired_base.append(_wrk(wrk, args, "baseline", data, args.duration))
                    measured.append(_wrk(wrk, args, scenario, data, args.duration))
                baseline_runs += paired_base
                endpoint, base = _summarise(measured), _summarise(paired_base)
                row = {
                    "name": name,
                    "method": method,
                    **endpoint,
                    "baseline_rps": base["rps"],
                    "ratio": round(endpoint["rps"] / base["rps"], 3) if base["rps"] else None,
                }
                rows.append(row)
                progress(
                    f"  {endpoint['rps']:.1f} req/s (baseline {base['rps']:.1f}), p50 {endpoint['p50_ms']} ms, "
                    f"p99 {endpoint['p99_ms']} ms, errors {endpoint['errors']}"
                )
            if not baseline_runs:
                baseline_runs.append(_wrk(wrk, args, "baseline", data, args.duration))
        server_errors = sum('"level": "ERROR"' in line for line in log_path.open(errors="replace"))
    return {
        "server": {
            "workers": args.workers,
            "config_file": str(GUNICORN_CONFIG.relative_to(ROOT)) if GUNICORN_CONFIG.exists() else None,
            "threads_per_worker": int(os.environ.get("GUNICORN_THREADS") or 4) if GUNICORN_CONFIG.exists() else 1,
            "database": settings.DATABASES["default"]["NAME"],
            "error_log_lines": server_errors,
        },
        "wrk": {"threads": args.threads, "connections": args.connections, "duration_s": args.duration},
        "baseline": _summarise(baseline_runs) if baseline_runs else {},
        "endpoints": rows,
    }


def _preflight(port: int, method: str, path: str, expected: int, sample: dict) -> str | None:
    """One request before the load: a missing route or a wrong answer skips the endpoint, saying why."""
    body = None
    if method == "POST":
        if not sample["hot"] or not sample["token"]:
            return "no customers or products with stock were seeded"
        body = json.dumps({"items": [{"product": sample["hot"][0], "quantity": 1}]}).encode()
    status, content = _request(
        port, method, path.format(**sample), body=body, token=sample["token"] if method == "POST" else ""
    )
    if status == expected:
        return None
    if status == 404:
        return "not available on this branch yet (404)"
    first_line = content[:160].decode(errors="replace").splitlines()[0] if content else ""
    return f"pre-flight answered {status} instead of {expected}: {first_line}"
