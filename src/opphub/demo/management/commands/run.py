import signal
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from opphub.opportunities.models import Opportunity


class Command(BaseCommand):
    help = "Migrate, sync playbooks, load the demo company into an empty database, then serve."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-demo", action="store_true", help="do not load demo data when empty")
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start the background worker (run `opphub run_huey` yourself)")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("playbooks_sync")
        if not options["no_demo"] and not Opportunity.objects.exists():
            call_command("demo")  # prints the demo logins
        else:
            self._print_demo_logins()
        self.stdout.write(self.style.SUCCESS(f"OppHub is at http://{options['addrport']}/"))
        # The huey worker (notifications, periodic jobs) runs beside the web server and stops with it.
        worker = None if options["no_worker"] else subprocess.Popen(
            [sys.executable, "-m", "opphub.cli", "run_huey"])
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so `finally` stops the worker on SIGTERM too
        try:
            call_command("runserver", options["addrport"], use_reloader=False)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _print_demo_logins(self) -> None:
        from opphub.demo.org import DEMO_PASSWORD, PEOPLE
        from opphub.people.models import User

        present = dict(User.objects.filter(username__in=[p[0] for p in PEOPLE], is_active=True)
                       .values_list("username", "role"))
        if not present:
            return
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD!r} unless you changed it):")
        for username, display, _role, _team in PEOPLE:
            if username in present:
                self.stdout.write(f"  {username:<15} {display}  {present[username]}")
