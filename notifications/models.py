from django.db import models

from orders.models import Order


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"


class NotificationStatus(models.TextChoices):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Notification(models.Model):
    """One message about an order: the outbox row its delivery task works from, and the audit log."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.CharField(max_length=1000)
    subject = models.CharField(max_length=255, blank=True)
    message = models.TextField()
    status = models.CharField(max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=128, blank=True)
    provider_status = models.CharField(max_length=64, blank=True)
    # When the next delivery attempt is due; on a failed row, None means final (no automatic retry).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The claim a delivery task holds while status is "sending" (see services.notification_send).
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # From the provider's delivery report (SMS): when the handset got it.
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_due_idx"),
            models.Index(fields=["provider_message_id"], name="notif_provider_id_idx"),
            models.Index(fields=["channel", "status"], name="notif_channel_status_idx"),
            models.Index(fields=["status", "claimed_at"], name="notif_claim_idx"),
            # the queue metrics: pending/sending counts and the oldest, per channel, from the index alone
            models.Index(fields=["status", "channel", "created_at"], name="notif_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.recipient} for order #{self.order_id}"

    @property
    def is_retryable(self) -> bool:
        return self.status == NotificationStatus.FAILED and self.next_attempt_at is not None
