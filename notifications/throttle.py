"""A send rate per provider, shared by every worker process and thread through Django's cache.

`NOTIFICATION_SMS_RATE_PER_S` / `NOTIFICATION_EMAIL_RATE_PER_S` (0: no limit): at most that many sends
start in any one-second window, counted in the cache (`CACHE_URL`: Redis in production, so the limit
holds for the sum of all workers). After a provider outage, thousands of due retries go out at that pace
instead of all at once.
"""

import random
import time

from django.conf import settings
from django.core.cache import cache

from notifications.models import Channel


def channel_rate(channel: str) -> int:
    return settings.NOTIFICATION_SMS_RATE_PER_S if channel == Channel.SMS else settings.NOTIFICATION_EMAIL_RATE_PER_S


def any_rate_limited() -> bool:
    return bool(settings.NOTIFICATION_SMS_RATE_PER_S or settings.NOTIFICATION_EMAIL_RATE_PER_S)


def send_slot_acquire(channel: str, *, wait_s: float) -> bool:
    """Take one send slot of the channel's provider, waiting at most `wait_s` for one; True if taken."""
    rate = channel_rate(channel)
    if not rate:
        return True
    deadline = time.monotonic() + wait_s
    while True:
        now = time.time()
        key = f"notifications:send-rate:{channel}:{int(now)}"
        cache.add(key, 0, timeout=5)
        try:
            taken = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=5)
            taken = 1
        if taken <= rate:
            return True
        # the next window, spread a little so the waiting threads do not all ask at its first instant
        pause = int(now) + 1 - now + random.uniform(0, 0.05)  # noqa: S311 (spreading, not security)
        if time.monotonic() + pause > deadline:
            return False
        time.sleep(pause)
