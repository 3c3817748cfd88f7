"""django-filter filters whose errors tell a client what to send instead (the allowed values).

django-filter's own answer `Select a valid choice. stock is not one of the available choices.` names no
available choice; these name them all. Ids have their own filters in `ecommerce.ids`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_filters


def invalid_choice_message(values: Iterable[object]) -> str:
    """The `invalid_choice` message of a choice field that takes exactly `values` (`%(value)s`: the one given)."""
    return f"'%(value)s' is not one of the allowed values: {', '.join(str(value) for value in values)}."


class ChoiceFilter(django_filters.ChoiceFilter):
    """django-filter's ChoiceFilter; an invalid value is a 400 listing the allowed ones."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = self.extra.get("choices")
        if choices and not callable(choices):
            self.extra.setdefault("error_messages", {"invalid_choice": invalid_choice_message(v for v, _ in choices)})


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's OrderingFilter; an invalid `?ordering=` is a 400 listing the allowed values."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        values = [value for value, _ in self.extra["choices"]]
        self.extra.setdefault("error_messages", {"invalid_choice": invalid_choice_message(values)})
