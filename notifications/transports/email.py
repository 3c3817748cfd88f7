"""Email through Django's mailer (`MAILERS["default"]`), bounded by NOTIFICATION_TIMEOUT_S.

With the SMTP backend each thread keeps its connection open between emails (one connect, EHLO and login
for a worker thread's run of emails, not one per email); a connection idle for longer than
`KEEPALIVE_IDLE_S` is closed and a new one opened, and one the server dropped is opened again once.
"""

import contextlib
import smtplib
import threading
import time
from email.utils import formataddr, getaddresses, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from notifications.exceptions import PermanentDeliveryError, TransientDeliveryError
from notifications.models import Notification

# Seconds an SMTP connection may sit idle and still be reused (servers wait 5 minutes, RFC 5321 §4.5.3.2.7).
KEEPALIVE_IDLE_S = 60.0

_local = threading.local()


def _smtp_key(backend: SmtpBackend) -> tuple:
    return (backend.host, backend.port, backend.username, backend.password, backend.use_tls, backend.use_ssl)


def _mailer() -> tuple[BaseEmailBackend, bool]:
    """The default mailer, bounded by NOTIFICATION_TIMEOUT_S: (backend, whether its connection was used before).
    An SMTP backend is this thread's kept one while its settings are the same and it has not sat idle too long."""
    backend = mailers.default
    if hasattr(backend, "timeout"):
        timeout = settings.NOTIFICATION_TIMEOUT_S
        backend.timeout = timeout if backend.timeout is None else min(backend.timeout, timeout)
    if not isinstance(backend, SmtpBackend):
        return backend, False
    kept: SmtpBackend | None = getattr(_local, "smtp", None)
    now = time.monotonic()
    if kept is not None and (_smtp_key(kept) != _smtp_key(backend) or now - _local.used_at > KEEPALIVE_IDLE_S):
        email_close_connection()
        kept = None
    _local.used_at = now
    if kept is not None and kept.connection is not None:
        return kept, True
    backend.open()  # kept open: send_messages leaves a connection it did not open itself
    _local.smtp = backend
    return backend, False


def email_close_connection() -> None:
    """Close this thread's kept SMTP connection, if any (a worker thread's end; a failed send)."""
    kept: SmtpBackend | None = getattr(_local, "smtp", None)
    _local.smtp = None
    if kept is not None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            kept.close()


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
    try:
        connection, reused = _mailer()
        try:
            sent = connection.send_messages([email])
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            if not reused:
                raise
            # the server closed the kept connection (idle, restarted): once more on a new one (a duplicate
            # staff email, should it have arrived after all, is harmless)
            email_close_connection()
            connection, _ = _mailer()
            sent = connection.send_messages([email])
    except smtplib.SMTPRecipientsRefused as error:
        email_close_connection()
        raise PermanentDeliveryError(f"Every recipient was refused: {error.recipients}") from error
    except smtplib.SMTPResponseException as error:
        email_close_connection()
        text = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
        if 500 <= error.smtp_code < 600:
            raise PermanentDeliveryError(text) from error
        raise TransientDeliveryError(text) from error
    except (smtplib.SMTPException, OSError) as error:  # refused, timed out, disconnected
        email_close_connection()
        raise TransientDeliveryError(f"SMTP: {type(error).__name__}: {error}") from error
    if not sent:
        raise TransientDeliveryError("The email backend sent nothing.")
    return message_id
