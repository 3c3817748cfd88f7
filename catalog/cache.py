"""Cached catalog reads and their invalidation: one generation number for the whole catalog.

Every write through `catalog.services` (products, categories, imports, repairs) bumps the generation
as it writes and again after its transaction commits (`catalog_changed`); a cached value's key carries the generation it
was computed under, so the next read after a write, in this process and in every process sharing the
cache (`CACHE_URL`, Redis in production), computes it afresh. Each value also expires after
`CATALOG_CACHE_SECONDS`, the bound for writes that bypass the services (raw SQL, the bench's bulk
seed) and for processes that do not share a cache (the default local-memory cache is per process).

Stock is not part of anything cached here (price stats count active products whatever their stock),
so orders taking or returning stock leave the cache alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "catalog:generation"


def catalog_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # After an eviction any value unlike every earlier one will do: the clock's. add() keeps the first.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY, 0)
    return generation


def catalog_changed() -> None:
    """Invalidate every cached catalog read: now, and again once the current transaction commits.

    Now, so that the writer's own later reads (inside its transaction) are fresh; again after the
    commit, because another process may have cached the old figures in between under the new
    generation.
    """
    _bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not in the cache (evicted or never read): a new value unlike any earlier one
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)


def catalog_cached[T](name: str, compute: Callable[[], T]) -> T:
    """`compute()`, cached under `name` for the current catalog generation (None is not cached)."""
    key = f"catalog:{catalog_generation()}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        if value is not None:
            cache.set(key, value, settings.CATALOG_CACHE_SECONDS)
    return value
