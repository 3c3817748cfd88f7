"""`manage.py price_analytics`: subtree price stats of every category, in one pass."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.models import Category
from catalog.selectors import CategoryPriceRow, category_price_analytics
from ecommerce.money import money_str

COLUMNS = ["category_id", "name", "path", "level", "product_count", "average_price", "min_price", "max_price"]


def row_dict(row: CategoryPriceRow) -> dict[str, Any]:
    return {
        "category_id": row.category_id,
        "name": row.name,
        "path": row.path,
        "level": row.level,
        "product_count": row.product_count,
        "average_price": money_str(row.average_price),
        "min_price": money_str(row.min_price),
        "max_price": money_str(row.max_price),
    }


def render_json(rows: list[CategoryPriceRow]) -> str:
    return json.dumps([row_dict(row) for row in rows], indent=2, ensure_ascii=False) + "\n"


def render_csv(rows: list[CategoryPriceRow]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if value is None else value for key, value in row_dict(row).items()})
    return out.getvalue()


def render_table(rows: list[CategoryPriceRow], currency: str) -> str:
    headers = ["ID", "Category", "Level", "Products", f"Average ({currency})", "Min", "Max"]
    body = [
        [
            str(row.category_id),
            "  " * row.level + row.name,
            str(row.level),
            str(row.product_count),
            money_str(row.average_price) or "-",
            money_str(row.min_price) or "-",
            money_str(row.max_price) or "-",
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [headers, *body]) for i in range(len(headers))]
    numeric = {0, 2, 3, 4, 5, 6}

    def fmt(line: list[str]) -> str:
        cells = [cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i]) for i, cell in enumerate(line)]
        return "  ".join(cells).rstrip()

    lines = [fmt(headers), "  ".join("-" * width for width in widths), *(fmt(line) for line in body)]
    lines.append(f"{len(rows)} categories")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = (
        "Per category, over its whole subtree: active product count, average, min and max price. "
        "All categories are computed in one pass (a fixed number of queries)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--category", type=int, metavar="ID", help="Only this category's subtree.")
        parser.add_argument(
            "--depth", type=int, metavar="N", help="Only categories whose level is at most N (roots are level 0)."
        )
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
        parser.add_argument("--output", metavar="FILE", help="Write the report to FILE instead of stdout.")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        root = None
        if options["category"] is not None:
            try:
                root = Category.objects.get(pk=options["category"])
            except Category.DoesNotExist:
                raise CommandError(f"Category {options['category']} does not exist.") from None
        if options["depth"] is not None and options["depth"] < 0:
            raise CommandError("--depth must be 0 or more.")

        rows = category_price_analytics(root=root, max_depth=options["depth"])
        fmt = options["format"]
        if fmt == "json":
            text = render_json(rows)
        elif fmt == "csv":
            text = render_csv(rows)
        else:
            text = render_table(rows, settings.SHOP_CURRENCY)

        if options["output"]:
            try:
                with open(options["output"], "w", encoding="utf-8", newline="") as handle:
                    handle.write(text)
            except OSError as error:
                raise CommandError(f"Cannot write {options['output']}: {error}") from None
            self.stderr.write(f"Wrote {len(rows)} categories to {options['output']}")
        else:
            self.stdout.write(text, ending="")
