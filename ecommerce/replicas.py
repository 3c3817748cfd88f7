"""Read replicas: lag-tolerant catalog reads go to a replica, everything else to the primary (SPEC §5, §6).

Configured by `DATABASE_REPLICA_URLS` (settings: aliases `replica1`, `replica2`, …, in
`DATABASE_REPLICAS`); without it neither the router nor the middleware is installed. As Saleor does with
`DATABASE_CONNECTION_REPLICA_NAME`, the choice is made per request, by what the request is:

- a GET or HEAD of one of `REPLICA_READ_VIEWS` (the public catalog reads: product and category lists and
  details, a category's products, its price stats, the tree) reads the catalog's tables from a replica;
- everything else uses the primary: writes, any read inside a transaction (a service's own reads, under its
  locks), other apps' tables (users, a customer's own orders, sessions), every other view;
- a client that has just written (any POST/PUT/PATCH/DELETE: the user id, or the IP for anonymous clients)
  reads from the primary for `DATABASE_REPLICA_LAG_SECONDS`, so it sees its own write. The pin lives in the
  shared cache, so it holds on every process.

What other clients may see: catalog data as old as the replicas' replication lag. The service tolerates
`DATABASE_REPLICA_LAG_SECONDS` (5 s by default) of it; a replica further behind should be taken out of
`DATABASE_REPLICA_URLS` (alert on MariaDB's `Seconds_Behind_Master`).
"""

from __future__ import annotations

import random
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import BaseThrottle

# The URL names whose catalog reads tolerate replication lag.
REPLICA_READ_VIEWS = frozenset(
    {
        "product-list",
        "product-detail",
        "category-list",
        "category-detail",
        "category-tree",
        "category-products",
        "category-price-stats",
    }
)
# The apps whose tables those views may read from a replica (users, sessions and orders stay on the primary).
REPLICA_APPS = frozenset({"catalog"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PIN_PREFIX = "db-pin:"

_request: ContextVar[HttpRequest | None] = ContextVar("replica_request", default=None)
_UNDECIDED = object()


def client_key(request: HttpRequest) -> str:
    """Who the client is, for pinning: the signed-in user, else the client IP (as the throttles see it)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"{PIN_PREFIX}user:{user.pk}"
    return f"{PIN_PREFIX}ip:{BaseThrottle().get_ident(request)}"  # type: ignore[arg-type]  # reads META only


def _replica_for(request: HttpRequest) -> str | None:
    if request.method not in ("GET", "HEAD") or not settings.DATABASE_REPLICAS:
        return None
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in REPLICA_READ_VIEWS:
        return None
    if cache.get(client_key(request)):
        return None  # this client wrote a moment ago: it reads its own write from the primary
    return random.choice(settings.DATABASE_REPLICAS)  # noqa: S311 (load spreading, not security)


def replica_for_current_request() -> str | None:
    """The replica alias this request's catalog reads may use now, or None for the primary."""
    request = _request.get()
    if request is None:
        return None
    alias = getattr(request, "_replica_alias", _UNDECIDED)
    if alias is _UNDECIDED:
        # Decided once, at the first catalog read (after DRF has authenticated the client).
        alias = _replica_for(request)
        request._replica_alias = alias  # type: ignore[attr-defined]
    if not isinstance(alias, str) or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None
    return alias


def read_from_a_replica(request: HttpRequest) -> bool:
    """Whether this request's catalog reads went to a replica (so what it answered may lag the primary)."""
    return isinstance(getattr(request, "_replica_alias", None), str)


class ReplicaRouter:
    """DATABASE_ROUTERS entry: see the module's docstring. Writes and migrations are the primary's."""

    def db_for_read(self, model, **hints) -> str | None:
        if model._meta.app_label not in REPLICA_APPS:
            return None
        return replica_for_current_request()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # every alias holds the same data

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool | None:
        # Replicas get their schema by replication.
        return None if db == DEFAULT_DB_ALIAS else False


class ReplicaReadMiddleware:
    """Makes the request known to the router, and pins a client that writes to the primary for a while.

    Cost per request: a context variable set and reset; for a catalog read, one cache GET (the pin) at its
    first catalog query; for a write, one cache SET.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if request.method not in SAFE_METHODS and settings.DATABASE_REPLICAS:
            cache.set(client_key(request), 1, settings.DATABASE_REPLICA_LAG_SECONDS)
        return response
