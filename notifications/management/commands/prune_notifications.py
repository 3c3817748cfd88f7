from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from notifications.pruning import prune


class Command(BaseCommand):
    help = (
        "Delete finished task results older than TASK_RESULT_RETENTION_HOURS and, when NOTIFICATION_RETENTION_DAYS "
        "is set, finished notifications older than that. Run it from cron (the Kubernetes CronJob does)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        summary = prune(dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        kept = (
            f"older than {settings.NOTIFICATION_RETENTION_DAYS} days"
            if settings.NOTIFICATION_RETENTION_DAYS
            else "none (NOTIFICATION_RETENTION_DAYS=0 keeps them all)"
        )
        self.stdout.write(
            f"{verb} {summary.task_results} finished task result(s) older than "
            f"{settings.TASK_RESULT_RETENTION_HOURS} h and {summary.notifications} finished notification(s): {kept}."
        )
