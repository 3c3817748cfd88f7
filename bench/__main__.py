"""`python -m bench` (`make bench`): seed in bulk, time the analytics, load-test under gunicorn.

See bench/README.md for what is measured, how, and the targets (SPEC §5).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import delivery
from bench.environment import ROOT, database_config, ensure_database, ensure_wrk, production_environment

RESULTS = ROOT / "bench" / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    data = parser.add_argument_group("data")
    data.add_argument("--products", type=int, default=1_000_000)
    data.add_argument("--categories", type=int, default=10_000)
    data.add_argument("--depth", type=int, default=6, help="deepest level (roots are level 0)")
    data.add_argument("--customers", type=int, default=200, help="customers placing orders in the load run")
    data.add_argument("--hot-products", type=int, default=2_000, help="products POST /orders buys from")
    data.add_argument("--reseed", action="store_true", help="seed even if the database already holds the data")
    data.add_argument(
        "--fresh", action="store_true", help="drop and recreate the database first (after migrations were edited)"
    )
    data.add_argument("--allow-any-database", action="store_true", help="let the bench wipe a non-bench database")
    load = parser.add_argument_group("load run")
    load.add_argument("--no-load", action="store_true", help="seed and time the analytics only")
    load.add_argument("--no-analytics", action="store_true", help="skip the in-process analytics timings")
    load.add_argument("--duration", type=int, default=5, help="seconds per measured run")
    load.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per endpoint")
    load.add_argument(
        "--rounds", type=int, default=2, help="measured (bare Django, stack baseline, endpoint) triples per endpoint"
    )
    load.add_argument("--connections", type=int, default=8)
    load.add_argument("--threads", type=int, default=1, help="wrk threads")
    load.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    load.add_argument("--port", type=int, default=8099, help="the service's port")
    load.add_argument("--bare-port", type=int, default=None, help="bare Django's port (default: --port + 1)")
    load.add_argument(
        "--only", action="append", default=[], metavar="TEXT", help="load only the rows whose name contains TEXT"
    )
    scale = parser.add_argument_group("scale table (one request at a time, SPEC §5 Scale)")
    scale.add_argument("--scale-only", action="store_true", help="measure only the scale table (on seeded data)")
    scale.add_argument("--no-scale", action="store_true", help="skip the scale table")
    scale.add_argument("--scale-runs", type=int, default=5, help="warm requests per query kind")
    delivery.add_arguments(parser)
    parser.add_argument("--output", type=Path, default=None, help="JSON results file (default bench/results/)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = database_config(os.environ.get("DATABASE_URL"), allow_any_database=args.allow_any_database)
    wrk = None if (args.no_load or args.scale_only) and not args.delivery else ensure_wrk()
    ensure_database(config, fresh=args.fresh)
    server_env = production_environment()
    os.environ.update(server_env)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    from bench import analytics, seed

    report: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }
    print(f"bench: database {config['NAME']} on {config.get('HOST')}:{config.get('PORT')}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"bench: migrations applied ({time.perf_counter() - started:.1f} s)")

    if args.reseed or not analytics.holds_seed(args):
        print(
            f"bench: seeding {args.products:,} products in {args.categories:,} categories "
            f"(depth {args.depth}), {args.customers} customers"
        )
        result = seed.seed(
            products=args.products,
            categories=args.categories,
            depth=args.depth,
            customers=args.customers,
            hot_products=args.hot_products,
        )
        report["seed"] = {**vars(result), "total_seconds": result.total_seconds}
        print(f"bench: seeded in {result.total_seconds:.1f} s {result.seconds}")
    else:
        print("bench: the database already holds this data set (use --reseed to rebuild it)")
        report["seed"] = {"reused": True}

    if not (args.scale_only or args.no_analytics):
        report["analytics"] = analytics.time_all(progress=print)

    if not args.no_scale:
        from bench import scale

        report["scale"] = scale.run(args, server_env=server_env, progress=print)

    if wrk and not (args.no_load or args.scale_only):
        from bench import load

        report["load"] = load.run(args, wrk=wrk, server_env=server_env, progress=print)

    if args.delivery and wrk:
        report["delivery"] = delivery.run(args, wrk=wrk, server_env=server_env, progress=print)

    report["targets"] = analytics.check_targets(report)
    output = args.output or RESULTS / f"bench-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print()
    print(analytics.render(report))
    if "scale" in report:
        from bench import scale

        print()
        print(scale.render(report["scale"]))
        scale.write_markdown(report["scale"], output.with_suffix(".scale.md"))
    if args.delivery:
        print(delivery.render(report["delivery"]))
    print(f"\nbench: results written to {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0


def _machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
    }


if __name__ == "__main__":
    sys.exit(main())
