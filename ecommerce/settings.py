"""Settings for ecommerce-service, read from the environment only (12-factor).

Every variable read here is listed with its default and meaning in `.env.example`.
Code elsewhere reads `django.conf.settings`, never `os.environ`. Grouped by concern, in the order of
Django's own settings reference (core, then the contrib apps), then the libraries', then the shop's;
each setting is assigned once.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from ecommerce.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer's `.env` beside manage.py is read if present; real environment wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

INSECURE_DEFAULT_SECRET_KEY = "django-insecure-development-only-change-me"

# --- Core: debug, secret key, hosts ------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])


def _is_strong_secret(key: str) -> bool:
    """What `check --deploy` (security.W009) accepts: 50+ characters, 5+ distinct, not Django's insecure prefix."""
    return (
        key != INSECURE_DEFAULT_SECRET_KEY
        and len(key) >= SECRET_KEY_MIN_LENGTH
        and len(set(key)) >= SECRET_KEY_MIN_UNIQUE_CHARACTERS
        and not key.startswith(SECRET_KEY_INSECURE_PREFIX)
    )


if not DEBUG:
    if not _is_strong_secret(SECRET_KEY):
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY must be a random value of at least {SECRET_KEY_MIN_LENGTH} characters (at least "
            f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones, not starting with '{SECRET_KEY_INSECURE_PREFIX}') "
            'when DJANGO_DEBUG is off. Generate one: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the service's host names when DJANGO_DEBUG is off.")

# --- Applications ---------------------------------------------------------------------
INSTALLED_APPS = [
    # The back office (admin site, cross-app admin pages) first, so that its templates override the
    # admin's own (admin/index.html, admin/login.html).
    "backoffice",
    # Django's admin app with the shop's AdminSite as its default site (price analytics page, the
    # OpenID Connect login link when OIDC_RP_CLIENT_ID is set).
    "backoffice.apps.ShopAdminConfig",
    # Before drf_spectacular, so its templates/drf_spectacular/ (the docs pages under the CSP) override the library's.
    "ecommerce",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_prometheus",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mptt",
    "phonenumber_field",
    "mozilla_django_oidc",
    "django_tasks_db",
    "customers",
    "catalog",
    "orders",
    "notifications",
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- HTTP: middleware, URLs, request bodies ---------------------------------------------
MIDDLEWARE = [
    # django-prometheus' middleware, its labelled metrics looked up once (ecommerce/metrics.py).
    "ecommerce.metrics.PrometheusBeforeMiddleware",
    "ecommerce.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Django 6's Content-Security-Policy header (SECURE_CSP below), on every HTML response.
    "ecommerce.csp.HtmlContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ecommerce.middleware.BodySizeLimitMiddleware",
    # Cache-Control, Vary, ETag and 304s of the API's GETs (public for anonymous catalog reads only).
    "ecommerce.middleware.HttpCachingMiddleware",
    # Anonymous catalog reads answered from the shared cache, skipping everything below (catalog/api/response_cache.py).
    "catalog.api.response_cache.CatalogResponseCacheMiddleware",
    # Django's sessions and messages, made only when used (ecommerce/middleware.py): API requests do not.
    "ecommerce.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ecommerce.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ecommerce.middleware.ProfilingMiddleware",
    "ecommerce.metrics.PrometheusAfterMiddleware",
]
ROOT_URLCONF = "ecommerce.urls"
WSGI_APPLICATION = "ecommerce.wsgi.application"
ASGI_APPLICATION = "ecommerce.asgi.application"
# Resource paths have no trailing slash and the routers accept an optional one, so no redirects.
APPEND_SLASH = False
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Request bodies larger than this get 413 (the delivery-report form posts included).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES

# --- Templates ------------------------------------------------------------------------
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # {{ csp_nonce }} for the few inline <script>/<style> of our templates (the docs pages).
                "django.template.context_processors.csp",
            ],
        },
    },
]


# --- Database -------------------------------------------------------------------------
def _database(url: str) -> dict:
    """One `DATABASES` entry from a URL, with the options each engine needs here."""
    db = env.db_url_config(url)
    if db["ENGINE"] == "django.db.backends.mysql":
        # django-prometheus' wrapper counts queries and errors per database for /metrics (ours: the same
        # metrics without a new cursor class per query, ecommerce/db/backends/).
        db["ENGINE"] = "ecommerce.db.backends.mysql"
        db.setdefault("OPTIONS", {}).update(
            {
                "charset": "utf8mb4",
                # Strict mode: out-of-range or truncated values are errors, never silent changes.
                "init_command": (
                    "SET sql_mode='STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO'"
                ),
                # READ COMMITTED: no gap locks, so stock locks taken with SELECT ... FOR UPDATE stay narrow.
                "isolation_level": "read committed",
            }
        )
        db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    elif db["ENGINE"] == "django.db.backends.sqlite3":
        db["ENGINE"] = "ecommerce.db.backends.sqlite3"
        db.setdefault("OPTIONS", {}).update(
            {
                # Wait for the write lock instead of failing at once; IMMEDIATE takes it at BEGIN.
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    db["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    db["CONN_HEALTH_CHECKS"] = True
    return db


DATABASES = {"default": _database(env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
# Read replicas (optional), comma-separated URLs: lag-tolerant catalog reads go to them (ecommerce/replicas.py).
# In tests each one is a TEST MIRROR of the primary.
DATABASE_REPLICAS = []
for _n, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    DATABASES[f"replica{_n}"] = {**_database(_url), "TEST": {"MIRROR": "default"}}
    DATABASE_REPLICAS.append(f"replica{_n}")
# How stale a replica's catalog may be for other clients, and how long a client that wrote reads the primary.
DATABASE_REPLICA_LAG_SECONDS = env.int("DATABASE_REPLICA_LAG_SECONDS", default=5)
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["ecommerce.replicas.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "ecommerce.replicas.ReplicaReadMiddleware",
    )

# --- Cache ----------------------------------------------------------------------------
# What protects the service or has a staleness bound lives here: the login, admin-login and registration
# throttles, the list-count cache, the OIDC token cache, the replica pins. Every process must share it
# (README "What is shared"): `redis://host:6379/0` (Django's own RedisCache, the `redis` package, keeping one
# redis-py client per connection pool: ecommerce/cache.py). Local memory is the zero-setup default for one
# process only.
_cache = env.cache_url("CACHE_URL", default="locmemcache://")
if _cache["BACKEND"].endswith("RedisCache"):
    _cache["BACKEND"] = "ecommerce.cache.RedisCache"
_cache["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default=_cache.get("KEY_PREFIX", ""))
CACHES = {"default": _cache}

# --- Globalization --------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logging --------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env.str("LOG_FORMAT", default="json")  # json | text
LOG_FILE = env.str("LOG_FILE", default="")
LOG_FILE_MAX_BYTES = env.int("LOG_FILE_MAX_BYTES", default=10 * 1024 * 1024)
LOG_FILE_BACKUPS = env.int("LOG_FILE_BACKUPS", default=5)

LOGGING = logging_config(
    level=LOG_LEVEL, fmt=LOG_FORMAT, file=LOG_FILE, file_max_bytes=LOG_FILE_MAX_BYTES, file_backups=LOG_FILE_BACKUPS
)

# --- Email (Django 6.1's MAILERS; the EMAIL_* variables configure the default mailer) ---
# In debug (`make run`) emails are printed on the console unless EMAIL_BACKEND says otherwise.
_email_backend = env.str(
    "EMAIL_BACKEND", default=f"django.core.mail.backends.{'console' if DEBUG else 'smtp'}.EmailBackend"
)
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": {
            "host": env.str("EMAIL_HOST", default="localhost"),
            "port": env.int("EMAIL_PORT", default=25),
            "username": env.str("EMAIL_HOST_USER", default=""),
            "password": env.str("EMAIL_HOST_PASSWORD", default=""),
            "use_tls": env.bool("EMAIL_USE_TLS", default=False),
            "use_ssl": env.bool("EMAIL_USE_SSL", default=False),
            "timeout": env.int("EMAIL_TIMEOUT", default=10),
        }
        if _email_backend.endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="shop@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# "Name <email>" pairs, comma-separated: "Ops <ops@example.com>,dev@example.com".
ADMINS = [a.strip() for a in env.list("DJANGO_ADMINS", default=[])]

# --- Security (the `check --deploy` set; probes are never redirected) -------------------
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/?$", r"^ready/?$", r"^metrics/?$"]
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)

# Content-Security-Policy on every page (admin, API docs, the browsable API): everything from this origin only;
# inline script or style only with the per-request nonce. The OpenID provider may receive form posts (logout).
_oidc_origins = sorted(
    {
        "{0.scheme}://{0.netloc}".format(urlsplit(url))
        for url in (
            env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default=""),
            env.str("OIDC_OP_LOGOUT_ENDPOINT", default=""),
        )
        if url
    }
)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "worker-src": [CSP.SELF, "blob:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF, *_oidc_origins],
}

# --- Auth (django.contrib.auth; OpenID Connect below) ------------------------------------
AUTH_USER_MODEL = "customers.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # Inert (authenticates nobody) unless the OIDC_* settings below name a provider.
    "customers.oidc.CustomerOIDCBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/admin/login/"
# Where the browser lands after an OIDC login (a `?next=` on /oidc/authenticate/ wins) or a failed one.
LOGIN_REDIRECT_URL = env.str("OIDC_LOGIN_REDIRECT_URL", default="/api/v1/")
LOGIN_REDIRECT_URL_FAILURE = env.str("OIDC_LOGIN_REDIRECT_URL_FAILURE", default="/admin/login/")

# --- Static files (django.contrib.staticfiles, served by WhiteNoise) ----------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("DJANGO_MANIFEST_STATIC", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Background tasks (django.tasks) ------------------------------------------------------
# "immediate" runs a task in-process after commit; "database" queues it for `manage.py db_worker`.
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate")
if TASKS_BACKEND not in ("immediate", "database"):
    raise ImproperlyConfigured("TASKS_BACKEND must be 'immediate' or 'database'.")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if TASKS_BACKEND == "database"
        else "django.tasks.backends.immediate.ImmediateBackend",
    }
}

# --- Django REST framework -------------------------------------------------------------------
# Off unless set (e.g. "100/min"); login throttles are on by default. A throttle class whose rate is
# off is not listed at all (it would be made and asked on every request only to say yes).
_API_THROTTLE_ANON = env.str("API_THROTTLE_ANON", default="") or None
_API_THROTTLE_USER = env.str("API_THROTTLE_USER", default="") or None
REST_FRAMEWORK = {
    # DRF's JSON renderer encoding with orjson, and DRF's negotiation without parsing `Accept: */*`
    # or `application/json` (ecommerce/renderers.py).
    "DEFAULT_RENDERER_CLASSES": [
        "ecommerce.renderers.JSONRenderer",
        # DRF's, with inline styles allowed on its HTML pages only (its templates need them; ecommerce/renderers.py).
        "ecommerce.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "ecommerce.renderers.ContentNegotiation",
    # DRF's JSON parser, with deep nesting a 400 instead of a 500 (ecommerce/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["ecommerce.parsers.JSONParser"],
    # Bearer tokens: our JWTs, or (when OIDC is configured) the provider's access tokens.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "customers.authentication.BearerTokenAuthentication",
        # DRF's session authentication, not touching the session of a request without its cookie.
        "customers.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "ecommerce.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ecommerce.api.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        dotted
        for dotted, rate in (
            ("rest_framework.throttling.AnonRateThrottle", _API_THROTTLE_ANON),
            ("rest_framework.throttling.UserRateThrottle", _API_THROTTLE_USER),
        )
        if rate
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _API_THROTTLE_ANON,
        "user": _API_THROTTLE_USER,
        # Password logins through the API and the admin's login form, counted together per client IP and per
        # account (email): one budget of guesses whichever door is used.
        "login_ip": env.str("LOGIN_THROTTLE_IP", default="20/min"),
        "login_email": env.str("LOGIN_THROTTLE_EMAIL", default="5/min"),
        # POST /customers per client IP: registration tells whether an email is taken, so it is rate-limited.
        "register_ip": env.str("REGISTRATION_THROTTLE_IP", default="10/hour"),
    },
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# HTTP caching of anonymous catalog reads (ecommerce.middleware.HttpCachingMiddleware): how many seconds a
# browser or shared cache may reuse one without asking again; 0: it revalidates every time (ETag, 304).
API_CACHE_MAX_AGE = env.int("API_CACHE_MAX_AGE", default=0)
# Paginated lists: counts of at least API_COUNT_CACHE_MIN_ROWS rows are cached this many seconds
# (counting a million rows costs more than the page itself); smaller counts are always exact.
API_COUNT_CACHE_SECONDS = env.int("API_COUNT_CACHE_SECONDS", default=30)
API_COUNT_CACHE_MIN_ROWS = env.int("API_COUNT_CACHE_MIN_ROWS", default=10_000)
# Anonymous catalog reads kept whole in the shared cache (catalog.api.response_cache), current until a write
# through the services changes what they show; this bounds them anyway (writes that bypass the services,
# unshared caches). 0: off.
API_RESPONSE_CACHE_SECONDS = env.int("API_RESPONSE_CACHE_SECONDS", default=300)
# Cached catalog reads (price-stats and the tree, catalog/cache.py) are invalidated by every write
# through catalog.services; this bounds them anyway (writes that bypass the services, unshared caches).
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=300)

# Every `?search=` (products, customers): at most this many characters and whitespace-separated terms, else 400.
SEARCH_MAX_CHARS = env.int("SEARCH_MAX_CHARS", default=200)
SEARCH_MAX_TERMS = env.int("SEARCH_MAX_TERMS", default=10)

# --- drf-spectacular (OpenAPI) -------------------------------------------------------------------
SPECTACULAR_SETTINGS = {
    "TITLE": "ecommerce-service API",
    "DESCRIPTION": (
        "Catalog, customers, orders and notifications of an online shop. Errors are RFC 9457 problem details."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # ReDoc's default fonts come from Google Fonts; the system font stack needs no other origin (SPEC §4.7).
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
                "headings": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"},
                "code": {"fontFamily": "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"},
            }
        }
    },
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # drf-spectacular's default hook (enums), canonical paths, then the problem responses every operation can give.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ecommerce.schema.strip_trailing_slashes",
        "ecommerce.schema.add_problem_responses",
    ],
    "ENUM_NAME_OVERRIDES": {},
}

# --- simplejwt (the API's access and refresh tokens) ----------------------------------------------
# HS256: the key is all that protects the tokens, so it is held to the same rule as DJANGO_SECRET_KEY.
_jwt_signing_key = env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY
if not DEBUG and not _is_strong_secret(_jwt_signing_key):
    raise ImproperlyConfigured(
        f"JWT_SIGNING_KEY must be a random value of at least {SECRET_KEY_MIN_LENGTH} characters when DJANGO_DEBUG "
        "is off (or unset, to use DJANGO_SECRET_KEY)."
    )
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_TOKEN_LIFETIME_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_TOKEN_LIFETIME_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Tokens carry a hash of the password hash: a password change ends every earlier access and refresh token.
    "CHECK_REVOKE_TOKEN": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": _jwt_signing_key,
    "ALGORITHM": "HS256",
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# --- OpenID Connect (mozilla-django-oidc). Empty client id or endpoints: OIDC is off. ---------------
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="") or None
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_USE_PKCE = env.bool("OIDC_USE_PKCE", default=True)
OIDC_VERIFY_SSL = env.bool("OIDC_VERIFY_SSL", default=True)
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=5)
OIDC_CREATE_USER = True
# How long the API trusts a provider access token it has validated (seconds).
OIDC_API_TOKEN_CACHE_SECONDS = env.int("OIDC_API_TOKEN_CACHE_SECONDS", default=60)
OIDC_AUTHENTICATE_CLASS = "customers.oidc.OIDCAuthenticateView"
OIDC_CALLBACK_CLASS = "customers.oidc.OIDCCallbackView"

# --- django-phonenumber-field ---------------------------------------------------------------------
# Phones must be E.164 (+254...): no default region to guess a country from.
PHONENUMBER_DEFAULT_REGION = None

# --- The shop: money -------------------------------------------------------------------------------
SHOP_CURRENCY = env.str("SHOP_CURRENCY", default="KES")

# --- The shop: back office --------------------------------------------------------------------------
# Active products with at most this many units are "low on stock" on the admin's dashboard and its filter.
LOW_STOCK_THRESHOLD = env.int("LOW_STOCK_THRESHOLD", default=5)
if LOW_STOCK_THRESHOLD < 0:
    raise ImproperlyConfigured("LOW_STOCK_THRESHOLD must be 0 or more.")

# --- The shop: demo data (`seed_demo_data`, `make run`) -------------------------------------------
# Its users (admin@example.com, customer@example.com). Development defaults only in debug; with debug
# off the command refuses to run until both are set.
DEMO_STAFF_PASSWORD = env.str("DEMO_STAFF_PASSWORD", default="demo-admin-pass" if DEBUG else "")
DEMO_CUSTOMER_PASSWORD = env.str("DEMO_CUSTOMER_PASSWORD", default="demo-customer-pass" if DEBUG else "")

# --- The shop: orders -----------------------------------------------------------------------------
# A deadlocked or lock-timed-out order transaction is run again up to this many attempts in all,
# sleeping a random time up to ORDER_RETRY_BACKOFF_MS x 2^(attempt-1) between them.
ORDER_RETRY_ATTEMPTS = env.int("ORDER_RETRY_ATTEMPTS", default=5)
ORDER_RETRY_BACKOFF_MS = env.int("ORDER_RETRY_BACKOFF_MS", default=50)
# How long an Idempotency-Key replays its order (the IETF draft's expiry); after it the key may be reused.
ORDER_IDEMPOTENCY_KEY_TTL_HOURS = env.int("ORDER_IDEMPOTENCY_KEY_TTL_HOURS", default=24)

# --- The shop: notifications ----------------------------------------------------------------------
# Staff addresses for new-order emails ("Name <email>" allowed), comma-separated; empty: DJANGO_ADMINS.
# In debug without DJANGO_ADMINS: the demo staff user's address (`seed_demo_data`), so that a demo order's
# email is sent (to the console backend) rather than recorded as failed for want of an address.
ORDER_NOTIFICATION_EMAILS = env.list(
    "ORDER_NOTIFICATION_EMAILS", default=["admin@example.com"] if DEBUG and not ADMINS else []
)
# SMS backend: a dotted path to a class, or africastalking | console | locmem.
SMS_BACKEND = env.str("SMS_BACKEND", default="console" if DEBUG else "africastalking")
# Africa's Talking: the username "sandbox" selects the sandbox. The API key has no default: without it
# the africastalking backend records every SMS as failed (permanent) without calling anybody.
AFRICASTALKING_USERNAME = env.str("AFRICASTALKING_USERNAME", default="sandbox")
AFRICASTALKING_API_KEY = env.str("AFRICASTALKING_API_KEY", default="")
AFRICASTALKING_SENDER_ID = env.str("AFRICASTALKING_SENDER_ID", default="")
# Another base URL for the SDK (a proxy, a local stand-in), e.g. http://127.0.0.1:8025; empty: the SDK's own.
AFRICASTALKING_API_URL = env.str("AFRICASTALKING_API_URL", default="")
# Shared secret of the delivery-report callback (?secret= or X-Callback-Secret); empty: the endpoint is off (404).
AFRICASTALKING_CALLBACK_SECRET = env.str("AFRICASTALKING_CALLBACK_SECRET", default="")
# Seconds one delivery attempt may take talking to a provider (SMS API request, SMTP connection).
NOTIFICATION_TIMEOUT_S = env.float("NOTIFICATION_TIMEOUT_S", default=5.0)
# Retries of transient failures: base delay doubling per attempt, capped, up to the attempt limit.
NOTIFICATION_RETRY_BASE_S = env.int("NOTIFICATION_RETRY_BASE_S", default=30)
NOTIFICATION_RETRY_MAX_S = env.int("NOTIFICATION_RETRY_MAX_S", default=3600)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
# Each retry comes due up to this fraction of its delay early (0.05: a 60 s retry after 57-60 s), so messages
# that failed together are retried spread out.
NOTIFICATION_RETRY_JITTER = env.float("NOTIFICATION_RETRY_JITTER", default=0.05)
# Sends started per second per provider, across every worker (counted in the shared cache); 0: no limit.
NOTIFICATION_SMS_RATE_PER_S = env.int("NOTIFICATION_SMS_RATE_PER_S", default=0)
NOTIFICATION_EMAIL_RATE_PER_S = env.int("NOTIFICATION_EMAIL_RATE_PER_S", default=0)
# A delivery claim older than this is a worker that died mid-send; retry_notifications releases it.
NOTIFICATION_CLAIM_TIMEOUT_S = env.int("NOTIFICATION_CLAIM_TIMEOUT_S", default=300)
# Tasks backends (TASKS["default"]["BACKEND"]) that keep their queue in the shop's database: an order's
# delivery tasks are enqueued inside the order's transaction. Any other backend is called after commit.
NOTIFICATION_TRANSACTIONAL_TASK_BACKENDS = ["django_tasks_db.DatabaseBackend"]
# The worker (`manage.py task_worker`): task threads per process (deliveries wait on the network, so one
# process overlaps many), and its liveness endpoint GET /health (port 0: off), unhealthy when a thread
# died or has been inside one task for longer than WORKER_STUCK_TASK_S.
WORKER_THREADS = env.int("WORKER_THREADS", default=16)
WORKER_HEALTH_HOST = env.str("WORKER_HEALTH_HOST", default="127.0.0.1")
WORKER_HEALTH_PORT = env.int("WORKER_HEALTH_PORT", default=0)
WORKER_STUCK_TASK_S = env.float("WORKER_STUCK_TASK_S", default=300.0)
# `manage.py prune_notifications` (a CronJob): finished task results are deleted after this many hours;
# notifications are the audit log, kept NOTIFICATION_RETENTION_DAYS (0: forever), then only finished ones go.
TASK_RESULT_RETENTION_HOURS = env.int("TASK_RESULT_RETENTION_HOURS", default=24)
NOTIFICATION_RETENTION_DAYS = env.int("NOTIFICATION_RETENTION_DAYS", default=0)
# Prometheus collectors /metrics adds to its page (read at scrape time): the delivery queue's depth and age.
METRICS_EXTRA_COLLECTORS = ["notifications.metrics.NotificationQueueCollector"]
if NOTIFICATION_TIMEOUT_S <= 0 or NOTIFICATION_MAX_ATTEMPTS < 1 or NOTIFICATION_RETRY_BASE_S < 0:
    raise ImproperlyConfigured(
        "NOTIFICATION_TIMEOUT_S must be > 0, NOTIFICATION_MAX_ATTEMPTS >= 1, NOTIFICATION_RETRY_BASE_S >= 0."
    )
if not 0 <= NOTIFICATION_RETRY_JITTER <= 1 or min(NOTIFICATION_SMS_RATE_PER_S, NOTIFICATION_EMAIL_RATE_PER_S) < 0:
    raise ImproperlyConfigured("NOTIFICATION_RETRY_JITTER must be within 0-1 and the send rates >= 0.")

# --- Operations: metrics, profiling ---------------------------------------------------------------
# /metrics: open when both are empty; otherwise the client IP must be listed or the token given
# as `Authorization: Bearer <token>`.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
PROMETHEUS_EXPORT_MIGRATIONS = False
PROFILING_ENABLED = env.bool("PROFILING_ENABLED", default=False)
