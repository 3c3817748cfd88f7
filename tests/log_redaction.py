"""pytest plugin: no token, password or API key appears in the logs of a test run (SPEC §6).

Loaded for every run (`-p tests.log_redaction` in pyproject's addopts). For the whole session it
attaches to the root logger a handler with the *project's own* formatter and filters (copied
from the configured `stdout` handler), so it captures exactly the text production would write.
Meanwhile it records the secrets the tests use:

- every password that reaches a password hasher (set, checked, or hashed for a missing user);
- credentials sent in request headers (`Authorization`, and any header naming a secret,
  token or key) and in a `secret`/`token`/`api_key` query parameter;
- secret-looking settings, including the values tests put in with `override_settings`.

At the end it looks for each recorded secret (raw and JSON-escaped) in the captured text, and
for anything shaped like a JWT, and fails the run, naming the offending lines with the secret
masked. Values shorter than `MIN_SECRET_LENGTH` are ignored, so short test strings such as
"x" or "abc" cannot match harmless text; so are the string literals of the service's own code (Hypothesis, under
schemathesis, draws inputs from them: a login password "product deleted" is the code's log message, not a leak).
"""

from __future__ import annotations

import ast
import io
import json
import logging
import logging.config
import re
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

MIN_SECRET_LENGTH = 8
JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
# Request headers and query parameters carrying credentials.
SECRET_NAME_RE = re.compile(r"(?i)(secret|token|password|passwd|api_?key|signing_key|credential|authorization)")
# Settings (and keys of dict settings such as SIMPLE_JWT) holding secrets; stricter than the above
# so that e.g. SIMPLE_JWT's TOKEN_TYPE_CLAIM = "token_type" is not taken for a secret.
SECRET_SETTING_RE = re.compile(r"(?i)(secret|password|passwd|api_?key|signing_key|_token$)")
NOT_SECRET_SETTINGS = {"PASSWORD_HASHERS", "AUTH_PASSWORD_VALIDATORS", "PASSWORD_RESET_TIMEOUT"}
ROOT = Path(__file__).resolve().parent.parent
SERVICE_PACKAGES = ("backoffice", "catalog", "customers", "ecommerce", "notifications", "orders")

_buffer = io.StringIO()
_handler: logging.Handler | None = None
_secrets: set[str] = set()
# While a fuzz test runs (marker `fuzz`: schemathesis), the passwords a hasher sees and the credentials in its
# headers are generated strings that hypothesis also reuses for other fields, such as a path's id segment, which
# the access log rightly shows: they are not recorded as secrets. Settings and JWT shapes (the fuzz tests' real
# tokens are JWTs) are still checked during those tests.
_fuzzing = False


def record_secret(value) -> None:
    """Remember a value that must never appear in the logs."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str) and len(value.strip()) >= MIN_SECRET_LENGTH:
        _secrets.add(value.strip())


@cache
def code_literals() -> frozenset[str]:
    """Every string literal in the service's own modules (not the tests'): log messages, field names, texts."""
    literals: set[str] = set()
    for package in SERVICE_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    literals.add(node.value.strip())
    return frozenset(literals)


def find_leaks(text: str, secrets: set[str]) -> list[tuple[str, str]]:
    """(kind, offending line with the secret masked) for every leaked secret or JWT in `text`."""
    leaks = []
    for line in text.splitlines():
        for secret in secrets:
            for form in {secret, json.dumps(secret)[1:-1]}:
                if form in line:
                    leaks.append(("secret", line.replace(form, "*" * 8)))
        for match in JWT_RE.finditer(line):
            leaks.append(("jwt", line.replace(match.group(0), "eyJ***")))
    return leaks


def _project_handler() -> logging.Handler:
    handler = logging.StreamHandler(_buffer)
    configured = next((h for h in logging.getLogger().handlers if h.get_name() == "stdout"), None)
    if configured is not None:
        handler.setFormatter(configured.formatter)
        for log_filter in configured.filters:
            handler.addFilter(log_filter)
    handler.set_name("log-redaction-check")
    return handler


def _attach() -> None:
    root = logging.getLogger()
    if _handler is not None and _handler not in root.handlers:
        root.addHandler(_handler)


def _reattach_after_dict_config() -> None:
    """`django.setup()` run again (e.g. by get_wsgi_application()) re-configures logging, which drops
    every root handler; put ours back at once so that no record of the test escapes the check."""
    original = logging.config.dictConfig
    if getattr(original, "_log_redaction_wrapped", False):
        return

    def dict_config(config):
        original(config)
        _attach()

    dict_config._log_redaction_wrapped = True
    logging.config.dictConfig = dict_config


def _record_request(sender, environ=None, scope=None, **kwargs) -> None:
    if _fuzzing:
        return
    headers = {}
    if environ:
        headers = {key: value for key, value in environ.items() if key.startswith("HTTP_")}
        query = environ.get("QUERY_STRING", "")
    else:
        query = ""
    for name, value in headers.items():
        if SECRET_NAME_RE.search(name) and isinstance(value, str):
            # "Bearer <token>": the credential is what must not leak; the scheme is harmless.
            record_secret(value.split(" ", 1)[-1])
    for name, value in parse_qsl(query, keep_blank_values=True):
        if SECRET_NAME_RE.search(name):
            record_secret(value)


def _record_setting(sender, setting, value, enter, **kwargs) -> None:
    if enter:
        _record_setting_value(setting, value)


def _record_setting_value(name: str, value) -> None:
    if name in NOT_SECRET_SETTINGS:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _record_setting_value(str(key), item)
    elif isinstance(value, str) and SECRET_SETTING_RE.search(name):
        record_secret(value)


def _wrap_hashers() -> None:
    """Record every plaintext password a hasher sees (they are all the passwords tests use)."""
    from django.contrib.auth.hashers import get_hashers

    for hasher in get_hashers():
        cls = type(hasher)
        if getattr(cls, "_log_redaction_wrapped", False):
            continue
        original_encode, original_verify = cls.encode, cls.verify

        def encode(self, password, salt, *args, _original=original_encode, **kwargs):
            if not _fuzzing:
                record_secret(password)
            return _original(self, password, salt, *args, **kwargs)

        def verify(self, password, encoded, _original=original_verify):
            if not _fuzzing:
                record_secret(password)
            return _original(self, password, encoded)

        cls.encode, cls.verify, cls._log_redaction_wrapped = encode, verify, True


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session) -> None:
    global _handler
    try:
        from django.conf import settings
        from django.core.signals import request_started
        from django.test.signals import setting_changed

        settings.LOGGING  # noqa: B018 - Django is configured (pytest-django set it up)
    except Exception:  # no Django in this run: nothing to check
        return
    _handler = _project_handler()
    _attach()
    _reattach_after_dict_config()
    request_started.connect(_record_request, dispatch_uid="log-redaction-request")
    setting_changed.connect(_record_setting, dispatch_uid="log-redaction-setting")
    for name in dir(settings):
        if name.isupper():
            _record_setting_value(name, getattr(settings, name, None))
    _wrap_hashers()


def pytest_runtest_setup(item) -> None:
    global _fuzzing
    # A test that reconfigures logging must not blind the check for the tests after it.
    _attach()
    _fuzzing = item.get_closest_marker("fuzz") is not None


def pytest_runtest_teardown(item) -> None:
    global _fuzzing
    _fuzzing = False


def pytest_sessionfinish(session, exitstatus) -> None:
    if _handler is None:
        return
    _handler.flush()
    logging.getLogger().removeHandler(_handler)
    leaks = find_leaks(_buffer.getvalue(), _secrets - code_literals())
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not leaks:
        if reporter is not None:
            lines = _buffer.getvalue().count("\n")
            reporter.write_line(
                f"log redaction: {lines} log lines checked against {len(_secrets)} secrets used by the tests: clean"
            )
        return
    message = [f"log redaction: {len(leaks)} secret(s) found in the logs of this run:"]
    message += [f"  [{kind}] {line[:300]}" for kind, line in leaks[:20]]
    if reporter is not None:
        reporter.write_line("\n".join(message), red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
