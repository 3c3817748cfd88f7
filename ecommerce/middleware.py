"""Request id + JSON access log, the body size limit, lazy sessions and messages, on-demand profiling."""

from __future__ import annotations

import logging
import re
import time
import uuid
from io import BytesIO

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware as _MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware as _SessionMiddleware
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.http import ConditionalGetMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty

from ecommerce.api import problem_json_response
from ecommerce.logging import request_id_var, user_id_var

logger = logging.getLogger("ecommerce.request")

REQUEST_ID_HEADER = "X-Request-ID"
# Honour a caller's id only when it is a sane token, so logs cannot be forged or flooded.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
_QUIET_PATHS = ("/health", "/ready", "/metrics")


class RequestLogMiddleware:
    """Honour or generate `X-Request-ID`, return it, and log one line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # META, not request.headers: the latter copies every header into a new mapping first.
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # read by views and the log
        id_token = request_id_var.set(request_id)
        user_token = user_id_var.set(None)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            user = getattr(request, "user", None)
            # DRF authenticates inside the view and stores its user on the HttpRequest too. A session
            # user nobody asked for, on a request without a session cookie, is anonymous: not made here.
            if user is None or (_untouched(user) and settings.SESSION_COOKIE_NAME not in request.COOKIES):
                user_id = user_id_var.get()
            else:
                user_id = user.pk if user.is_authenticated else user_id_var.get()
            level = logging.ERROR if response.status_code >= 500 else logging.INFO
            if request.path.rstrip("/") not in _QUIET_PATHS or response.status_code >= 400:
                logger.log(
                    level,
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": duration_ms,
                        "user_id": user_id,
                    },
                )
            return response
        finally:
            request_id_var.reset(id_token)
            user_id_var.reset(user_token)


class BodySizeLimitMiddleware:
    """413 for bodies over `API_MAX_BODY_BYTES`, before anything reads them.

    Django's own limit answers 400 and DRF's parsers read the stream without it, so the
    limit is enforced here on `Content-Length`, and by reading at most limit+1 bytes of a
    chunked body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.API_MAX_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return problem_json_response(400, "The Content-Length header is not a number.", code="bad_request")
        if length > limit:
            return _too_large(limit)
        if not length and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            # WSGI gives a chunked body no Content-Length, so Django would see it as empty:
            # read it here (bounded) and hand it on with its real length.
            body = request.META["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                return _too_large(limit)
            request.META["CONTENT_LENGTH"] = str(len(body))
            request._stream = LimitedStream(BytesIO(body), len(body))  # type: ignore[assignment]
        return self.get_response(request)


def _too_large(limit: int) -> HttpResponse:
    return problem_json_response(
        413, f"The request body is larger than {limit} bytes.", code="payload_too_large", title="Content Too Large"
    )


# The catalog's reads: the same answer for every anonymous client (staff may see more, with credentials).
_PUBLIC_PREFIXES = ("/api/v1/products", "/api/v1/categories")
# Every API answer may differ by these request headers; a shared cache must key on them.
_API_VARY = ("Accept", "Authorization", "Cookie")
_API_VARY_HEADER = ", ".join(_API_VARY)


class HttpCachingMiddleware(ConditionalGetMiddleware):
    """HTTP caching of the API's answers: what a cache may keep, and 304 for what the client has.

    - `Vary: Accept, Authorization, Cookie` on every API GET answer.
    - An anonymous GET of the catalog (`/products...`, `/categories...`; no `Authorization`, no
      session cookie) that answers 200 is `Cache-Control: public` with `max-age=API_CACHE_MAX_AGE`
      (0 by default: `no-cache`, every use revalidated), and gets an `ETag` (Django's: a hash of
      the body); a request whose `If-None-Match` names it gets `304 Not Modified` (Django's
      ConditionalGetMiddleware).
    - Any other API GET answer (a customer's orders or profile, anything asked with credentials, staff
      views that include inactive products) is `Cache-Control: private, no-store`: no cache keeps it,
      and it gets no validator.
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if request.method != "GET" or not request.path.startswith("/api/"):
            return response
        vary = response.get("Vary")
        if vary is None or vary == "Accept":  # nothing or DRF's usual: no need to parse it
            response["Vary"] = _API_VARY_HEADER
        else:
            patch_vary_headers(response, _API_VARY)
        if response.status_code != 200 or response.has_header("Cache-Control"):
            return response
        if is_anonymous(request) and request.path.startswith(_PUBLIC_PREFIXES):
            max_age = settings.API_CACHE_MAX_AGE
            response["Cache-Control"] = f"public, max-age={max_age}" if max_age > 0 else "public, no-cache"
            return super().process_response(request, response)
        response["Cache-Control"] = "private, no-store"
        return response


def _untouched(value) -> bool:
    return isinstance(value, SimpleLazyObject) and value._wrapped is empty


def is_anonymous(request: HttpRequest) -> bool:
    """No credentials sent and nobody signed in (DRF puts the user it authenticated on the request)."""
    if "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return user is None or _untouched(user) or not user.is_authenticated


class SessionMiddleware(_SessionMiddleware):
    """Django's session middleware, making the session object only when something uses it.

    An API request without a session cookie never reads or writes the session: it gets no session
    object and its response is left as Django's would leave it (no cookie, no `Vary: Cookie`, which
    Django adds only when the session was read). Any use of `request.session` makes the real
    session at that moment, and the response is then processed by Django's code unchanged.
    """

    def process_request(self, request: HttpRequest) -> None:
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        request.session = SimpleLazyObject(lambda: self.SessionStore(session_key))  # type: ignore[assignment]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        # Without a cookie, an unused session is new and empty: Django's code would do nothing.
        if _untouched(request.__dict__.get("session")) and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return response
        return super().process_response(request, response)


class MessageMiddleware(_MessageMiddleware):
    """Django's messages middleware, making the message storage only when something uses it.

    The storage (a cookie and a session store, with a signer) costs more to make than most API
    requests cost to answer, and only the admin uses it. Unused, Django's `update()` stores nothing.
    """

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if _untouched(request.__dict__.get("_messages")):
            return response
        return super().process_response(request, response)


class ProfilingMiddleware:
    """`?profile` on any request by a staff user returns a pyinstrument profile of it.

    Off unless `PROFILING_ENABLED`; the counterpart of Go's /debug/pprof. Staff are
    recognised by session (admin) or by the API's bearer token. Off at start, it is left out of the
    chain (nothing per request); the setting is also asked per request, so it can be turned off live.
    """

    def __init__(self, get_response):
        if not settings.PROFILING_ENABLED:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not (settings.PROFILING_ENABLED and "profile" in request.GET and _is_staff(request)):
            return self.get_response(request)
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="disabled")
        profiler.start()
        self.get_response(request)
        profiler.stop()
        return HttpResponse(profiler.output_html(), content_type="text/html; charset=utf-8")


def _is_staff(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.is_staff
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    drf_request = Request(request)
    for authenticator_class in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        try:
            result = authenticator_class().authenticate(drf_request)  # type: ignore[operator]  # classes by now
        except Exception:  # a bad token is simply not staff here; the view will answer 401
            return False
        if result is not None:
            return bool(result[0].is_staff)
    return False
