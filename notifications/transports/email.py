"""Email through Django's mailer (`MAILERS["default"]`), bounded by NOTIFICATION_TIMEOUT_S."""

import smtplib
from email.utils import formataddr, getaddresses, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, mailers

from notifications.exceptions import PermanentDeliveryError, TransientDeliveryError
from notifications.models import Notification


def email_send(notification: Notification) -> str:
    """Send the notification's email to its recipients; returns the Message-ID it was sent with.

    SMTP 5xx and "every recipient refused" are permanent; 4xx, refused or lost connections transient.
    """
    recipients = [formataddr(pair) for pair in getaddresses([notification.recipient]) if pair[1]]
    if not recipients:
        raise PermanentDeliveryError("No valid recipient address.")
    message_id = make_msgid(domain="ecommerce-service")
    email = EmailMessage(
        subject=notification.subject,
        body=notification.message,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"Message-ID": message_id},
    )
    connection = mailers.default
    if hasattr(connection, "timeout"):
        timeout = settings.NOTIFICATION_TIMEOUT_S
        connection.timeout = timeout if connection.timeout is None else min(connection.timeout, timeout)
    try:
        sent = connection.send_messages([email])
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentDeliveryError(f"Every recipient was refused: {error.recipients}") from error
    except smtplib.SMTPResponseException as error:
        text = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
        if 500 <= error.smtp_code < 600:
            raise PermanentDeliveryError(text) from error
        raise TransientDeliveryError(text) from error
    except (smtplib.SMTPException, OSError) as error:  # refused, timed out, disconnected
        raise TransientDeliveryError(f"SMTP: {type(error).__name__}: {error}") from error
    if not sent:
        raise TransientDeliveryError("The email backend sent nothing.")
    return message_id
