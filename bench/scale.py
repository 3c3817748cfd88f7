"""The scale table (SPEC §5 "Scale"): every catalog read a storefront makes, one request at a time.

Each query kind is requested through HTTP from the bench's own gunicorn (what a user waits for):
one cold request, then `--scale-runs` warm ones; the table shows the best and the median of the
warm ones next to the target, the JSON also has the cold figure, the response's size and count,
and the EXPLAIN of every SELECT the request ran (captured by running the same request once more
in this process with Django's test client).

Only this module knows the cases; `python -m bench --scale-only` runs it alone on seeded data.
"""

from __future__ import annotations

import json
import math
import statistics
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.environment import ROOT, BenchError

HOST = "127.0.0.1"
API = "/api/v1"
ORDERINGS = ("price", "-price", "name", "-name", "created_at", "-created_at")
# A word nobody's product has (the seed's vocabulary has no "q" words).
SEARCH_MISS = "qwzxv"
# Targets in seconds (SPEC §5): 100 ms for a page, 300 ms for the last pages, 200 ms for the tree.
PAGE, LAST_PAGE, TREE = 0.100, 0.300, 0.200
# Root price-stats computed without a cache (SPEC §5: ≤ 1.5 s); served from the cache: a page's target.
PRICE_STATS_COLD = 1.5


TIMEOUT = 120.0
SLOW = 30.0


def _get(port: int, path: str) -> tuple[int, bytes, float]:
    """Status, body and seconds of one GET; a request that outlasts TIMEOUT is status 0 and TIMEOUT seconds."""
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", headers={"Accept": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    except TimeoutError:
        return 0, b"", TIMEOUT
    return status, body, time.perf_counter() - started


def _search_words() -> tuple[str, str]:
    """A one-word search that matches many products, and one that matches none."""
    try:
        from bench.seed import SEARCH_HIT
    except ImportError:  # an older seed: every product is named "Product NNNNNNN"
        SEARCH_HIT = "product"
    return SEARCH_HIT, SEARCH_MISS


def cases(port: int) -> list[dict]:
    """The query kinds of the table, each `{name, path, target}`, for the seeded data."""
    from catalog.models import Category

    root = Category.objects.filter(level=0).order_by("tree_id").first()
    if root is None:
        raise BenchError("the scale table needs seeded data (run python -m bench --no-load first)")
    deepest = Category.objects.order_by("-level").values_list("level", flat=True).first()
    # A small category: the first leaf of the deepest level (about 100 products in the bench's data).
    small = Category.objects.filter(level=deepest).order_by("tree_id", "lft").first()
    # A big one that is not the root: the first child of the root (a fifth of the catalog in the bench's data).
    big = Category.objects.filter(parent=root).order_by("lft").first() or root
    hit, miss = _search_words()
    out: list[dict] = []

    def add(name: str, path: str, target: float = PAGE) -> None:
        out.append({"name": name, "path": path, "target": target})

    # First, so that its cold request computes what nothing else has yet: the catalog summary (catalog.summary),
    # which then serves every category's price-stats and counts.
    out.append(
        {
            "name": "root price-stats",
            "path": f"{API}/categories/{root.pk}/price-stats",
            "target": PAGE,
            "cold_target": PRICE_STATS_COLD,
        }
    )
    add("products, page 1", f"{API}/products")
    for ordering in ORDERINGS:
        add(f"root category, ordering={ordering}", f"{API}/products?category={root.pk}&ordering={ordering}")
    add("root category, default ordering", f"{API}/products?category={root.pk}")
    for ordering in ORDERINGS:
        add(f"small category, ordering={ordering}", f"{API}/products?category={small.pk}&ordering={ordering}")
    add("small category, default ordering", f"{API}/products?category={small.pk}")
    add("small category, /categories/{id}/products", f"{API}/categories/{small.pk}/products?ordering=price")
    add("level-1 category, ordering=price", f"{API}/products?category={big.pk}&ordering=price")
    add("level-1 category, ordering=-name", f"{API}/products?category={big.pk}&ordering=-name")
    add("level-1 category, in_stock=true", f"{API}/products?category={big.pk}&in_stock=true")
    add("price range 100-200", f"{API}/products?min_price=100&max_price=200")
    add("price range 100-200, ordering=-price", f"{API}/products?min_price=100&max_price=200&ordering=-price")
    add(
        "root, price range, ordering=price",
        f"{API}/products?category={root.pk}&min_price=100&max_price=200&ordering=price",
    )
    add("in_stock=true", f"{API}/products?in_stock=true")
    add("in_stock=false", f"{API}/products?in_stock=false")
    add("in_stock=false, ordering=price", f"{API}/products?in_stock=false&ordering=price")
    add(f"search hit ({hit})", f"{API}/products?search={hit}")
    for ordering in ORDERINGS:
        add(f"search hit, ordering={ordering}", f"{API}/products?search={hit}&ordering={ordering}")
    add(f"search hit in root category ({hit})", f"{API}/products?search={hit}&category={root.pk}&ordering=price")
    add(f"search miss ({miss})", f"{API}/products?search={miss}")
    add("sku prefix (BENCH-00012)", f"{API}/products?search=BENCH-00012")
    add("page 2,000", f"{API}/products?page=2000")
    add("page 2,000, ordering=-created_at", f"{API}/products?page=2000&ordering=-created_at")
    add("root category, page 2,000, ordering=price", f"{API}/products?category={root.pk}&page=2000&ordering=price")
    add("level-1 category, page 2,000", f"{API}/products?category={big.pk}&page=2000")
    add("level-1 category, page 2,000, ordering=price", f"{API}/products?category={big.pk}&page=2000&ordering=price")
    add("level-1 category, page 2,000, ordering=name", f"{API}/products?category={big.pk}&page=2000&ordering=name")
    status, body, _ = _get(port, f"{API}/products")
    count = json.loads(body).get("count", 0) if status == 200 else 0
    last = max(1, math.ceil(count / 20))
    add(f"last page ({last:,})", f"{API}/products?page={last}", LAST_PAGE)
    add(f"last page ({last:,}), ordering=price", f"{API}/products?page={last}&ordering=price", LAST_PAGE)
    add(f"last page ({last:,}), ordering=-name", f"{API}/products?page={last}&ordering=-name", LAST_PAGE)
    add("category tree", f"{API}/categories/tree", TREE)
    add("product detail", f"{API}/products/{count // 2 or 1}")
    add("small category price-stats", f"{API}/categories/{small.pk}/price-stats")
    add("level-1 category price-stats", f"{API}/categories/{big.pk}/price-stats")
    return out


def _explain(path: str) -> list[dict]:
    """Run the request in this process and EXPLAIN each SELECT it ran."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    cache.clear()  # this process's own cache: the explained request computes everything
    client = Client(HTTP_HOST=HOST)
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "(SELECT")):
                continue
            cursor.execute("EXPLAIN " + sql)
            columns = [column[0] for column in cursor.description]
            plan = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            plans.append({"sql": sql[:1500], "ms": round(float(query["time"]) * 1000, 1), "plan": plan})
    return plans


def measure(port: int, *, runs: int, progress: Callable[[str], None]) -> list[dict]:
    from django.core.cache import cache

    planned = cases(port)
    # The shared cache (CACHE_URL) may hold an earlier run's (or `cases`') counts and summary: cold means cold.
    cache.clear()
    rows = []
    for case in planned:
        status, body, cold = _get(port, case["path"])
        warm = []
        # A request that takes longer than SLOW is not repeated (nor explained): its figure is clear enough.
        for _ in range(runs if cold < SLOW else 0):
            status, body, seconds = _get(port, case["path"])
            warm.append(seconds)
        try:
            payload: Any = json.loads(body)
        except ValueError:
            payload = None
        count = payload.get("count") if isinstance(payload, dict) else None
        row = {
            **case,
            "status": status,
            "cold_seconds": round(cold, 4),
            "best_seconds": round(min(warm or [cold]), 4),
            "median_seconds": round(statistics.median(warm or [cold]), 4),
            "warm_seconds": [round(seconds, 4) for seconds in warm],
            "count": count,
            "results": len(payload.get("results", [])) if isinstance(payload, dict) else None,
            "bytes": len(body),
        }
        row["met"] = status == 200 and row["median_seconds"] <= case["target"]
        if "cold_target" in case:
            row["met"] = row["met"] and cold <= case["cold_target"]
        rows.append(row)
        progress(
            f"  {case['name']:<52} cold {cold * 1000:8.1f} ms  best {row['best_seconds'] * 1000:7.1f}  "
            f"median {row['median_seconds'] * 1000:7.1f} ms  (≤ {case['target'] * 1000:.0f})  "
            f"{'ok' if row['met'] else 'MISSED'}  [{status}, count {count}]"
        )
    for row in rows:
        row["explain"] = _explain(row["path"]) if row["cold_seconds"] < SLOW else "not run: slower than SLOW"
    return rows


def run(args, *, server_env: dict[str, str], progress: Callable[[str], None]) -> dict:
    """Start the bench's gunicorn (one worker: one request at a time, warm caches are its own) and measure."""
    from bench.load import Gunicorn

    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    log_path = results_dir / "gunicorn-scale.log"
    progress(f"bench: scale table through gunicorn (1 worker) on {HOST}:{args.port}, log in {log_path}")
    with Gunicorn(port=args.port, workers=1, env=server_env, log_path=log_path):
        rows = measure(args.port, runs=args.scale_runs, progress=progress)
    return {"runs": args.scale_runs, "rows": rows, "met": all(row["met"] for row in rows)}


def render(scale: dict) -> str:
    lines = [f"{'scale: one request at a time':<56} {'cold ms':>9} {'best ms':>9} {'median ms':>9} {'target':>7}"]
    for row in scale.get("rows", []):
        target = f"≤{row['target'] * 1000:.0f}"
        mark = "ok" if row["met"] else "MISSED"
        lines.append(
            f"{row['name']:<56} {row['cold_seconds'] * 1000:>9.1f} {row['best_seconds'] * 1000:>9.1f} "
            f"{row['median_seconds'] * 1000:>9.1f} {target:>7} {mark}"
        )
    return "\n".join(lines)


def write_markdown(scale: dict, path: Path) -> None:
    """The table as Markdown (for the README's Performance section)."""
    lines = ["| query | cold ms | best ms | median ms | target ms | |", "|---|---:|---:|---:|---:|---|"]
    for row in scale.get("rows", []):
        lines.append(
            f"| {row['name']} | {row['cold_seconds'] * 1000:.1f} | {row['best_seconds'] * 1000:.1f} | "
            f"{row['median_seconds'] * 1000:.1f} | {row['target'] * 1000:.0f} | {'ok' if row['met'] else 'MISSED'} |"
        )
    path.write_text("\n".join(lines) + "\n")
