"""OpenID Connect (mozilla-django-oidc): the browser code flow and the API's provider tokens.

Everything here is inert unless the `OIDC_*` settings name a provider: the views answer 404,
the backend authenticates nobody, and the API never calls out.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

logger = logging.getLogger(__name__)

REQUIRED_SETTINGS = (
    "OIDC_RP_CLIENT_ID",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
)


def oidc_is_configured() -> bool:
    return all(getattr(settings, name, "") for name in REQUIRED_SETTINGS)


class CustomerOIDCBackend(OIDCAuthenticationBackend):
    """Matches the provider's user to ours by VERIFIED email (case-insensitive) or creates one,
    with a customer profile. Authenticates nobody when OIDC is not configured."""

    def __init__(self, *args, **kwargs):
        self.is_configured = oidc_is_configured()
        if self.is_configured:
            super().__init__(*args, **kwargs)
        else:
            self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        # Password logins (admin form, /auth/login) are ModelBackend's: never exchange a
        # `code` that happens to be in such a request's query string.
        if not self.is_configured or "password" in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def verify_claims(self, claims: dict) -> bool:
        email = claims.get("email")
        verified = claims.get("email_verified")
        return bool(email) and isinstance(email, str) and (verified is True or verified == "true")

    def filter_users_by_claims(self, claims: dict):
        email = self.UserModel.objects.normalize_email(claims.get("email"))
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email=email)

    def create_user(self, claims: dict):
        # Imported here: DRF imports this module (via the authentication class) while it starts.
        from customers.services import customer_get_or_create_for_oidc

        return customer_get_or_create_for_oidc(
            email=claims["email"],
            first_name=str(claims.get("given_name") or ""),
            last_name=str(claims.get("family_name") or ""),
        )


class OIDCAuthenticateView(OIDCAuthenticationRequestView):
    """`/oidc/authenticate/`: redirects the browser to the provider; 404 when OIDC is off."""

    def __init__(self, *args, **kwargs):
        self.is_configured = oidc_is_configured()
        if self.is_configured:
            super().__init__(*args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        if not self.is_configured:
            raise Http404("OpenID Connect is not configured.")
        return super().dispatch(request, *args, **kwargs)


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """`/oidc/callback/`: the provider sends the browser back here; 404 when OIDC is off."""

    def dispatch(self, request, *args, **kwargs):
        if not oidc_is_configured():
            raise Http404("OpenID Connect is not configured.")
        return super().dispatch(request, *args, **kwargs)
