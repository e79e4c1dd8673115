"""The ``opphub`` command: Django's manage.py with OppHub's settings.

    opphub demo            load the demo company into an empty database
    opphub run [addr:port] migrate, sync playbooks, load demo data when empty, serve
    opphub <django command> anything manage.py does (migrate, createsuperuser, ...)
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opphub.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["opphub", *argv])
    args[0] = "opphub"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
