"""Running a transaction again when the database chose it as the loser of a lock conflict.

MySQL/MariaDB roll a deadlock's victim back whole (and, with innodb_rollback_on_timeout, a lock wait
timeout's), so the only correct retry is of the whole transaction, from outside it. SQLite reports a
busy database the same way.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

# MySQL/MariaDB errors worth running the whole transaction again for.
RETRYABLE_MYSQL_ERRORS = {1213: "deadlock", 1205: "lock_wait_timeout"}


class RetriesExhausted(Exception):
    """Every attempt lost a lock conflict; `reason` names the last one, `attempts` how many were made."""

    def __init__(self, reason: str, attempts: int):
        self.reason = reason
        self.attempts = attempts
        super().__init__(f"gave up after {attempts} attempts: {reason}")


def retry_reason(error: OperationalError, *, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """Why `error` is worth a retry ("deadlock", "lock_wait_timeout", "database_locked"), or None if it is not."""
    vendor = connections[using].vendor
    code = error.args[0] if error.args else None
    if vendor == "mysql" and isinstance(code, int):
        return RETRYABLE_MYSQL_ERRORS.get(code)
    if vendor == "sqlite" and "database is locked" in str(error):
        return "database_locked"
    return None


def run_with_retries[T](
    attempt_once: Callable[[], T],
    *,
    attempts: int,
    backoff_ms: float,
    on_retry: Callable[[str], object] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> T:
    """`attempt_once()`, run again after a deadlock or lock wait timeout, at most `attempts` times in all.

    `attempt_once` must own its transaction (an `atomic()` block). Between attempts it sleeps a random
    time up to `backoff_ms` x 2^(attempt - 1) (jitter: the losers do not collide again in step) and calls
    `on_retry(reason)`. Inside a caller's transaction nothing can be retried (the database rolled all of it
    back), so there is one attempt. Raises RetriesExhausted (from the last OperationalError) when every
    attempt lost; any other error as it is.
    """
    attempts = 1 if connections[using].in_atomic_block else max(1, attempts)
    for attempt in range(1, attempts + 1):
        try:
            return attempt_once()
        except OperationalError as error:
            reason = retry_reason(error, using=using)
            if reason is None:
                raise
            if attempt == attempts:
                raise RetriesExhausted(reason, attempts) from error
            if on_retry is not None:
                on_retry(reason)
            time.sleep(random.uniform(0, backoff_ms / 1000 * 2 ** (attempt - 1)))  # noqa: S311 (jitter, not security)
    raise AssertionError("unreachable")  # pragma: no cover
