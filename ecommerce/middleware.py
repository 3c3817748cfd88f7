"""Request id + JSON access log, the body size limit, and on-demand profiling."""

from __future__ import annotations

import logging
import re
import time
import uuid
from io import BytesIO

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse

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
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
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
            # DRF authenticates inside the view and stores its user on the HttpRequest too.
            user_id = user.pk if user is not None and user.is_authenticated else user_id_var.get()
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


class ProfilingMiddleware:
    """`?profile` on any request by a staff user returns a pyinstrument profile of it.

    Off unless `PROFILING_ENABLED`; the counterpart of Go's /debug/pprof. Staff are
    recognised by session (admin) or by the API's bearer token.
    """

    def __init__(self, get_response):
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
