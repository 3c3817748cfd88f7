"""Large list counts are cached briefly (ecommerce.api.CountCachingPaginator); small ones stay exact."""

import pytest

from catalog.models import Category
from ecommerce.api import CountCachingPaginator
from tests.factories import CategoryFactory


def _count() -> int:
    return CountCachingPaginator(Category.objects.order_by("pk"), 2).count


@pytest.mark.django_db
def test_a_large_count_is_served_from_the_cache_without_a_query(settings, django_assert_num_queries):
    settings.API_COUNT_CACHE_SECONDS, settings.API_COUNT_CACHE_MIN_ROWS = 30, 3
    CategoryFactory.create_batch(3)
    assert _count() == 3

    CategoryFactory()

    with django_assert_num_queries(0):
        assert _count() == 3


@pytest.mark.django_db
def test_a_count_below_the_threshold_is_exact_every_time(settings):
    settings.API_COUNT_CACHE_SECONDS, settings.API_COUNT_CACHE_MIN_ROWS = 30, 10
    CategoryFactory.create_batch(3)
    assert _count() == 3

    CategoryFactory()

    assert _count() == 4


@pytest.mark.django_db
def test_the_cache_is_off_with_zero_seconds(settings):
    settings.API_COUNT_CACHE_SECONDS, settings.API_COUNT_CACHE_MIN_ROWS = 0, 1
    CategoryFactory.create_batch(3)
    assert _count() == 3

    CategoryFactory()

    assert _count() == 4


@pytest.mark.django_db
def test_different_filters_are_counted_separately(settings):
    settings.API_COUNT_CACHE_SECONDS, settings.API_COUNT_CACHE_MIN_ROWS = 30, 1
    roots = CategoryFactory.create_batch(2)
    CategoryFactory(parent=roots[0])

    assert CountCachingPaginator(Category.objects.filter(parent=None).order_by("pk"), 2).count == 2
    assert CountCachingPaginator(Category.objects.filter(parent=roots[0]).order_by("pk"), 2).count == 1
    assert CountCachingPaginator(Category.objects.none(), 2).count == 0
