"""The shared cache (read by ``settings.CACHES``): API rate limits and cached aggregates.

- Redis when ``REDIS_URL`` is set (the same server as the worker's queue; keys start with ``opphub``):
  every web process, worker and host shares the counts, and ``incr`` is atomic.
- Otherwise a file cache in ``<data dir>/cache``: shared by every process on the host (the web server's
  workers and the huey worker), no service to run. Counts are exact enough for a rate limit, not for
  accounting (two processes may race on one counter).
- While pytest runs (pytest sets ``PYTEST_VERSION``) an in-process memory cache, emptied around each
  test, so one test's calls never throttle another's; ``OPPHUB_CACHE=redis|file`` forces a backend.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def cache_settings(data_dir: Path, env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    redis_url = env.get("REDIS_URL", "").strip()
    chosen = env.get("OPPHUB_CACHE", "").strip().lower()
    if not chosen:
        chosen = "locmem" if "PYTEST_VERSION" in env else ("redis" if redis_url else "file")
    backend: dict[str, Any]
    if chosen == "redis" and redis_url:
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url,
                   "KEY_PREFIX": "opphub"}
    elif chosen == "file":
        backend = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                   "LOCATION": str(data_dir / "cache"), "OPTIONS": {"MAX_ENTRIES": 10000}}
    else:
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "opphub"}
    return {"default": backend}
