"""Timings on the seeded data (root price-stats, price_analytics), targets, and the report table.

The code timed is the catalog's own: its selector and its management command.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

TARGETS = {
    "seed_seconds": 180.0,
    "root_price_stats_seconds": 1.5,
    "price_analytics_seconds": 10.0,
}
TIMED_RUNS = 3


def holds_seed(args) -> bool:
    """Whether the database already has exactly the data set asked for (so seeding can be skipped)."""
    from catalog.models import Category, Product
    from customers.models import Customer

    return (
        Product.objects.count() == args.products
        and Category.objects.count() == args.categories
        and Category.objects.order_by("-level").values_list("level", flat=True).first() == args.depth
        and Customer.objects.count() == args.customers
    )


def _timed(function: Callable[[], Any]) -> dict:
    """One cold call, then TIMED_RUNS warm ones; the queries of the last call, with their plans."""
    started = time.perf_counter()
    function()
    cold = time.perf_counter() - started
    warm = []
    for _ in range(TIMED_RUNS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            value = function()
            warm.append(time.perf_counter() - started)
    queries = [query["sql"] for query in captured.captured_queries]
    return {
        "cold_seconds": round(cold, 3),
        "warm_seconds": [round(seconds, 3) for seconds in warm],
        "median_seconds": round(statistics.median(warm), 3),
        "queries": len(queries),
        "explain": [_explain(sql) for sql in queries if sql.lstrip().upper().startswith("SELECT")][:4],
        "value": value,
    }


def _explain(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return {"sql": sql[:2000], "plan": rows}


# --- Root price-stats -----------------------------------------------------------------------------


def _root():
    from catalog.models import Category

    return Category.objects.filter(level=0).order_by("tree_id").first()


def price_stats_function(root) -> tuple[str, Callable[[], Any]]:
    """What `GET /categories/{root}/price-stats` computes when nothing is cached: the catalog summary
    (every category's figures at once, catalog.summary), and the root's figures taken from it."""
    from catalog.summary import catalog_summary_compute

    def compute() -> dict:
        figures = catalog_summary_compute().subtrees[root.pk]
        return {"product_count": figures.count, "min_price": str(figures.min_price)}

    return "catalog.summary.catalog_summary_compute (root price-stats, uncached)", compute


# --- price_analytics ------------------------------------------------------------------------------


def price_analytics_function() -> tuple[str, Callable[[], Any]]:
    from django.core.management import call_command

    def command() -> dict:
        with tempfile.TemporaryDirectory() as directory:
            output = Path(directory) / "analytics.json"
            call_command(
                "price_analytics",
                "--format",
                "json",
                "--output",
                str(output),
                verbosity=0,
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
            return {"bytes": output.stat().st_size}

    return "manage.py price_analytics --format json", command


def database_facts() -> dict:
    """Server settings that decide the figures: a cold buffer pool smaller than the data set means disk reads."""
    from catalog.models import Product

    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION(), @@innodb_buffer_pool_size, @@innodb_flush_log_at_trx_commit")
        version, pool, flush = cursor.fetchone()
        cursor.execute(
            "SELECT data_length + index_length FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name = %s",
            [Product._meta.db_table],
        )
        row = cursor.fetchone()
    return {
        "version": version,
        "innodb_buffer_pool_mb": int(pool) // 2**20,
        "innodb_flush_log_at_trx_commit": int(flush),
        "product_table_mb": int(row[0] or 0) // 2**20 if row else None,
    }


def time_all(*, progress: Callable[[str], None]) -> dict:
    root = _root()
    if root is None:
        return {}
    results: dict[str, Any] = {"database": database_facts()}
    facts = results["database"]
    progress(
        f"bench: {facts['version']}, buffer pool {facts['innodb_buffer_pool_mb']} MB, "
        f"products table and indexes {facts['product_table_mb']} MB"
    )
    if facts["product_table_mb"] and facts["innodb_buffer_pool_mb"] < facts["product_table_mb"]:
        progress(
            "  note: the buffer pool is smaller than the products table and its indexes, so cold queries read "
            "from disk (production servers size innodb_buffer_pool_size to the working set)"
        )
    name, function = price_stats_function(root)
    progress(f"bench: timing root price-stats (category {root.pk}) with {name}")
    results["root_price_stats"] = {"implementation": name, "category": root.pk, **_timed(function)}
    progress(_summary(results["root_price_stats"]))
    name, function = price_analytics_function()
    progress(f"bench: timing price_analytics over every category with {name}")
    results["price_analytics"] = {"implementation": name, **_timed(function)}
    progress(_summary(results["price_analytics"]))
    return results


def _summary(timing: dict) -> str:
    return (
        f"  cold {timing['cold_seconds']:.3f} s, warm median {timing['median_seconds']:.3f} s, "
        f"{timing['queries']} queries"
    )


# --- Targets and the table ------------------------------------------------------------------------


def check_targets(report: dict) -> dict:
    checks: dict[str, dict] = {}
    seed = report.get("seed", {})
    if "total_seconds" in seed:
        checks["seed 1M products"] = _check(seed["total_seconds"], TARGETS["seed_seconds"], "s", lower=True)
    timings = report.get("analytics", {})
    if "root_price_stats" in timings:
        checks["root price-stats"] = _check(
            timings["root_price_stats"]["median_seconds"], TARGETS["root_price_stats_seconds"], "s", lower=True
        )
    if "price_analytics" in timings:
        checks["price_analytics"] = _check(
            timings["price_analytics"]["median_seconds"], TARGETS["price_analytics_seconds"], "s", lower=True
        )
    if report.get("load"):
        from bench import load

        checks.update(load.check_targets(report["load"]))
    return checks


def _check(value: float, target: float, unit: str, *, lower: bool) -> dict:
    met = value <= target if lower else value >= target
    return {"value": value, "target": target, "unit": unit, "met": met}


def render(report: dict) -> str:
    lines = []
    if report.get("load"):
        from bench import load

        lines += [load.render(report["load"]), ""]
    for name, check in report.get("targets", {}).items():
        if check["unit"] != "s":
            continue
        comparison = "≤" if check["unit"] == "s" else "≥"
        mark = "ok" if check["met"] else "MISSED"
        lines.append(
            f"{name:<38} {check['value']:>8.3f} {check['unit']:<3} (target {comparison} {check['target']}) {mark}"
        )
    return "\n".join(lines)
