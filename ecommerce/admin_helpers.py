"""The admin's conventions every app's `admin.py` follows: service errors as messages, the admin's date format.

The site itself (`backoffice.sites.ShopAdminSite`) and the pages that span apps live in `backoffice/`, at the top
of the layers; the apps' admin modules import only this module (money is shown with `ecommerce.money`).
"""

from datetime import datetime

from django.contrib import admin, messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import formats, timezone

from ecommerce.exceptions import DomainError
from ecommerce.search import search_validate


def format_datetime(value: datetime | None) -> str:
    """The admin's own date format (e.g. `Nov. 23, 2026, 8:38 p.m.`) in the current time zone."""
    if value is None:
        return "—"
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def domain_error_message(error: DomainError) -> str:
    """A service's error as one line for an admin message: its detail, then each field's messages."""
    parts = [str(error)]
    for field, field_messages in (error.errors or {}).items():
        extra = [message for message in field_messages if message != str(error)]
        if extra:
            parts.append(f"{field}: {' '.join(extra)}")
    return " — ".join(parts)


class ServiceErrorsAsMessages(ModelAdmin):
    """ModelAdmin mixin: a DomainError a service raises while saving or deleting becomes an error message
    on the page it came from (the view's transaction is rolled back), never a 500."""

    def _domain_error_response(self, request: HttpRequest, error: DomainError, redirect_to: str) -> HttpResponse:
        self.message_user(request, domain_error_message(error), messages.ERROR)
        return HttpResponseRedirect(redirect_to)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            return self._domain_error_response(request, error, request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except DomainError as error:
            return self._domain_error_response(request, error, request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            opts = self.model._meta
            return self._domain_error_response(
                request, error, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            )


def adopt(target: Model, saved: Model) -> None:
    """Give the admin's unsaved form instance the state of the row a service saved (pk, timestamps)."""
    target.__dict__.update(saved.__dict__)


class BoundedSearchAdmin(ModelAdmin):
    """A changelist search beyond SEARCH_MAX_TERMS words or SEARCH_MAX_CHARS characters finds nothing and says
    why, instead of building a query too large for the database (SPEC §6). The shop's AdminSite mixes it into
    every ModelAdmin it registers."""

    def get_search_results(self, request, queryset, search_term):
        try:
            search_validate(search_term)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class ReadOnlyTabularInline(admin.TabularInline):
    """An inline shown for reading only (an order's lines, its notifications): nothing added, changed or deleted."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
