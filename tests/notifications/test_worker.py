"""A REAL worker process (``opphub run_huey``) against a file SQLite database: huey storage in SQLite and in
Redis, and a worker killed with SIGKILL in the middle of sending. Spec M3; guarantee in docs/notifications.md."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.redis_db import fresh_redis

from .receivers import HttpReceiver

REDIS_URL = "redis://127.0.0.1:6379/15"
SETUP = """
from opphub.people.models import Team, User
from opphub.notifications.models import Robot
team = Team.objects.create(name="east")
Robot.objects.create(team=team, vendor="wecom", url="{url}")
for i in range({users}):
    User.objects.create(username=f"u{{i}}", team=team)
"""
ENQUEUE = """
from opphub.people.models import User
from opphub.notifications.services import notification_enqueue
for user in User.objects.order_by("id"):
    for i in range({per_user}):
        notification_enqueue(recipient=user, kind="todo", key=f"{prefix}:{{i}}",
                             subject=f"{prefix} {{user.username}} {{i}}", body="", channels=("wecom",))
"""
REDRIVE = "from opphub.notifications.tasks import redrive; redrive()"



class Site:
    """A throwaway OppHub installation in a temp dir: its own SQLite DB and huey storage."""

    def __init__(self, root: Path, redis_url: str = "") -> None:
        self.root = root
        self.env = {k: v for k, v in os.environ.items()
                    if k not in {"DATABASE_URL", "REDIS_URL", "PYTEST_VERSION", "PYTEST_CURRENT_TEST"}}
        self.env.update(OPPHUB_DATA_DIR=str(root), OPPHUB_HUEY_IMMEDIATE="0", OPPHUB_NOTIFY_LEASE_SECONDS="3",
                        OPPHUB_SECRET_KEY="test-worker", DJANGO_SETTINGS_MODULE="opphub.config.settings")
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.worker: subprocess.Popen[bytes] | None = None

    def opphub(self, *args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "opphub.cli", *args], env=self.env, cwd=self.root,
                             capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, out.stderr[-3000:]
        return out.stdout

    def shell(self, code: str) -> str:
        return self.opphub("shell", "-c", code)

    def start_worker(self) -> None:
        log = open(self.root / "worker.log", "ab")  # noqa: SIM115
        self.worker = subprocess.Popen([sys.executable, "-m", "opphub.cli", "run_huey", "-w", "1", "-k", "thread"],
                                       env=self.env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT)

    def kill_worker(self, sig: int = signal.SIGKILL) -> None:
        assert self.worker is not None
        self.worker.send_signal(sig)
        self.worker.wait(timeout=30)
        self.worker = None

    def states(self) -> dict[str, int]:
        with sqlite3.connect(self.root / "opphub.sqlite3", timeout=10) as db:
            rows = db.execute("SELECT state, count(*) FROM notifications_delivery WHERE channel != 'inapp' "
                              "GROUP BY state").fetchall()
        return dict(rows)

    def wait_all_sent(self, total: int, timeout: float = 60) -> dict[str, int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = self.states()
            if states.get("sent") == total:
                return states
            time.sleep(0.3)
        raise AssertionError(f"not all sent: {self.states()}\n{(self.root / 'worker.log').read_text()[-3000:]}")


@pytest.fixture
def site_factory(tmp_path):  # type: ignore[no-untyped-def]
    sites: list[Site] = []

    def make(redis_url: str = "") -> Site:
        site = Site(tmp_path / f"site{len(sites)}", redis_url)
        site.root.mkdir()
        site.opphub("migrate", "--noinput", "-v", "0")
        sites.append(site)
        return site

    yield make
    for site in sites:
        if site.worker is not None:
            site.worker.kill()
            site.worker.wait()


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_worker_sends_through_each_storage(storage, site_factory):  # type: ignore[no-untyped-def]
    """Architecture: huey with SQLite storage by default, Redis when REDIS_URL is set — a real worker
    takes the queued sends from each and delivers them."""
    if storage == "redis":
        fresh_redis(REDIS_URL)
    receiver = HttpReceiver().start()
    try:
        site = site_factory(REDIS_URL if storage == "redis" else "")
        site.shell(SETUP.format(url=receiver.url(), users=2))
        site.shell(ENQUEUE.format(per_user=2, prefix=storage))
        if storage == "sqlite":
            assert (site.root / "huey.sqlite3").exists()  # the queue lives next to the database
        assert site.states() == {"queued": 4}
        site.start_worker()
        site.wait_all_sent(4)
        site.kill_worker(signal.SIGTERM)
    finally:
        receiver.stop()
    assert sorted(r.body["markdown"]["content"] for r in receiver.requests) == sorted(
        f"**{storage} u{u} {i}**" for u in range(2) for i in range(2))


def test_sigkill_mid_send_loses_nothing(site_factory):  # type: ignore[no-untyped-def]
    """spec: M3 — the worker is killed with SIGKILL while a robot request is in flight; after a restart every
    notification arrives, and only the one in flight may arrive twice (the documented bound: robots have no
    idempotency key)."""
    receiver = HttpReceiver(delay=30).start()  # the first request hangs: the worker is inside the send
    try:
        site = site_factory()
        site.shell(SETUP.format(url=receiver.url(), users=3))
        site.shell(ENQUEUE.format(per_user=3, prefix="k"))
        site.start_worker()
        deadline = time.monotonic() + 30
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(receiver.requests) == 1
        assert site.states() == {"sending": 1, "queued": 8}
        site.kill_worker(signal.SIGKILL)
        receiver.delay = 0

        site.start_worker()
        time.sleep(3.5)  # the dead worker's lease (3 s here) runs out
        site.shell(REDRIVE)  # what the periodic job does every minute
        site.wait_all_sent(9)
        site.kill_worker(signal.SIGTERM)
    finally:
        receiver.stop()
    texts = [r.body["markdown"]["content"] for r in receiver.requests]
    expected = {f"**k u{u} {i}**" for u in range(3) for i in range(3)}
    assert set(texts) == expected  # nothing lost
    duplicates = len(texts) - len(set(texts))
    assert duplicates <= 1  # at most the one request that was in flight when the worker died
    assert texts.count(texts[0]) == 2  # …and here it was: the robot had it before the kill
