from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opphub.opportunities"
    label = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        # A broken playbook stops start-up here, with a message naming the key and the problem.
        from .playbooks import validate_playbook_files

        validate_playbook_files()
