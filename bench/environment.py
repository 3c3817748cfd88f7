"""The bench's environment: a dedicated MySQL/MariaDB database and production-like settings.

Everything here runs before Django reads its settings, so a wrong `DATABASE_URL` fails with
a sentence saying what to do instead of a traceback.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import environ

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_URL = "mysql://root@127.0.0.1:3306/ecommerce_bench"


class BenchError(SystemExit):
    """An explained refusal: printed without a traceback, exit status 2."""

    def __init__(self, message: str):
        print(f"bench: {message}", file=sys.stderr)
        super().__init__(2)


def database_config(url: str | None, *, allow_any_database: bool) -> dict:
    """Parse and check `DATABASE_URL`: MySQL/MariaDB only, and a database meant for the bench."""
    if not url:
        raise BenchError(
            "DATABASE_URL is not set. The bench measures MySQL/MariaDB as in production and wipes the "
            f"database it is given, so give it a dedicated one, e.g.\n  DATABASE_URL={EXAMPLE_URL} make bench"
        )
    config = environ.Env.db_url_config(url)
    if "mysql" not in config["ENGINE"]:
        raise BenchError(
            f"DATABASE_URL points at {config['ENGINE'].rsplit('.', 1)[-1]}; the bench runs only on MySQL/MariaDB "
            "(SQLite serialises writers and says nothing about production). Use e.g.\n"
            f"  DATABASE_URL={EXAMPLE_URL} make bench"
        )
    if "bench" not in config["NAME"] and not allow_any_database:
        raise BenchError(
            f"the bench empties the shop's tables in database {config['NAME']!r}; it only does that to a database "
            "whose name contains 'bench' (e.g. ecommerce_bench). Pass --allow-any-database to override."
        )
    return config


def ensure_database(config: dict, *, fresh: bool = False) -> None:
    """Create the database if the server has none by that name (utf8mb4, as the service expects);
    with `fresh`, drop it first."""
    import MySQLdb

    try:
        server = MySQLdb.connect(
            host=config.get("HOST") or "127.0.0.1",
            port=int(config.get("PORT") or 3306),
            user=config.get("USER") or "root",
            password=config.get("PASSWORD") or "",
            charset="utf8mb4",
        )
    except MySQLdb.OperationalError as error:
        raise BenchError(
            f"cannot connect to MySQL/MariaDB at {config.get('HOST')}:{config.get('PORT')}: {error.args[-1]}. "
            "Is the server running (mysqladmin -h127.0.0.1 -uroot ping)?"
        ) from None
    with server.cursor() as cursor:
        name = config["NAME"].replace("`", "``")
        if fresh:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    server.close()


def production_environment() -> dict[str, str]:
    """Settings as a production deployment has them, with secrets made up for this run only."""
    return {
        # Production's settings with the bench's URLconf (the project's URLs plus the baseline).
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # TLS ends at the ingress in front of the service; the bench speaks plain HTTP on loopback.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_MANIFEST_STATIC": "false",
        # Orders queue their notifications for the worker, as in production; nothing is sent.
        "TASKS_BACKEND": "database",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "SMS_BACKEND": "console",
    }


def ensure_wrk() -> str:
    """The load generator: Debian's `wrk` package. Installed here when we may, else explained."""
    path = shutil.which("wrk")
    if path:
        return path
    apt = shutil.which("apt-get")
    if apt and os.geteuid() == 0:
        print("bench: wrk is missing; installing Debian's wrk package (apt-get install wrk)")
        result = subprocess.run([apt, "install", "-y", "-qq", "wrk"], check=False)
        if result.returncode != 0:
            subprocess.run([apt, "update", "-qq"], check=False)
            subprocess.run([apt, "install", "-y", "-qq", "wrk"], check=False)
        path = shutil.which("wrk")
        if path:
            return path
    raise BenchError(
        "the load generator wrk is not installed. Install it with `sudo apt-get install wrk` (Debian/Ubuntu), "
        "`brew install wrk` (macOS) or from https://github.com/wg/wrk, then run make bench again. "
        "Use --no-load to seed and time the analytics only."
    )
