"""The catalog's anonymous answers, kept whole in the shared cache (SPEC §5 throughput and freshness).

`CatalogResponseCacheMiddleware` sits in the HTTP stack right inside `HttpCachingMiddleware` (settings'
MIDDLEWARE). For an anonymous `GET` of one of the public catalog reads (`CACHED_VIEWS`: the product list
under any query string, a product, the category list, a category, the tree, a category's products, its
price stats) it looks the answer up in the shared cache (`CACHE_URL`: Redis in production) and, when it is
there and current, answers with it without running the rest of the stack (sessions, CSRF, authentication,
the URL resolver's view, DRF, the database). Otherwise the request runs as ever and a `200 application/json`
answer is kept for the next one.

What is never served from here or kept: anything asked with credentials or cookies (`Authorization`, any
`Cookie`: a signed-in user, staff seeing inactive products, a customer), an `Accept` other than JSON's
(`*/*`, `application/json` or none: the browsable API's HTML is rendered every time), `HEAD` and every
other method, errors, answers setting a cookie. One customer's data never reaches another: nothing
with credentials gets in.

Freshness: each answer is kept with the catalog generations it was computed under (catalog.cache) and is
current only while they are unchanged: the catalog generation (every write through catalog.services:
products, categories, imports, repairs), and for the answers that show stock the stock generation (the
lists: any product's stock) or the product's own stock version (a product); orders taking stock,
cancellations giving it back (catalog/stock.py) and staff setting it (catalog.services) change those. One
cache round trip fetches the answer and its generations together. So a write through the services is seen
by the next read in every process that shares the cache; `API_RESPONSE_CACHE_SECONDS` (300 by default, 0
turns the cache off) bounds what writes that bypass the services (raw SQL, the bench's bulk seed) or an
unshared cache (local memory, per process) may leave stale. A list whose count came from the count cache
(`API_COUNT_CACHE_SECONDS`, ecommerce.api.cached_count) is kept no longer than that count, so the count
lags no more than it would without this cache; an answer read from a replica is kept no longer than
`DATABASE_REPLICA_LAG_SECONDS` (it may be that old: the generation it is kept under may be newer than what
the replica had).

What still runs per request on a hit: everything outside this layer, i.e. the request id and the JSON
access log line, Prometheus' request metrics (`ecommerce_api_response_cache_total` counts hits and misses
per view), the security headers, `HttpCachingMiddleware`'s Vary, Cache-Control, ETag and 304, and the
view's throttles (its `throttle_classes`, the API's `DEFAULT_THROTTLE_CLASSES`, checked here as the view
would check them; a request they refuse goes on to the view, which answers 429).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import quote_etag
from prometheus_client import Counter

from catalog.api.views import CategoryViewSet, ProductViewSet
from catalog.cache import GENERATION_KEY, STOCK_GENERATION_KEY, catalog_generation_known, product_stock_key
from ecommerce import metrics
from ecommerce.api import counts_fresh_until, counts_track, counts_untrack
from ecommerce.middleware import is_anonymous
from ecommerce.replicas import read_from_a_replica

LOOKUPS = Counter(
    "ecommerce_api_response_cache",
    "Anonymous catalog reads looked up in the response cache, by view and result (hit: answered from it).",
    ["view", "result"],
)

_PREFIXES = ("/api/v1/products", "/api/v1/categories")
_JSON_ACCEPTS = frozenset({"*/*", "application/json"})
# Headers of the view's answer that are kept with it; those added outside this layer (request id, security
# headers, Vary, Cache-Control) are added again to every answer, a hit or not.
_UNKEPT_HEADERS = frozenset({"x-request-id", "set-cookie", "date"})


def _catalog(pk: str | None) -> tuple[str, ...]:
    return (GENERATION_KEY,)


def _lists(pk: str | None) -> tuple[str, ...]:
    return (GENERATION_KEY, STOCK_GENERATION_KEY)


def _product(pk: str | None) -> tuple[str, ...]:
    return (GENERATION_KEY, product_stock_key(int(pk or 0)))


# The cached reads: URL name -> the view's class (its throttles), and the cache keys of the generations
# its answer depends on. Their paths are matched here, before the URL resolver (which a hit skips):
# _PATHS must name what catalog/api/urls.py routes there (tests/catalog/test_response_cache.py checks).
CACHED_VIEWS: dict[str, tuple[type, Callable[[str | None], tuple[str, ...]]]] = {
    "product-list": (ProductViewSet, _lists),
    "product-detail": (ProductViewSet, _product),
    "category-list": (CategoryViewSet, _catalog),
    "category-detail": (CategoryViewSet, _catalog),
    "category-tree": (CategoryViewSet, _catalog),
    "category-products": (CategoryViewSet, _lists),
    "category-price-stats": (CategoryViewSet, _catalog),
}
_PATHS = re.compile(
    r"^/api/v1/(?:"
    r"(?P<product_list>products)"
    r"|products/(?P<product_detail>[0-9]+)"
    r"|(?P<category_list>categories)"
    r"|categories/(?P<category_tree>tree)"
    r"|categories/(?P<category_detail>[0-9]+)"
    r"|categories/(?P<category_products>[0-9]+)/products"
    r"|categories/(?P<category_price_stats>[0-9]+)/price-stats"
    r")/?$"
)


def cached_view(path: str) -> tuple[str, str | None] | None:
    """The URL name of a cached read at `path` and its id (None for the lists and the tree), or None."""
    match = _PATHS.match(path)
    if match is None:
        return None
    group = match.lastgroup or ""
    value = match.group(group)
    return group.replace("_", "-"), value if value.isdigit() else None


class _ThrottleRequest:
    """What DRF's throttles read of a request (the client's address and headers; the user, anonymous here)."""

    __slots__ = ("META", "headers", "user")

    def __init__(self, request: HttpRequest):
        self.META, self.headers, self.user = request.META, request.headers, AnonymousUser()


def _cacheable(request: HttpRequest) -> bool:
    meta = request.META
    return (
        request.method == "GET"
        and "HTTP_AUTHORIZATION" not in meta
        and not meta.get("HTTP_COOKIE")
        and meta.get("HTTP_ACCEPT", "*/*") in _JSON_ACCEPTS
        and request.path_info.startswith(_PREFIXES)
        and settings.API_RESPONSE_CACHE_SECONDS > 0
        # DRF's test client authenticates without credentials (APIClient.force_authenticate).
        and getattr(request, "_force_auth_user", None) is None
    )


def _throttled(request: HttpRequest, view_class) -> bool:
    """Whether the view's throttles refuse this request now (counting it, as the view would, when they let it
    through)."""
    throttles = getattr(view_class, "throttle_classes", ())
    if not throttles:
        return False
    shim = _ThrottleRequest(request)
    return not all(throttle().allow_request(shim, view_class) for throttle in throttles)


def response_cache_key(request: HttpRequest, view: str) -> str:
    """One key per view and absolute URL (scheme, host, path and the whole query string: the answer's
    `next`/`previous` links are built from them)."""
    url = request.build_absolute_uri()
    return f"catalog:response:{view}:{hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()}"


class CatalogResponseCacheMiddleware:
    """See the module's docstring."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not _cacheable(request):
            return self.get_response(request)
        found_view = cached_view(request.path_info)
        if found_view is None:
            return self.get_response(request)
        view, pk = found_view
        view_class, generations = CACHED_VIEWS[view]

        key = response_cache_key(request, view)
        version_keys = generations(pk)
        found = cache.get_many([key, *version_keys])
        versions = tuple(found.get(version_key) for version_key in version_keys)
        entry = found.get(key)
        if entry is not None and entry[0] == versions and not _throttled(request, view_class):
            metrics.child(LOOKUPS, view, "hit").inc()
            _, content, headers = entry
            response = HttpResponse(content)
            for name, value in headers:
                response.headers[name] = value
            return response

        metrics.child(LOOKUPS, view, "miss").inc()
        counting = counts_track()
        try:
            # The catalog generation was just read with the answer's key: the view's cached reads use it.
            with catalog_generation_known(found.get(GENERATION_KEY)):
                response = self.get_response(request)
            fresh_until = counts_fresh_until()
        finally:
            counts_untrack(counting)
        timeout = settings.API_RESPONSE_CACHE_SECONDS
        if fresh_until is not None:
            # A cached count is in the answer: kept no longer than that count (ecommerce.api.cached_count).
            timeout = min(timeout, int(fresh_until - time.time()))
        if read_from_a_replica(request):
            # Read from a replica: as old as its lag, which a write's new generation would otherwise hide.
            timeout = min(timeout, settings.DATABASE_REPLICA_LAG_SECONDS)
        if timeout > 0 and _storable(request, response):
            content = response.content
            # HttpCachingMiddleware's ETag (Django's: the body's MD5), computed once here and kept.
            response.headers["ETag"] = quote_etag(hashlib.md5(content, usedforsecurity=False).hexdigest())
            headers = tuple((name, value) for name, value in response.items() if name.lower() not in _UNKEPT_HEADERS)
            cache.set(key, (versions, content, headers), timeout)
        return response


def _storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and response.get("Content-Type", "").startswith("application/json")
        and not response.has_header("Cache-Control")
        and is_anonymous(request)
    )
