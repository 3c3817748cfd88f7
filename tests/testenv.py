"""Test-run environment defaults, set before Django reads its settings.

The real environment wins (e.g. DATABASE_URL=mysql://... for the MariaDB run).
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

# WhiteNoise warns when STATIC_ROOT is missing; tests never collect static files, so an empty one will do.
_static_root = os.path.join(tempfile.gettempdir(), "ecommerce-test-static")
os.makedirs(_static_root, exist_ok=True)
os.environ.setdefault("DJANGO_STATIC_ROOT", _static_root)
