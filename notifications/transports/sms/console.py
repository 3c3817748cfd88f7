import sys
import uuid

from notifications.transports.sms.base import BaseSmsBackend, SmsSent


class SmsBackend(BaseSmsBackend):
    """Writes each message to stdout (local development)."""

    def __init__(self, *, timeout: float | None = None, stream=None) -> None:
        super().__init__(timeout=timeout)
        self.stream = stream or sys.stdout

    def send(self, *, to: str, message: str) -> SmsSent:
        message_id = f"console-{uuid.uuid4().hex}"
        self.stream.write(f"SMS to {to} ({message_id}):\n{message}\n{'-' * 40}\n")
        self.stream.flush()
        return SmsSent(provider_message_id=message_id, provider_status="Success")
