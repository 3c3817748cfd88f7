"""How a message leaves the shop: SMS backends (`transports/sms/`, chosen by `SMS_BACKEND`) and email
(`transports/email.py`, Django's mailer). Each raises `notifications.exceptions.DeliveryError` subclasses
saying whether another attempt is safe; none retries by itself."""

from notifications.models import Channel, Notification
from notifications.transports.email import email_send
from notifications.transports.sms import get_sms_backend


def transport_send(notification: Notification) -> tuple[str, str]:
    """Hand one notification to its channel's provider: (provider message id, provider status)."""
    if notification.channel == Channel.SMS:
        sent = get_sms_backend().send(to=notification.recipient, message=notification.message)
        return sent.provider_message_id, sent.provider_status
    return email_send(notification), "sent"
