"""The Redis cache backend (ecommerce/cache.py): Django's, with one redis-py client per thread, on its own connection.

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


def test_each_thread_keeps_one_client_with_its_own_connection(redis_cache):
    backend = redis_cache._cache
    client = backend.get_client()
    assert backend.get_client(write=True) is client  # one client for every operation of this thread
    seen: dict[int, object] = {}
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            mine = seen[n] = backend.get_client()
            for i in range(50):
                redis_cache.set(f"t{n}:{i}", i)
                assert redis_cache.get(f"t{n}:{i}") == i
            assert backend.get_client() is mine
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    clients = [client, *seen.values()]
    assert len({id(c) for c in clients}) == 5
    assert len({id(c.connection) for c in clients}) == 5  # each thread's own connection, never shared


def test_a_client_inherited_across_a_fork_is_not_reused(redis_cache):
    """A forked worker (gunicorn's, after the master made a client) makes its own: the inherited one's
    connection is the parent's. The thread's record of the process that made its clients is set as a fork
    would leave it (os.fork itself, in this multi-threaded test process, risks a deadlock)."""
    backend = redis_cache._cache
    parent = backend.get_client()
    backend._local.pid = os.getpid() + 1  # the clients were made by another process

    child = backend.get_client()
    redis_cache.set("after", 2)

    assert child is not parent and child.connection is not parent.connection
    assert redis_cache.get("after") == 2 and backend.get_client() is child
