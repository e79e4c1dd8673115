"""``opphub demo [--seed N] [--scale 1.0] [--force]``: load the demo company (see docs/demo-data.md)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from opphub.demo.generate import DemoRefused, demo_generate


class Command(BaseCommand):
    help = ("Load a realistic demo company (teams, ~20 users in every role, ~300 customers, ~1,500 "
            "opportunities, ~12,000 follow-ups) into an empty database. Same seed, same data.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--scale", type=float, default=1.0, help="size factor (default 1.0)")
        parser.add_argument("--force", action="store_true",
                            help="DELETE all customers, contacts, opportunities and follow-ups first")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] <= 0:
            raise CommandError("--scale must be above 0")
        try:
            result = demo_generate(seed=options["seed"], scale=options["scale"], force=options["force"],
                                   progress=options["verbosity"] > 0, log=self.stdout.write)
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{n:,} {label.split('.')[-1].lower()}" for label, n in result.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {result.seconds:.1f} s: {counts}"))
        rows = [("username", "role", "team", "password"), *result.org.logins()]
        widths = [max(_width(r[i]) for r in rows) for i in range(4)]
        for n, row in enumerate(rows):
            self.stdout.write("  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)))
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))


def _width(text: str) -> int:
    """Columns a text takes in a terminal (CJK characters take two)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
