"""Login throttles: per client IP and per email address (SPEC §4.1, §6).

Rates come from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` (`login_ip`, `login_email`), read
at request time so a settings change (tests, a reload) applies at once.
"""

from __future__ import annotations

import hashlib
from typing import cast

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from customers.models import User


class _LoginThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return cast("str | None", api_settings.DEFAULT_THROTTLE_RATES.get(cast(str, self.scope)))

    def allow_request(self, request, view) -> bool:
        # The rate may have changed since __init__ (it is read per request).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class LoginIPThrottle(_LoginThrottle):
    scope = "login_ip"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginEmailThrottle(_LoginThrottle):
    scope = "login_email"

    def get_cache_key(self, request, view) -> str | None:
        data = request.data
        email = data.get("email") if isinstance(data, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None
        # Hashed: the cache key must not carry the address itself.
        ident = hashlib.sha256(User.objects.normalize_email(email).encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
