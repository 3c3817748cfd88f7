"""`manage.py import_catalog FILE.csv [--dry-run]`: upsert products by SKU, creating missing categories."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.imports import COLUMNS, catalog_import, catalog_parse_csv

MAX_ERRORS_SHOWN = 100


class ProgressBar:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, stream, label: str, *, enabled: bool) -> None:
        self.stream = stream
        self.label = label
        self.enabled = enabled
        self.last_drawn = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self.last_drawn < 0.1:
            return
        self.last_drawn = now
        width = 30
        filled = width * done // total if total else width
        percent = 100 * done // total if total else 100
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {percent:3d}% {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        f"Import products from a CSV file with the columns {','.join(COLUMNS)} (category_path: names joined by "
        "' > '). Products are upserted by SKU, missing categories created. Every row is validated first; if any "
        "is invalid, the errors are listed by line number and nothing is imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE.csv", help="UTF-8 CSV with a header row.")
        parser.add_argument("--dry-run", action="store_true", help="Validate, report what would change, write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        started = time.monotonic()
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                parsed = catalog_parse_csv(handle)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from None
        except UnicodeDecodeError as error:
            raise CommandError(f"{path} is not UTF-8 text: {error}") from None

        if parsed.errors:
            for message in parsed.errors[:MAX_ERRORS_SHOWN]:
                self.stderr.write(message)
            if len(parsed.errors) > MAX_ERRORS_SHOWN:
                self.stderr.write(f"... and {len(parsed.errors) - MAX_ERRORS_SHOWN} more")
            raise CommandError(f"{len(parsed.errors)} invalid row(s) in {path}; nothing was imported.")

        stderr = getattr(self.stderr, "_out", sys.stderr)
        bar = ProgressBar(stderr, "Importing", enabled=hasattr(stderr, "isatty") and stderr.isatty())
        result = catalog_import(rows=parsed.rows, dry_run=options["dry_run"], progress=bar)
        elapsed = time.monotonic() - started
        verb = "Would import" if result.dry_run else "Imported"
        note = " (dry run: nothing was written)" if result.dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {result.rows} rows in {elapsed:.1f} s: {result.categories_created} categories created, "
                f"{result.products_created} products created, {result.products_updated} updated, "
                f"{result.products_unchanged} unchanged.{note}"
            )
        )
