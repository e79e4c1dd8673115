from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from opphub.opportunities.models import Opportunity


class Command(BaseCommand):
    help = "Migrate, sync playbooks, load the demo company into an empty database, then serve."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-demo", action="store_true", help="do not load demo data when empty")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("playbooks_sync")
        if not options["no_demo"] and not Opportunity.objects.exists():
            call_command("demo")
        self.stdout.write(self.style.SUCCESS(f"OppHub is at http://{options['addrport']}/"))
        call_command("runserver", options["addrport"], use_reloader=False)
