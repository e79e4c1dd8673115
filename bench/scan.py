"""``python -m bench.scan [--db sqlite|postgres] [--opps N] [--followups N] [--sample N]``: time the full
set-based cadence + zombie + risk scan (opphub.alerts.scan) over every open opportunity of the bench data
set (built once and cached like ``bench.run``), cold (empty alert table) and rerun, against a per-row loop
baseline (the pure functions called per opportunity with its own queries) timed on a sample and scaled up.
Prints the figures; docs/benchmarks.md records them by hand with the command and machine."""

from __future__ import annotations

import argparse
import os
import random
import time


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scan")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--opps", type=int, default=100_000)
    parser.add_argument("--followups", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-x3", action="store_true", help="skip the X3 text/sequence signals")
    args = parser.parse_args()

    from . import build

    os.environ["OPPHUB_DATA_DIR"] = str(build.BENCH_DIR)
    os.environ["DATABASE_URL"] = build.database_url(args.db)
    os.environ["DJANGO_SETTINGS_MODULE"] = "opphub.config.settings"
    os.environ.setdefault("OPPHUB_ALLOWED_HOSTS", "localhost")
    needed = build.prepare(args.db, args)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    info = build.build(args.db, args) if needed else build.built_info(args.db)
    call_command("migrate", interactive=False, verbosity=0)  # the alerts tables on an older cached data set

    from opphub.alerts.models import Alert, PenaltyEntry
    from opphub.alerts.scan import scan_run
    from opphub.followups.models import FollowUp
    from opphub.methodology.cadence import CadenceInput, Touch, cadence_state
    from opphub.methodology.risk import assess
    from opphub.opportunities.models import Opportunity
    from opphub.opportunities.playbooks import playbook_of
    from opphub.opportunities.risks import stage_average
    from opphub.workdays.calendar import work_calendar

    now = timezone.localtime()
    open_count = Opportunity.objects.filter(status="open").count()
    print(f"[{args.db}] data set {info.get('counts')}; open opportunities: {open_count:,}", flush=True)
    Alert.objects.all().delete()
    PenaltyEntry.objects.all().delete()
    for label in ("cold", "rerun"):
        started = time.perf_counter()
        result = scan_run(now=now, x3=not args.no_x3, escalate=False)
        took = time.perf_counter() - started
        print(f"[{args.db}] scan {label}: {took:.1f} s; raised {dict(result.raised)}; penalties {result.penalties}; "
              f"x3 candidates {result.x3_candidates}; parts {result.seconds}", flush=True)

    ids = list(Opportunity.objects.filter(status="open").values_list("pk", flat=True))
    sample = random.Random(args.seed).sample(ids, min(args.sample, len(ids)))
    calendar = work_calendar()
    started = time.perf_counter()
    for pk in sample:  # the per-row loop the scan replaces
        opp = Opportunity.objects.select_related("playbook_version").get(pk=pk)
        book = playbook_of(opp.playbook_version)
        fus = list(FollowUp.objects.filter(opportunity_id=pk).order_by("occurred_at"))
        last = max(t for t in (opp.last_followup_at, opp.created_at) if t is not None)
        cadence_state(book, CadenceInput(stage=opp.stage, status="open", stage_entered_at=opp.stage_entered_at,
                                         touches=tuple(Touch(f.occurred_at, f.kind, f.direction) for f in fus),
                                         last_update_at=last), now, calendar)
        assess(book, stage=opp.stage, time_in_stage=now - opp.stage_entered_at,
               average=stage_average(book, opp.stage, now), touches=[(f.occurred_at, f.direction) for f in fus],
               notes=[f.notes for f in fus[-50:]], now=now)
    per_row = (time.perf_counter() - started) / max(len(sample), 1)
    print(f"[{args.db}] per-row baseline: {per_row * 1000:.2f} ms per opportunity on {len(sample)} sampled → "
          f"{per_row * open_count:.0f} s for {open_count:,}", flush=True)


if __name__ == "__main__":
    main()
