"""Domain errors of the notifications app, and the delivery outcomes the backends report."""

from rest_framework import status

from ecommerce.exceptions import DomainError


class NotificationNotResendable(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "notification_not_resendable"
    title = "Notification cannot be resent"


class DeliveryError(Exception):
    """A backend could not deliver a message. Subclasses say whether trying again is safe."""

    def __init__(self, message: str, *, provider_status: str = "", provider_message_id: str = ""):
        super().__init__(message)
        self.provider_status = provider_status
        self.provider_message_id = provider_message_id


class TransientDeliveryError(DeliveryError):
    """The provider did not take the message and may later (outage, 5xx, no balance): retry with backoff."""


class PermanentDeliveryError(DeliveryError):
    """The provider refused the message for good (invalid number, blacklisted, not configured): never retry."""


class UncertainDeliveryError(DeliveryError):
    """The request may have reached the provider and been accepted (read timeout, unreadable 2xx answer).

    Retrying could send the message twice, so it is not retried automatically; staff decide (admin "resend").
    """
