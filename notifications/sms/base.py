"""Moved to `notifications.transports.sms.base`; this path keeps configured `SMS_BACKEND` values working."""

from notifications.transports.sms.base import BaseSmsBackend, SmsSent

__all__ = ["BaseSmsBackend", "SmsSent"]
