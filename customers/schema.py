"""drf-spectacular extensions (imported in CustomersConfig.ready)."""

from drf_spectacular import authentication
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class BearerTokenScheme(SimpleJWTScheme):
    """Documented as the bearer scheme simplejwt's own class gets."""

    target_class = "customers.authentication.BearerTokenAuthentication"


class SessionScheme(authentication.SessionScheme):
    """Documented as DRF's own session authentication (cookieAuth)."""

    target_class = "customers.authentication.SessionAuthentication"
