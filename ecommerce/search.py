"""`?search=` is bounded everywhere (SPEC §6): at most SEARCH_MAX_TERMS terms and SEARCH_MAX_CHARS characters.

A search of N terms becomes N times the fields `OR`ed LIKE conditions: a thousand terms made SQLite's expression tree
too large (a 500) and would make any database scan for a long time. Beyond the bounds: 400 naming `search`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework import exceptions, filters


def search_validate(value: str) -> None:
    """Raise Django's ValidationError when `value` is longer or has more terms than the settings allow."""
    if len(value) > settings.SEARCH_MAX_CHARS:
        raise ValidationError(
            f"Search at most {settings.SEARCH_MAX_CHARS} characters (this is {len(value)}).", code="max_length"
        )
    terms = len(value.split())
    if terms > settings.SEARCH_MAX_TERMS:
        raise ValidationError(f"Search at most {settings.SEARCH_MAX_TERMS} words (this is {terms}).", code="max_terms")


class BoundedSearchFilter(filters.SearchFilter):
    """DRF's SearchFilter with `search_validate` on the parameter: a 400 instead of an unbounded query."""

    def get_search_terms(self, request):
        value = request.query_params.get(self.search_param, "")
        try:
            search_validate(value.replace("\x00", ""))
        except ValidationError as error:
            raise exceptions.ValidationError({self.search_param: list(error.messages)}) from None
        return super().get_search_terms(request)
