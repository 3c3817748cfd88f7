import uuid
from dataclasses import dataclass

from notifications.transports import sms
from notifications.transports.sms.base import BaseSmsBackend, SmsSent


@dataclass(frozen=True, slots=True)
class SmsMessage:
    to: str
    message: str
    provider_message_id: str


class SmsBackend(BaseSmsBackend):
    """Keeps messages in `notifications.sms.outbox` (tests), like Django's locmem email backend."""

    def send(self, *, to: str, message: str) -> SmsSent:
        message_id = f"locmem-{uuid.uuid4().hex}"
        sms.outbox.append(SmsMessage(to=to, message=message, provider_message_id=message_id))
        return SmsSent(provider_message_id=message_id, provider_status="Success")
