"""The API's bearer authentication: our own JWTs, else (when configured) the OpenID provider's tokens.

simplejwt's JWTAuthentication raises on any token it cannot decode, so it cannot simply be
listed beside an OIDC class. This one class decides: a token that is one of ours (a JWT in our
algorithm carrying simplejwt's `token_type` claim) is judged by simplejwt alone, and is never
sent to the provider; any other token is asked of the provider's userinfo endpoint when OIDC is
configured, the answer (the matched user's id) cached for `OIDC_API_TOKEN_CACHE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed as TokenAuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from customers.models import User
from customers.oidc import CustomerOIDCBackend, oidc_is_configured
from customers.selectors import user_with_customer

logger = logging.getLogger(__name__)

CACHE_PREFIX = "oidc:bearer:"
# The id columns' range (ecommerce.ids.MAX_ID; not imported from there: that module loads DRF's views, and this
# one is loaded while DRF reads its settings).
MAX_ID = 2**63 - 1


class ProviderUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The identity provider could not be reached to validate the token."
    default_code = "identity_provider_unavailable"


def _user_with_customer(user_id: object) -> User | None:
    """The token's user (by primary key, simplejwt's USER_ID_FIELD here) with their profile; None if there is none."""
    if jwt_settings.USER_ID_FIELD != "id":  # pragma: no cover - the settings use the primary key
        return User.objects.select_related("customer").filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()
    try:
        pk = int(user_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    # Beyond the id column's range no user exists (and SQLite would overflow).
    return user_with_customer(user_id=pk) if 0 < pk <= MAX_ID else None


def _is_our_token(raw_token: bytes) -> bool:
    try:
        header = jwt.get_unverified_header(raw_token)
        payload = jwt.decode(raw_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    return header.get("alg") == jwt_settings.ALGORITHM and jwt_settings.TOKEN_TYPE_CLAIM in payload


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (the admin's and the browsable API's sign-in), same answers.

    A request without the session cookie has no signed-in session user, so it is not authenticated
    by this class; answering that without asking the session keeps the session (made lazily by
    ecommerce.middleware.SessionMiddleware) unmade.
    """

    def authenticate(self, request):
        if settings.SESSION_COOKIE_NAME not in request._request.COOKIES:
            return None
        return super().authenticate(request)


class BearerTokenAuthentication(JWTAuthentication):
    """`Authorization: Bearer <token>`: our JWT, or an access token of the configured OpenID provider."""

    def authenticate(self, request):
        header = self.get_header(request)
        if header is None:
            return None
        raw_token = self.get_raw_token(header)
        if raw_token is None:
            return None
        try:
            validated = self.get_validated_token(raw_token)
        except InvalidToken:
            if not oidc_is_configured() or _is_our_token(raw_token):
                raise
            return self._authenticate_with_provider(raw_token.decode("latin-1")), None
        return self.get_user(validated), validated

    def get_user(self, validated_token):
        """simplejwt's lookup (same checks, same errors), with the customer profile joined in.

        POST /orders needs `user.customer`; a LEFT JOIN on its primary key costs less than a second query
        (`customers.selectors.user_with_customer`, a statement made once).
        """
        try:
            user_id = validated_token[jwt_settings.USER_ID_CLAIM]
        except KeyError:
            raise InvalidToken(_("Token contained no recognizable user identification")) from None
        user = _user_with_customer(user_id)
        if user is None:
            raise TokenAuthenticationFailed(_("User not found"), code="user_not_found")
        if jwt_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise TokenAuthenticationFailed(_("User is inactive"), code="user_inactive")
        if jwt_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            jwt_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise TokenAuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        return user

    def _authenticate_with_provider(self, token: str):
        key = CACHE_PREFIX + hashlib.sha256(token.encode()).hexdigest()
        user_model = get_user_model()
        user_id = cache.get(key)
        if user_id is not None:
            user = user_model.objects.filter(pk=user_id, is_active=True).first()
            if user is not None:
                return user
        backend = CustomerOIDCBackend()
        try:
            user = backend.get_or_create_user(token, None, None)
        except requests.HTTPError as error:
            status = error.response.status_code if error.response is not None else None
            if status in (400, 401, 403):
                raise exceptions.AuthenticationFailed("The access token is invalid or expired.") from None
            logger.warning("identity provider answered %s to a userinfo request", status)
            raise ProviderUnavailable() from None
        except requests.RequestException as error:
            logger.warning("identity provider unreachable: %s", type(error).__name__)
            raise ProviderUnavailable() from None
        except SuspiciousOperation:
            # Claims not acceptable: no email, or the provider has not verified it.
            raise exceptions.AuthenticationFailed("The identity provider did not vouch for a verified email.") from None
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("This account is not allowed to sign in.")
        cache.set(key, user.pk, settings.OIDC_API_TOKEN_CACHE_SECONDS)
        return user
