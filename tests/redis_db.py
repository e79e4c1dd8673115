"""A Redis database of its own for a test (the session's and CI's Redis runs on 127.0.0.1:6379)."""

from __future__ import annotations

import pytest


def fresh_redis(url: str) -> None:
    """Empty the Redis database at ``url`` for the test; skip the test (with the reason) where no Redis runs."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    client.flushdb()
