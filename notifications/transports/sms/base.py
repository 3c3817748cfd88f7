from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SmsSent:
    """The provider accepted the message for delivery."""

    provider_message_id: str
    provider_status: str


class BaseSmsBackend:
    """An SMS backend, in the style of Django's email backends (`SMS_BACKEND` picks one).

    `send` returns `SmsSent` when the provider accepted the message, and raises
    `notifications.exceptions.TransientDeliveryError`, `PermanentDeliveryError` or
    `UncertainDeliveryError` otherwise. It never retries by itself: the caller owns retries.
    """

    def __init__(self, *, timeout: float | None = None) -> None:
        self.timeout = timeout

    def send(self, *, to: str, message: str) -> SmsSent:
        raise NotImplementedError
