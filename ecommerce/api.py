"""The API's shared conventions: RFC 9457 problem details, pagination, strict id and integer fields.

Every error the API answers goes through `problem_exception_handler` or `problem_json_response`, so its
shape is the same whether it came from DRF, from Django's handlers or from a service's domain error
(`ecommerce.exceptions.DomainError`, re-exported here for the callers that import it from the API).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar, Token
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, PermissionDenied, RequestDataTooBig
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet
from django.http import Http404, JsonResponse
from django.utils.functional import cached_property
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import set_rollback

from ecommerce.exceptions import DomainError
from ecommerce.ids import is_json_integer, parse_id
from ecommerce.renderers import JSONRenderer

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:ecommerce:problem:"


def problem_body(
    status_code: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    phrase = HTTPStatus(status_code).phrase
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + (code or phrase.lower().replace(" ", "_")).replace("_", "-"),
        "title": title or phrase,
        "status": status_code,
        "detail": str(detail),
    }
    if errors is not None:
        body["errors"] = errors
    return body


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into `{"items.0.quantity": ["..."]}`."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            if detail:
                flat[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "non_field_errors"] = [str(detail)]
    return flat


def _force_json(context: dict[str, Any]) -> None:
    """Problems are JSON even when the browsable API was negotiated."""
    request = context.get("request")
    if request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = "application/json"


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every handled error becomes a problem response.

    A service's DomainError becomes a problem with the error's own status, code, title, detail and
    `errors`. A service owns its transaction, so what it refused is already rolled back; `set_rollback()`
    also rolls back a request-wide one (ATOMIC_REQUESTS).
    """
    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        body = problem_body(exc.status_code, exc.detail, code=exc.code, title=exc.title, errors=exc.errors)
        set_rollback()
        _force_json(context)
        return Response(body, status=exc.status_code, content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None

    auth_header, wait = getattr(exc, "auth_header", None), getattr(exc, "wait", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    if wait:
        headers["Retry-After"] = str(int(wait))
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        exc.status_code = status.HTTP_401_UNAUTHORIZED
        headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')

    if isinstance(exc, exceptions.ValidationError):
        body = problem_body(
            exc.status_code,
            "The request body or parameters are invalid.",
            code="validation_error",
            title="Invalid input",
            errors=flatten_errors(exc.detail),
        )
    else:
        detail: Any = exc.detail
        if isinstance(detail, dict):
            # simplejwt puts {"detail", "code", "messages"} here; keep the readable part.
            detail = detail.get("detail", HTTPStatus(exc.status_code).phrase)
        elif isinstance(detail, list):
            detail = " ".join(str(item) for item in detail)
        code = getattr(detail, "code", None) or exc.default_code
        body = problem_body(exc.status_code, str(detail), code=str(code))
    set_rollback()
    _force_json(context)
    return Response(body, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than this service accepts."
    default_code = "payload_too_large"


def problem_json_response(status_code: int, detail: str, **kwargs: Any) -> JsonResponse:
    """A problem response outside DRF (Django's handlers, middleware)."""
    response = JsonResponse(problem_body(status_code, detail, **kwargs), status=status_code)
    response["Content-Type"] = PROBLEM_CONTENT_TYPE
    return response


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """DRF's, refusing anything but an id (`ecommerce.ids.parse_id`).

    DRF hands the value to the ORM as is, and Django's integer lookup runs `int()` on it, so
    `1.5`, `true`, `1e2` or `"٣"` would silently find object 1, 1, 100 or 3, and an id beyond the
    column's range could overflow. Integers and strings of ASCII digits within the range are accepted.
    """

    def to_internal_value(self, data):
        pk = parse_id(data)
        if pk is None:
            if is_json_integer(data):
                self.fail("does_not_exist", pk_value=data)
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(pk)


class StrictIntegerField(serializers.IntegerField):
    """DRF's IntegerField, taking a JSON integer only (`ecommerce.ids.is_json_integer`).

    DRF's own takes `true`, `2.0` and `"2"` as 1, 2 and 2; a client that sends them has a bug to hear about.
    """

    def to_internal_value(self, data):
        if not is_json_integer(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class CountCachingPaginator(DjangoPaginator):
    """Django's paginator, with large counts cached for a few seconds (`cached_count`)."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return cached_count(self.object_list)
        return super().count


# The earliest moment a count this request answered with is due for a recount (None: every count was exact).
# A cache of whole answers (catalog.api.response_cache) keeps one no longer than that.
_counts_fresh_until: ContextVar[float | None] = ContextVar("counts_fresh_until", default=None)


def counts_fresh_until() -> float | None:
    """When the oldest cached count used since `counts_track()` is recounted (a `time.time()`), or None."""
    return _counts_fresh_until.get()


def counts_track() -> Token:
    """Start noting the cached counts used (until `counts_untrack(token)`)."""
    return _counts_fresh_until.set(None)


def counts_untrack(token: Token) -> None:
    _counts_fresh_until.reset(token)


def _note_count(fresh_until: float) -> None:
    current = _counts_fresh_until.get()
    if current is None or fresh_until < current:
        _counts_fresh_until.set(fresh_until)


def cached_count(queryset: QuerySet) -> int:
    """`queryset.count()`, with large counts cached for a few seconds.

    A page of 20 rows costs an index range read; its `count` is a scan of every matching row
    (a million products: 0.1-2 s on MariaDB, whatever the page). Counts of at least
    `API_COUNT_CACHE_MIN_ROWS` rows are cached per filter (the SQL without its ORDER BY, and its
    parameters: every ordering of one filter shares one count) and recounted every
    `API_COUNT_CACHE_SECONDS` by one request only: the others keep answering with the previous count
    meanwhile, so concurrent requests never all recount at once. Such a count may lag by about that
    many seconds; smaller counts, such as a customer's orders, are exact every time.
    `API_COUNT_CACHE_SECONDS=0` turns it off. The cache is Django's default one (`CACHE_URL`), so
    every process sharing it shares the counts.
    """
    key = count_cache_key(queryset) if settings.API_COUNT_CACHE_SECONDS else None
    return count_cached(key, queryset.count)


def count_cached(key: str | None, count: Callable[[], int]) -> int:
    """`count()`, cached under `key` as `cached_count` says (`key` None: counted every time)."""
    seconds = settings.API_COUNT_CACHE_SECONDS
    if key is None or not seconds:
        return count()
    cached = cache.get(key)
    if cached is not None:
        number, fresh_until = cached
        if time.time() < fresh_until or not cache.add(f"{key}:recount", 1, seconds):
            _note_count(fresh_until)
            return number
    number = count()
    if number >= settings.API_COUNT_CACHE_MIN_ROWS:
        # Kept well past its freshness, so a stale count can be served while one request recounts.
        fresh_until = time.time() + seconds
        cache.set(key, (number, fresh_until), seconds * 10)
        _note_count(fresh_until)
    return number


def statement_count_key(using: str, sql: str, params: Sequence[Any]) -> str:
    """The cache key of the count a statement (`SELECT COUNT(*) ...`) makes on database `using`."""
    return "api-count:" + hashlib.sha256(repr((using, sql, list(params))).encode()).hexdigest()


def count_cache_key(object_list) -> str | None:
    """The cache key of a queryset's count (None for what is not a queryset or matches nothing).

    The ordering is left out: it does not change the count.
    """
    if not isinstance(object_list, QuerySet):
        return None
    try:
        sql, params = object_list.order_by().query.sql_with_params()
    except EmptyResultSet:
        return None
    return "api-count:" + hashlib.sha256(repr((object_list.db, sql, params)).encode()).hexdigest()


class Pagination(PageNumberPagination):
    """`?page=` and `?page_size=` (default 20, at most 100), as SPEC §3 says; `next` and `previous` carry the
    page size applied."""

    django_paginator_class = CountCachingPaginator
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_next_link(self) -> str | None:
        return self._with_effective_page_size(super().get_next_link())

    def get_previous_link(self) -> str | None:
        return self._with_effective_page_size(super().get_previous_link())

    def _with_effective_page_size(self, url: str | None) -> str | None:
        """A `page_size` the request gave is replaced by the one applied (`?page_size=500` pages by 100): the
        link then names the pages it leads to, not a size the server did not use."""
        if url is None or self.request is None or self.page is None:
            return url
        if self.page_size_query_param not in self.request.query_params:
            return url
        return replace_query_param(url, self.page_size_query_param, self.page.paginator.per_page)
