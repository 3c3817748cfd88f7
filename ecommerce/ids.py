"""Object ids in paths, filters and bodies: ASCII digits within the id column's range, nothing else (SPEC §6).

Every id column is a signed 64-bit integer (BigAutoField, and the one-to-one keys on it). Python's `int()`
and regex `\\d` also take other scripts' digits (`٣` is 3), and an id beyond the column's range overflows on
SQLite (a 500) or on related-field lookups. So ids are checked here, once, for all apps:

- paths: `ApiRouter` (every app's router) and `ID_PATTERN` (hand-written routes) match only such ids, so
  anything else is the API's 404;
- query-string filters: `IdFilter` and `IdModelChoiceFilter`, a 400 naming the parameter (and, for the
  latter, `Category 9999 does not exist.` for an id of nothing);
- request bodies: `ecommerce.api.PrimaryKeyRelatedField` uses `parse_id`, and `ecommerce.api.StrictIntegerField`
  (`is_json_integer`) takes a JSON integer only, e.g. an order line's product id up to `MAX_ID`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeGuard

import django_filters
from django import forms
from django.db.models import Model
from django_filters.fields import ModelChoiceField
from rest_framework.routers import SimpleRouter

MAX_ID = 2**63 - 1
ID_MESSAGE = f"Enter an id: digits 0-9 only, at most {MAX_ID}."


def _digits_at_most(limit: int) -> str:
    """A regex matching exactly the decimal strings (ASCII digits, leading zeros allowed) of 0..limit."""
    text = str(limit)
    # Fewer digits than the limit: any of them (with leading zeros, so "007" is 7 like int() says).
    alternatives = [f"0*[0-9]{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    # As many digits: a common prefix with the limit, then a smaller digit, then anything.
    for index, digit in enumerate(text):
        if digit != "0":
            smaller = "0" if digit == "1" else f"[0-{int(digit) - 1}]"
            rest = len(text) - index - 1
            alternatives.append(f"0*{text[:index]}{smaller}" + (f"[0-9]{{{rest}}}" if rest else ""))
    alternatives.append(f"0*{text}")
    return "(?:" + "|".join(alternatives) + ")"


# For URL patterns: `re_path(rf"^customers/(?P<customer_id>{ID_PATTERN})/orders/?$", ...)`.
ID_PATTERN = _digits_at_most(MAX_ID)


def is_json_integer(value: object) -> TypeGuard[int]:
    """Whether `value` is an integer as JSON has them: an int, and not a bool (True is 1 to Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def parse_id(value: object) -> int | None:
    """The id `value` stands for (an int, or a string of ASCII digits), or None if it is not one."""
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()):
            return None
        value = int(value)
    if is_json_integer(value) and 0 <= value <= MAX_ID:
        return value
    return None


class ApiRouter(SimpleRouter):
    """DRF's SimpleRouter for this API: no trailing slash and the same path with one (no redirect), and
    object ids that match only `ID_PATTERN` (a viewset's own `lookup_value_regex` is not used)."""

    def __init__(self) -> None:
        super().__init__()
        # Set after __init__: DRF's constructor turns any truthy `trailing_slash` into "/".
        self.trailing_slash = "/?"

    def get_lookup_regex(self, viewset, lookup_prefix: str = "") -> str:
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{ID_PATTERN})"


class IdField(forms.Field):
    """A form field for an id: ASCII digits within the id column's range."""

    default_error_messages = {"invalid": ID_MESSAGE}

    def to_python(self, value: object) -> int | None:
        if value in self.empty_values:
            return None
        parsed = parse_id(value)
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class IdFilter(django_filters.Filter):
    """`?customer=42`: an exact id filter; anything but an id is a 400."""

    field_class = IdField


class IdModelChoiceField(ModelChoiceField):
    """An id of an existing object; the errors name what was wrong: `Enter a category id: …` for `audio`,
    `Category 9999 does not exist.` for an id with no object (not Django's "Select a valid choice")."""

    def __init__(self, *args, lookup: Callable[[int], Model | None] | None = None, **kwargs):
        """`lookup(pk)`: the object, or None when there is none; used instead of the queryset when given
        (a statement built once, say, where the queryset would be cloned and compiled per request)."""
        self.lookup = lookup
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values or (self.null_label is not None and value == self.null_value):
            return super().to_python(value)
        pk = parse_id(value)
        name = str(self.queryset.model._meta.verbose_name)
        if pk is None:
            raise forms.ValidationError(
                f"Enter {_article(name)} {name} id: digits 0-9 only, at most {MAX_ID} (not a name or a slug).",
                code="invalid_choice",
            )
        missing = forms.ValidationError(f"{name.capitalize()} {pk} does not exist.", code="invalid_choice")
        if self.lookup is not None:
            found = self.lookup(pk)
            if found is None:
                raise missing
            return found
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            if error.code != "invalid_choice":
                raise
            raise missing from None


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


class IdModelChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's ModelChoiceFilter, taking only ids (`?category=٣` is a 400, not category 3)."""

    field_class = IdModelChoiceField
