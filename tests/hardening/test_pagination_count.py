"""Large list counts are cached briefly (ecommerce.api.CountCachingPaginator); small ones stay exact."""

import pytest
from django.core.cache import cache

from catalog.models import Category
from ecommerce.api import CountCachingPaginator, count_cache_key
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


@pytest.mark.django_db
def test_a_due_recount_is_made_by_one_request_while_the_others_get_the_previous_count(
    settings, django_assert_num_queries
):
    settings.API_COUNT_CACHE_SECONDS, settings.API_COUNT_CACHE_MIN_ROWS = 30, 3
    CategoryFactory.create_batch(3)
    queryset = Category.objects.order_by("pk")
    key = count_cache_key(queryset)
    cache.set(key, (3, 0.0), 300)  # due for a recount
    CategoryFactory()

    first = CountCachingPaginator(Category.objects.order_by("pk"), 2).count
    with django_assert_num_queries(0):
        second = CountCachingPaginator(Category.objects.order_by("pk"), 2).count

    assert (first, second) == (4, 4)


@pytest.mark.django_db
def test_while_another_request_recounts_the_previous_count_is_served(settings, django_assert_num_queries):
    settings.API_COUNT_CACHE_SECONDS, settings.API_COUNT_CACHE_MIN_ROWS = 30, 3
    CategoryFactory.create_batch(3)
    key = count_cache_key(Category.objects.order_by("pk"))
    cache.set(key, (3, 0.0), 300)
    cache.add(f"{key}:recount", 1, 30)  # another request is recounting
    CategoryFactory()

    with django_assert_num_queries(0):
        assert _count() == 3
