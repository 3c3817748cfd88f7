"""Cached catalog reads and their invalidation: one generation number for the whole catalog.

Every write through `catalog.services` (products, categories, imports, repairs) bumps the generation
as it writes and again after its transaction commits (`catalog_changed`); a cached value's key carries the generation it
was computed under, so the next read after a write, in this process and in every process sharing the
cache (`CACHE_URL`, Redis in production), computes it afresh. Each value also expires after
`CATALOG_CACHE_SECONDS`, the bound for writes that bypass the services (raw SQL, the bench's bulk
seed) and for processes that do not share a cache (the default local-memory cache is per process).

Stock has versions of its own (`stock_changed`): one for the whole catalog, changed by every change
of any product's stock, and one per product. Price stats, the catalog summary and the tree do not depend
on stock (they count active products whatever their stock) and ignore them; the cached API answers that
show stock (the product lists and a product, catalog.api.response_cache) carry them too, so an order
taking or returning stock is visible to the next read of those.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "catalog:generation"
STOCK_GENERATION_KEY = "catalog:stock-generation"


def product_stock_key(product_id: int) -> str:
    """The cache key of one product's stock version (changed by `stock_changed`)."""
    return f"catalog:stock:{product_id}"


# The generation a request already read from the shared cache (catalog.api.response_cache reads it with its
# own keys), so that the rest of the request does not ask again; cleared by a write's bump.
_known_generation: ContextVar[int | None] = ContextVar("catalog_generation", default=None)


@contextmanager
def catalog_generation_known(generation: int | None) -> Iterator[None]:
    """Inside this block `catalog_generation()` answers `generation` (just read by the caller) without
    asking the shared cache again, until a write bumps it. None: nothing known, ask."""
    token = _known_generation.set(generation)
    try:
        yield
    finally:
        _known_generation.reset(token)


def catalog_generation() -> int:
    known = _known_generation.get()
    if known is not None:
        return known
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
    _known_generation.set(None)
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not in the cache (evicted or never read): a new value unlike any earlier one
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)


def stock_changed(product_ids: Iterable[int]) -> None:
    """The stock of these products changed (an order, a cancellation, a staff edit): invalidate what shows it.

    Gives the stock generation and each product's stock version new random values, in one cache round
    trip, once the current transaction commits (at once outside one): a reader that looked in between
    read the old stock, as it would have just before the commit. Nothing is cached inside the writer's
    transaction that would need them sooner. A version lives longer than a cached answer
    (`API_RESPONSE_CACHE_SECONDS`), so one that expired cannot bring an answer older than it back.
    """
    keys = [STOCK_GENERATION_KEY, *(product_stock_key(product_id) for product_id in product_ids)]

    def bump() -> None:
        timeout = 2 * settings.API_RESPONSE_CACHE_SECONDS + 60
        cache.set_many({key: secrets.randbits(62) for key in keys}, timeout)

    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(bump)
    else:
        bump()


# name -> (the shared key it was read under, wall-clock deadline, value): `catalog_cached(local=True)`.
_LOCAL: dict[str, tuple[str, float, Any]] = {}


def catalog_cached[T](name: str, compute: Callable[[], T], *, local: bool = False) -> T:
    """`compute()`, cached under `name` for the current catalog generation (None is not cached).

    `local`: also kept in this process's memory (see `catalog_cached_unless_busy`)."""
    return cast(T, _cached(name, compute, local=local, or_none_while_computing=False))


def catalog_cached_unless_busy[T](name: str, compute: Callable[[], T], *, local: bool = False) -> T | None:
    """`catalog_cached`, but None at once when another request (of any process) is computing it.

    `local`: also kept in this process's memory for the same generation and no longer than the shared
    copy lives (`CATALOG_CACHE_SECONDS` from when it was computed): for big values, read on every request.
    None while it is being computed elsewhere: the caller has a slower way that needs no summary,
    and concurrent requests do not all compute it at once after a write.
    """
    return _cached(name, compute, local=local, or_none_while_computing=True)


def _cached[T](name: str, compute: Callable[[], T], *, local: bool, or_none_while_computing: bool) -> T | None:
    key = f"catalog:{catalog_generation()}:{name}"
    now = time.time()
    if local:
        memo = _LOCAL.get(name)
        if memo is not None and memo[0] == key and now < memo[1]:
            return memo[2]
    stored = cache.get(key)
    if stored is not None:
        deadline, value = stored
    else:
        computing = f"{key}:computing"
        if or_none_while_computing and not cache.add(computing, 1, timeout=settings.CATALOG_CACHE_SECONDS):
            return None
        try:
            value = compute()
            deadline = now + settings.CATALOG_CACHE_SECONDS
            if value is not None:
                cache.set(key, (deadline, value), settings.CATALOG_CACHE_SECONDS)
        finally:
            if or_none_while_computing:
                cache.delete(computing)
    if local and value is not None:
        _LOCAL[name] = (key, deadline, value)
    return value
