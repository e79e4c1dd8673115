from typing import Any

from django.core.management.base import BaseCommand

from opphub.opportunities.playbooks import playbooks_sync


class Command(BaseCommand):
    help = "Store the playbook files' versions and point pipelines at their newest version."

    def handle(self, *args: Any, **options: Any) -> None:
        for line in playbooks_sync() or ["playbooks are up to date"]:
            self.stdout.write(line)
