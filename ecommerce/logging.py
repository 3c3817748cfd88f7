"""JSON log lines with the request's context, and redaction of secrets.

`RequestLogMiddleware` stores the request id (and later the user id) in a context
variable; `RequestContextFilter` copies it onto every record logged while the request
runs, so a worker's log lines can be joined to the request that caused them.
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

from pythonjsonlogger.orjson import OrjsonFormatter as _BaseJsonFormatter

# Record attributes no formatter here writes (the JSON formatter leaves them out, see _RESERVED; the
# text format names none of them): not gathering them saves a stack walk and four look-ups per
# record (the logging module's documented switches, "Optimization" in its HOWTO).
logging._srcfile = None
logging.logThreads = False
logging.logProcesses = False
logging.logMultiprocessing = False
logging.logAsyncioTasks = False  # type: ignore[attr-defined]  # Python 3.12+; not in the stubs yet

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
user_id_var: ContextVar[int | None] = ContextVar("user_id", default=None)

_REDACTED = "[REDACTED]"
# Bearer/JWT tokens, `password=...`/`"password": "..."`-style pairs, and API keys.
_PATTERNS = [
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 " + _REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), _REDACTED),
    (
        re.compile(
            r"""(?ix)
            (["']?(?:password|passwd|secret|token|access|refresh|api[_-]?key|apikey|authorization|client_secret)["']?
            \s*[:=]\s*)
            (["']?)[^"'&,\s}]+(["']?)"""
        ),
        r"\1\2" + _REDACTED + r"\3",
    ),
]


# Each pattern needs one of these (lower-cased) words to match: ASCII text with none of them is
# returned as it is without running the patterns (most log lines, the access log's included).
_TRIGGERS = (
    "bearer",
    "eyj",
    "passw",
    "secret",
    "token",
    "access",
    "refresh",
    "apikey",
    "api_key",
    "api-key",
    "authorization",
)


def redact(text: str) -> str:
    if text.isascii():
        lowered = text.lower()
        if not any(word in lowered for word in _TRIGGERS):
            return text
    # Non-ASCII text always goes through the patterns: case-insensitive matching folds some
    # non-ASCII letters (e.g. the long s) onto ASCII ones, which lower() does not.
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Remove tokens, passwords and API keys from every message before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        if not hasattr(record, "user_id"):
            record.user_id = user_id_var.get()
        return True


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, context (orjson encodes it)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("reserved_attrs", [*_RESERVED, "color_message"])
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        # The filter cleans the message; this also cleans extra fields and rendered tracebacks.
        return redact(super().format(record))

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        log_record["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        log_record["level"] = record.levelname
        log_record["logger"] = record.name
        log_record.setdefault("request_id", getattr(record, "request_id", "-"))
        # A record's `exc_info` is already rendered by the base class as `exc_info`.


_RESERVED = [
    "args",
    "asctime",
    "created",
    "exc_info",
    "exc_text",
    "filename",
    "funcName",
    "levelname",
    "levelno",
    "lineno",
    "module",
    "msecs",
    "msg",
    "name",
    "pathname",
    "process",
    "processName",
    "relativeCreated",
    "stack_info",
    "thread",
    "threadName",
    "taskName",
]


def logging_config(
    *,
    level: str,
    fmt: str,
    file: str = "",
    file_max_bytes: int = 10 * 1024 * 1024,
    file_backups: int = 5,
    loggers: dict[str, dict] | None = None,
) -> dict:
    """The `logging.config.dictConfig` of every process: Django's `LOGGING` and gunicorn's `logconfig_dict`.

    One line per record on stdout (`fmt` "json" or "text"), and in `file` too when given (rotated, JSON),
    each record carrying the request's context and its secrets redacted. `loggers` configures more named
    loggers (gunicorn's own, in its process).
    """
    filters = ["request_context", "redact"]
    handlers: dict[str, dict] = {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": fmt if fmt in ("json", "text") else "json",
            "filters": filters,
        },
    }
    if file:
        handlers["file"] = {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": file,
            "maxBytes": file_max_bytes,
            "backupCount": file_backups,
            "formatter": "json",
            "filters": filters,
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_context": {"()": "ecommerce.logging.RequestContextFilter"},
            "redact": {"()": "ecommerce.logging.RedactingFilter"},
        },
        "formatters": {
            "json": {"()": "ecommerce.logging.JsonFormatter"},
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": {**handlers, "discard": {"class": "logging.NullHandler"}},
        "root": {"handlers": list(handlers), "level": level},
        "loggers": {
            # Django's default logging gives "django" its own handlers: a plain-text console one (in debug), so with
            # the root's every line was printed twice (plain and JSON), and mail_admins (with debug off), which would
            # mail tracebacks to DJANGO_ADMINS, the shop's staff here. Named here, its handlers are replaced: it
            # only propagates to the root's.
            "django": {"handlers": [], "level": level, "propagate": True},
            # The request log line is ours (ecommerce.request); Django's own would duplicate it.
            "django.request": {"level": "ERROR"},
            # runserver's request lines (4xx and 5xx as warnings and errors) repeat ecommerce.request's; Django's
            # defaults make it propagate nowhere, and with no handler Python's last resort printed them plain.
            "django.server": {"handlers": ["discard"], "propagate": False},
            "django.db.backends": {"level": "INFO"},
            **(loggers or {}),
        },
    }
