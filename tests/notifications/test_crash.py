"""A process killed with SIGKILL right after the COMMIT of a business change loses none of the change's
messages: the Delivery rows are written in the change's own transaction (docs/decisions.md D15, D16).

Each crash step runs in its own process (``tests/notifications/crash_site.py``) against a file SQLite
database or a PostgreSQL database of its own; its first on-commit hook SIGKILLs it, so the hand-off to
the worker never happens. Then a real ``opphub run_huey`` starts (it re-drives at once) and every message
arrives exactly once: emails at an aiosmtpd server, WeCom robot posts at a local HTTP receiver.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from .receivers import HttpReceiver, SmtpReceiver

ROOT = Path(__file__).resolve().parents[2]  # the checkout under test (its src/ and tests/)
STEPS = ("won", "approval", "escalation")
EXPECTED_KINDS = {"won_handoff", "approval_requested", "escalation"}


class CrashSite:
    """A throwaway installation: its own data dir (huey queue, media) and database."""

    def __init__(self, root: Path, *, database_url: str, smtp_port: int) -> None:
        self.root = root
        self.database_url = database_url
        self.env = {k: v for k, v in os.environ.items()
                    if k not in {"DATABASE_URL", "REDIS_URL", "PYTEST_VERSION", "PYTEST_CURRENT_TEST"}}
        self.env.update(OPPHUB_DATA_DIR=str(root), OPPHUB_HUEY_IMMEDIATE="0", OPPHUB_SECRET_KEY="test-crash",
                        DJANGO_SETTINGS_MODULE="opphub.config.settings", EMAIL_HOST="127.0.0.1",
                        EMAIL_PORT=str(smtp_port), EMAIL_TIMEOUT="5", OPPHUB_NOTIFY_LEASE_SECONDS="3",
                        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.worker: subprocess.Popen[bytes] | None = None

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], env=self.env, cwd=ROOT, capture_output=True, text=True,
                              timeout=300)

    def opphub(self, *args: str) -> None:
        out = self.run("-m", "opphub.cli", *args)
        assert out.returncode == 0, out.stderr[-3000:]

    def step(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run("-m", "tests.notifications.crash_site", *args)

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """(kind, channel, state, key, subject) of every outside-channel delivery."""
        sql = ("SELECT kind, channel, state, key, subject FROM notifications_delivery "
               "WHERE channel != 'inapp' ORDER BY id")
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as db:
                return [tuple(r) for r in db.execute(sql).fetchall()]  # type: ignore[misc]
        with sqlite3.connect(self.root / "opphub.sqlite3", timeout=10) as db:
            return db.execute(sql).fetchall()

    def start_worker(self) -> None:
        log = open(self.root / "worker.log", "ab")  # noqa: SIM115
        self.worker = subprocess.Popen([sys.executable, "-m", "opphub.cli", "run_huey", "-w", "1", "-k", "thread"],
                                       env=self.env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT)

    def stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait()
            self.worker = None

    def wait_all_sent(self, timeout: float = 90) -> list[tuple[str, str, str, str, str]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.rows()
            if rows and all(r[2] == "sent" for r in rows):
                return rows
            time.sleep(0.3)
        log = (self.root / "worker.log").read_text() if (self.root / "worker.log").exists() else ""
        raise AssertionError(f"not all sent: {Counter(r[2] for r in self.rows())}\n{log[-3000:]}")


def _pg_database() -> str:
    """A database of this test's own on the server of DATABASE_URL (created fresh, dropped after)."""
    import psycopg

    base = urlsplit(os.environ["DATABASE_URL"])
    name = f"{base.path.lstrip('/') or 'opphub'}_crash"
    admin = urlunsplit(base._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(base._replace(path=f"/{name}"))


def _drop_pg(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def _crash_and_recover(tmp_path: Path, database_url: str) -> None:
    robot, smtp = HttpReceiver().start(), SmtpReceiver().start()
    site = CrashSite(tmp_path / "site", database_url=database_url, smtp_port=smtp.port)
    site.root.mkdir()
    try:
        site.opphub("migrate", "--noinput", "-v", "0")
        out = site.step("setup", robot.url())
        assert out.returncode == 0, out.stderr[-3000:]
        assert site.rows() == []

        for step in STEPS:
            out = site.step("crash", step)
            assert out.returncode == -signal.SIGKILL, (step, out.returncode, out.stderr[-3000:])
        # the processes died before handing anything to the worker: nothing was sent, everything is queued
        assert not robot.requests and not smtp.messages
        queued = site.rows()
        assert {r[0] for r in queued} >= EXPECTED_KINDS
        assert {r[2] for r in queued} == {"queued"}

        site.start_worker()  # a restarted worker re-drives at once
        sent = site.wait_all_sent()
        site.opphub("shell", "-c", "from opphub.notifications.sending import deliveries_send_due as d; d()")
        time.sleep(1.5)  # a second re-drive, and time for any stray send to arrive
        site.stop_worker()
    finally:
        site.stop_worker()
        robot.stop()
        smtp.stop()
        if database_url:
            _drop_pg(database_url)

    assert len(sent) == len(queued) and {r[3] for r in sent} == {r[3] for r in queued}
    # every email row arrived exactly once (the Message-ID is made from the row's key)
    emails = [r for r in sent if r[1] == "email"]
    assert {"won_handoff", "approval_requested", "escalation"} <= {r[0] for r in emails}
    got = Counter((str(make_header(decode_header(m["Subject"]))), m["Message-ID"]) for _f, _t, m in smtp.messages)
    assert len(smtp.messages) == len(emails)
    assert sorted(got.values()) == [1] * len(emails)
    assert Counter(s for s, _mid in got) == Counter(r[4] for r in emails)
    # every WeCom row was posted exactly once (robots have no id: count the posts carrying each subject)
    wecom = [r for r in sent if r[1] == "wecom"]
    assert {"won_handoff", "approval_requested", "escalation"} <= {r[0] for r in wecom}
    posts = [json.dumps(r.body, ensure_ascii=False) for r in robot.requests]
    assert len(posts) == len(wecom)
    for subject, count in Counter(r[4] for r in wecom).items():
        assert sum(subject in p for p in posts) == count, subject


def test_sigkill_after_commit_loses_no_message_sqlite(tmp_path: Any) -> None:
    """spec: S4, M2, M3 — a won hand-off, an approval request and an escalation each committed by a process
    that is SIGKILLed right after the commit: after a worker restart every message (email and WeCom) is
    delivered exactly once (SQLite)."""
    _crash_and_recover(tmp_path, "")


@pytest.mark.postgres
def test_sigkill_after_commit_loses_no_message_postgres(tmp_path: Any) -> None:
    """spec: S4, M2, M3 — the same on PostgreSQL: committed means delivered, exactly once."""
    _crash_and_recover(tmp_path, _pg_database())
