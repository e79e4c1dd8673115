"""``opphub token_create <username> <name>``: issue an API token; the raw value is printed once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opphub.api.models import ApiToken
from opphub.people.models import User


class Command(BaseCommand):
    help = "Create an API token for a user (Authorization: Bearer <token>). The token is shown only once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the user the integration acts as")
        parser.add_argument("name", help="what the token is for, e.g. 'ERP sync'")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name:
            raise CommandError("The token needs a name (what it is for).")
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        if not user.is_active:
            raise CommandError(f"User {user.username!r} is inactive; activate them first.")
        token, raw = ApiToken.issue(user=user, name=name[:100])
        self.stdout.write(raw)
        self.stderr.write(f"Token {token.prefix}… “{token.name}” for {user.username} (role {user.role}). "
                          "Store it now: it cannot be shown again.")
