"""The Redis cache backend (ecommerce/cache.py): Django's, reusing one redis-py client per connection pool.

Against the real Redis at TEST_REDIS_URL, under a key prefix of this test's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid

import pytest
import redis
from django.core.cache import caches

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_cache(settings):
    prefix = f"test-redis-backend-{uuid.uuid4().hex}"
    settings.CACHES = {
        **settings.CACHES,
        "redis": {"BACKEND": "ecommerce.cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": prefix},
    }
    store = redis.Redis.from_url(REDIS_URL)
    try:
        store.ping()
    except redis.RedisError as error:
        pytest.fail(f"no Redis at {REDIS_URL} ({error}): start one (`.ci/run` does)")
    yield caches["redis"]
    keys = list(store.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        store.delete(*keys)


def test_the_settings_choose_it_for_a_redis_url():
    code = "from ecommerce import settings; print(settings.CACHES['default']['BACKEND'])"
    env = {**os.environ, "CACHE_URL": "redis://127.0.0.1:6379/0", "DJANGO_DEBUG": "true"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)

    assert result.stdout.strip() == "ecommerce.cache.RedisCache", result.stderr


def test_every_operation_works_as_djangos(redis_cache):
    redis_cache.set("a", {"n": 1}, 30)
    assert redis_cache.get("a") == {"n": 1}
    assert redis_cache.add("a", 2) is False and redis_cache.add("b", 2) is True
    assert redis_cache.incr("b") == 3
    redis_cache.set_many({"c": b"bytes", "d": (1, "two")}, 30)
    assert redis_cache.get_many(["a", "c", "d", "missing"]) == {"a": {"n": 1}, "c": b"bytes", "d": (1, "two")}
    redis_cache.delete("a")
    assert redis_cache.get("a") is None


def test_one_client_serves_every_operation_and_thread(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                client.set(f"{redis_cache.key_prefix}:t{n}:{i}", i)
                assert int(client.get(f"{redis_cache.key_prefix}:t{n}:{i}")) == i
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
