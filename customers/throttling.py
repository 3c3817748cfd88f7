"""Login and registration throttles (SPEC §4.1, §6).

Rates come from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` (`login_ip`, `login_email`, `register_ip`),
read at request time so a settings change (tests, a reload) applies at once. The counters live in the
default cache, which every process must share (`CACHE_URL=redis://…`): with a per-process cache each
worker would allow the whole rate again.

The admin's login form is throttled by the same classes and counters as `POST /auth/login`
(`admin_login_throttle_wait`): one budget of password guesses per IP and per account, whichever door.
"""

from __future__ import annotations

import hashlib
from typing import cast

from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from customers.models import User


class _RateFromSettingsThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return cast("str | None", api_settings.DEFAULT_THROTTLE_RATES.get(cast(str, self.scope)))

    def allow_request(self, request, view) -> bool:
        # The rate may have changed since __init__ (it is read per request).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class _PerIPThrottle(_RateFromSettingsThrottle):
    def get_cache_key(self, request, view) -> str:
        # get_ident reads only request.META (REMOTE_ADDR, X-Forwarded-For with NUM_PROXIES), so it serves
        # Django's HttpRequest (the admin) as well as DRF's Request.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginIPThrottle(_PerIPThrottle):
    scope = "login_ip"


class RegistrationIPThrottle(_PerIPThrottle):
    scope = "register_ip"


class LoginEmailThrottle(_RateFromSettingsThrottle):
    scope = "login_email"

    def submitted_email(self, request) -> object:
        data = request.data
        return data.get("email") if isinstance(data, dict) else None

    def get_cache_key(self, request, view) -> str | None:
        email = self.submitted_email(request)
        if not isinstance(email, str) or not email.strip():
            return None
        # Hashed: the cache key must not carry the address itself.
        ident = hashlib.sha256(User.objects.normalize_email(email).encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AdminLoginEmailThrottle(LoginEmailThrottle):
    """The per-account login throttle, reading the admin login form's `username` (the email)."""

    def submitted_email(self, request) -> object:
        return request.POST.get("username")


def admin_login_throttle_wait(request: HttpRequest) -> float | None:
    """Count one admin login attempt (a POST of the login form) against the login throttles.

    None when it may go ahead; else the seconds until it may be tried again. Like DRF's own
    `check_throttles`, every throttle sees the attempt, so a refused one still counts per IP.
    Only password attempts are counted: GETs of the form and OpenID Connect logins never are.
    """
    waits = [
        throttle.wait()
        for throttle in (LoginIPThrottle(), AdminLoginEmailThrottle())
        if not throttle.allow_request(request, None)
    ]
    if not waits:
        return None
    return max((wait for wait in waits if wait is not None), default=1.0)
