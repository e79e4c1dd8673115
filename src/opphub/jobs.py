"""Every periodic job of OppHub, declared here and only here.

A job is a dotted path to a plain function (a service taking no arguments, or only keyword arguments with
defaults) and a schedule. Add a line to ``PERIODIC_JOBS``; ``opphub run_huey`` runs it on schedule (the
worker checks schedules once a minute). Keep the functions idempotent: a job may run twice after a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    function: str  # "package.module.function"
    schedule: Any  # a huey.crontab(...)


PERIODIC_JOBS: list[PeriodicJob] = [
    # The notification outbox: send retries whose backoff has passed and rows whose worker died.
    PeriodicJob("notifications.redrive", "opphub.notifications.sending.deliveries_send_due", crontab(minute="*")),
    # Cadence, zombie and risk scan over every open opportunity, then escalation (alerts.scan, issue 4).
    PeriodicJob("alerts.scan", "opphub.alerts.scan.scan_job", crontab(minute="*/15")),
    # H4 at the end of every stage: the opportunities whose gate became complete without a write telling
    # the workflow (an interview logged, a supporter assigned, time passing) — one short transaction each.
    PeriodicJob("workflow.health_scan", "opphub.workflow.health.health_scan_job", crontab(minute="*/15")),
]


def _call(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)()


def _register(job: PeriodicJob) -> Any:
    def run() -> Any:
        return _call(job.function)

    return db_periodic_task(job.schedule, name=job.name)(run)


# The huey tasks, by job name (``REGISTERED["notifications.redrive"]()`` queues one run now).
REGISTERED: dict[str, Any] = {job.name: _register(job) for job in PERIODIC_JOBS}
