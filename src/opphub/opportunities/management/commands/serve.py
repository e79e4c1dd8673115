"""``opphub serve``: the production web server (gunicorn) with sane defaults, optionally with the worker.

Settings come from the environment (docs/operations.md): ``OPPHUB_BIND`` (default 127.0.0.1:8000, the
address nginx proxies to), ``OPPHUB_WEB_WORKERS`` (default 2 x CPUs + 1, at most 8),
``OPPHUB_WEB_TIMEOUT`` (seconds, default 60: the lifecycle PDF and the archive ZIP take a few seconds).
Run the worker (``opphub run_huey``) as its own service, or pass ``--with-worker`` to start it beside
gunicorn in this process group (one machine, one unit). Migrations are not run here: run
``opphub migrate`` on upgrades (docs/operations.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def gunicorn_argv(*, bind: str, workers: int, timeout: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "opphub.config.wsgi:application",
        "--bind", bind,
        "--workers", str(workers),
        "--timeout", str(timeout),
        "--graceful-timeout", "30",
        "--max-requests", "1000", "--max-requests-jitter", "100",  # recycle workers: no slow leak lives long
        "--access-logfile", "-", "--error-logfile", "-",
        "--no-control-socket",  # gunicorn 27's admin socket in $HOME: unused, and two instances would share it
        # X-Forwarded-* is trusted only from the proxy on this machine (gunicorn's default: 127.0.0.1)
        "--forwarded-allow-ips", os.environ.get("OPPHUB_FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]


class Command(BaseCommand):
    help = "Serve OppHub with gunicorn (production); --with-worker also starts the background worker."
    requires_system_checks: list[str] = []  # gunicorn's workers load the app (and the checks) themselves

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=os.environ.get("OPPHUB_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("OPPHUB_WEB_WORKERS", "0") or 0),
                            help="web processes (default: 2 x CPUs + 1, at most 8)")
        parser.add_argument("--timeout", type=int, default=int(os.environ.get("OPPHUB_WEB_TIMEOUT", "60")))
        parser.add_argument("--with-worker", action="store_true",
                            help="start `opphub run_huey` beside gunicorn and stop it with gunicorn")
        parser.add_argument("--print", action="store_true", dest="print_only",
                            help="print the gunicorn command line and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        argv = gunicorn_argv(bind=options["bind"], workers=options["workers"] or default_workers(),
                             timeout=options["timeout"])
        if options["print_only"]:
            self.stdout.write(" ".join(argv))
            return
        if not options["with_worker"]:
            os.execv(sys.executable, argv)  # noqa: S606  # gunicorn takes this process over (signals go to it)
        worker = subprocess.Popen([sys.executable, "-m", "opphub.cli", "run_huey"])
        web = subprocess.Popen(argv)  # noqa: S603  # our own fixed argv

        def stop(signum: int, _frame: Any) -> None:
            web.send_signal(signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            code = web.wait()
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
        sys.exit(code)
