from collections.abc import Mapping

from django.contrib.auth import get_user_model
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from customers.models import Customer
from customers.phones import E164_HELP, E164_INVALID, E164_UNKNOWN, PhoneInvalid, e164_parse


class CustomerSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="user_id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    date_joined = serializers.DateTimeField(source="user.date_joined", read_only=True)
    phone = PhoneNumberField(read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "email", "first_name", "last_name", "phone", "date_joined"]
        read_only_fields = fields


class E164PhoneField(serializers.CharField):
    """A phone number in strict E.164 (SPEC §6, `customers.phones`), returned as `+<digits>`."""

    default_error_messages = {"invalid": E164_INVALID, "unknown": E164_UNKNOWN}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("help_text", E164_HELP)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> str:
        try:
            return e164_parse(super().to_internal_value(data))
        except PhoneInvalid as error:
            self.fail(error.code)


class CustomerRegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    phone = E164PhoneField()

    def values_that_validated(self) -> dict[str, object]:
        """After a failed `is_valid()`: the fields that are well-formed on their own, with their values,
        so the business rules can still be checked on them and every problem named in one answer."""
        values: dict[str, object] = {}
        if not isinstance(self.initial_data, Mapping):  # a list, a string, null: no field is well-formed
            return values
        for name, field in self.fields.items():
            if field.read_only or name in self.errors:
                continue
            try:
                values[name] = field.run_validation(self.initial_data.get(name, serializers.empty))
            except serializers.ValidationError:
                continue
        return values


class CustomerUpdateSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    phone = E164PhoneField(required=False)


class LoginSerializer(TokenObtainPairSerializer):
    """`{email, password}` → `{access, refresh}`; one 401 whether or not the email exists."""

    username_field = get_user_model().USERNAME_FIELD


class RefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh, answering 401 (never a 500) for a token whose user is gone, inactive or has
    changed their password since the token was issued (upstream: simplejwt issue #860)."""

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
        user = get_user_model().objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first() if user_id else None
        if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
        if jwt_settings.CHECK_REVOKE_TOKEN and refresh.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(
            user.password
        ):
            raise AuthenticationFailed("The password has changed since this token was issued.", "password_changed")
        return super().validate(attrs)


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)
