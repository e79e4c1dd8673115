"""The worker's configuration: storage by environment, and the one list of periodic jobs."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from opphub.config.huey import huey_settings


def test_sqlite_storage_by_default_redis_with_redis_url(tmp_path: Path) -> None:
    """Architecture: huey on a SQLite file next to the database by default, Redis when REDIS_URL is set."""
    default = huey_settings(tmp_path, {})
    assert default["huey_class"] == "huey.SqliteHuey"
    assert default["filename"] == str(tmp_path / "huey.sqlite3")
    assert default["immediate"] is False
    redis = huey_settings(tmp_path, {"REDIS_URL": "redis://127.0.0.1:6379/15"})
    assert (redis["huey_class"], redis["url"]) == ("huey.RedisHuey", "redis://127.0.0.1:6379/15")
    assert huey_settings(tmp_path, {"PYTEST_VERSION": "9"})["immediate"] is True
    assert huey_settings(tmp_path, {"PYTEST_VERSION": "9", "OPPHUB_HUEY_IMMEDIATE": "0"})["immediate"] is False


def test_every_periodic_job_is_registered_with_the_worker() -> None:
    from huey.contrib.djhuey import HUEY

    from opphub.jobs import PERIODIC_JOBS, REGISTERED

    periodic = {t.__name__ for t in HUEY._registry._periodic_tasks}
    for job in PERIODIC_JOBS:
        module, _, name = job.function.rpartition(".")
        assert callable(getattr(import_module(module), name)), job
        assert job.name in periodic and job.name in REGISTERED
