"""The test run's settings, the one place for them: production's settings (`ecommerce.settings`) read from a
test environment, plus what only tests change.

Selected by pytest's `--ds` (pyproject.toml's addopts). The environment defaults are set before
`ecommerce.settings` reads them, and the real environment wins (e.g. DATABASE_URL=mysql://... for the MariaDB
run); subprocesses the tests start (manage.py, the task worker) inherit them.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_MANIFEST_STATIC", "false")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("LOGIN_THROTTLE_IP", "1000/min")
os.environ.setdefault("LOGIN_THROTTLE_EMAIL", "1000/min")
os.environ.setdefault("REGISTRATION_THROTTLE_IP", "1000/min")
# The test client is 127.0.0.1; tests of the restrictions set their own values.
os.environ.setdefault("METRICS_ALLOWED_IPS", "127.0.0.1/32")

# One read replica, a TEST MIRROR of the primary (settings), so the replica router is tested; routing to it is
# off in every test not marked `replicas` (tests/conftest.py), since other tests do not allow its alias.
os.environ.setdefault(
    "DATABASE_REPLICA_URLS",
    os.environ.get("DATABASE_URL")
    or f"sqlite:///{os.path.join(os.path.dirname(os.path.dirname(__file__)), 'db.sqlite3')}",
)

# WhiteNoise warns when STATIC_ROOT is missing; tests never collect static files, so an empty one will do.
_static_root = os.path.join(tempfile.gettempdir(), "ecommerce-test-static")
os.makedirs(_static_root, exist_ok=True)
os.environ.setdefault("DJANGO_STATIC_ROOT", _static_root)

from ecommerce.settings import *  # noqa: E402, F403

# Factories set a password for every user they make; PBKDF2's deliberate slowness is not what tests test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
