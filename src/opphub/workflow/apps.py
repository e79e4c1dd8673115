from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    """Stage moves, closing and the H4 health decision: the layer above ``opportunities`` and ``gates``
    (docs/decisions.md). Registers the H4 review as the handler of ``common.inputs.inputs_changed``."""

    name = "opphub.workflow"
    label = "workflow"

    def ready(self) -> None:
        from opphub.common.inputs import on_inputs_changed

        from .health import health_review_handler

        on_inputs_changed(health_review_handler)
