from django.core.management.base import BaseCommand

from notifications.services import notification_retry_due
from orders.events import EventSource


class Command(BaseCommand):
    help = (
        "Re-enqueue delivery of pending and retryable failed notifications whose next attempt is due, "
        "after releasing claims of workers that died mid-send. Run it from cron (the Kubernetes CronJob does)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--now", action="store_true", help="Re-enqueue every pending and retryable one, ignoring the schedule."
        )

    def handle(self, *args, now: bool = False, **options) -> None:
        summary = notification_retry_due(ignore_schedule=now, source=EventSource.COMMAND)
        self.stdout.write(
            f"Enqueued {summary.enqueued} notification(s); stale claims released: "
            f"{summary.stale_retried} to retry, {summary.stale_abandoned} not retried (outcome unknown)."
        )
