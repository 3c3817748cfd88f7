"""`manage.py check_category_tree [--repair]`: verify (and rebuild) the mptt fields of the category tree."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.exceptions import CategoryTreeCorrupt
from catalog.selectors import category_tree_problems
from catalog.services import category_tree_repair


class Command(BaseCommand):
    help = (
        "Check the category tree's lft/rght/level/tree_id fields against the parent links; "
        "with --repair, rebuild them (under the tree lock). Exits 1 when the tree is invalid and not repaired."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="Rebuild the tree fields from the parent links.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["repair"]:
            try:
                problems = category_tree_repair()
            except CategoryTreeCorrupt as error:
                raise CommandError(f"The tree could not be repaired: {error}") from None
            if problems:
                for problem in problems:
                    self.stdout.write(f"fixed: {problem}")
                self.stdout.write(self.style.SUCCESS(f"Repaired: {len(problems)} problems fixed; the tree is valid."))
            else:
                self.stdout.write(self.style.SUCCESS("The category tree is valid; nothing to repair."))
            return

        problems = category_tree_problems()
        if problems:
            for problem in problems:
                self.stdout.write(problem)
            raise CommandError(f"The category tree is invalid ({len(problems)} problems); run with --repair.")
        self.stdout.write(self.style.SUCCESS("The category tree is valid."))
