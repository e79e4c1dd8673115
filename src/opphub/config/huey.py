"""The huey worker's configuration (read by ``settings.HUEY``; used through ``huey.contrib.djhuey``).

- Storage: a SQLite file next to the database (``<data dir>/huey.sqlite3``) by default; Redis when
  ``REDIS_URL`` is set. The queue name is fixed (``opphub``), so web and worker always meet.
- Immediate mode (tasks run in the calling process, in-memory storage) with ``OPPHUB_HUEY_IMMEDIATE=1``;
  it is the default while pytest runs (pytest sets ``PYTEST_VERSION``), so tests never leave tasks in the
  data directory. Tests that start a real worker set ``OPPHUB_HUEY_IMMEDIATE=0`` for it.
- The worker is ``opphub run_huey``; ``opphub run`` starts it beside the web server.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def huey_settings(data_dir: Path, env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    immediate = _flag(env, "OPPHUB_HUEY_IMMEDIATE", "PYTEST_VERSION" in env)
    consumer = {
        "workers": int(env.get("OPPHUB_HUEY_WORKERS", "2")),
        "worker_type": "thread",
        "check_worker_health": True,
        "health_check_interval": 5,
        "periodic": True,
    }
    redis_url = env.get("REDIS_URL", "").strip()
    if redis_url:
        return {"huey_class": "huey.RedisHuey", "name": "opphub", "url": redis_url,
                "immediate": immediate, "utc": True, "consumer": consumer}
    data_dir.mkdir(parents=True, exist_ok=True)
    return {"huey_class": "huey.SqliteHuey", "name": "opphub", "filename": str(data_dir / "huey.sqlite3"),
            "immediate": immediate, "utc": True, "consumer": consumer}
