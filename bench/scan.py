"""``python -m bench.scan [--db sqlite|postgres] [--open N | --opps N --followups N] [--sample N]``: time the
full set-based cadence + zombie + risk scan (opphub.alerts.scan) over every open opportunity — cold (empty
alert table), rerun (nothing new) and on the next working day (same time: what fell due since) — against a
per-row loop baseline (the pure functions called per opportunity with its own ORM queries) timed on a
sample and extrapolated to every open opportunity.

Data sets (each built once and cached):

- ``--open N`` (the issue's sizes: 1,000,000 on PostgreSQL, 100,000 on SQLite): a small demo company plus N
  generated open opportunities with a few follow-ups each (``bench.scan_data``; database
  ``opphub_bench_scan`` / ``build/bench/scan.sqlite3``);
- without ``--open``: the page benchmark's demo data set (``bench.build``, ~23 % open).

Prints the figures and the peak RSS of this process; docs/benchmarks.md records them with the command
and machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time

GOAL_S = 30.0  # issue 4: the full scan over 1M open opportunities on PostgreSQL
GOAL_OPEN = 1_000_000


def _rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _plain(counts: dict) -> dict[str, int]:
    return {str(k): v for k, v in counts.items()}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scan")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--open", type=int, default=0, help="generated open opportunities (scan data set)")
    parser.add_argument("--base", type=int, default=3000, help="demo company under --open (opportunities)")
    parser.add_argument("--opps", type=int, default=100_000, help="without --open: the demo data set's size")
    parser.add_argument("--followups", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=1000, help="opportunities the per-row baseline times")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-x3", action="store_true", help="skip the X3 text/sequence signals")
    parser.add_argument("--build-only", action="store_true", help="build (or reuse) the data set and stop")
    args = parser.parse_args()

    if args.open:
        from . import scan_data as data
    else:
        from . import build as data  # type: ignore[no-redef]
    from .build import BENCH_DIR

    os.environ["OPPHUB_DATA_DIR"] = str(BENCH_DIR)
    os.environ["DATABASE_URL"] = data.database_url(args.db)
    os.environ["DJANGO_SETTINGS_MODULE"] = "opphub.config.settings"
    os.environ.setdefault("OPPHUB_ALLOWED_HOSTS", "localhost")
    needed = data.prepare(args.db, args)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    info = data.build(args.db, args) if needed else data.built_info(args.db)
    call_command("migrate", interactive=False, verbosity=0)  # the alerts tables on an older cached data set
    if args.build_only:
        return 0

    from opphub.alerts.models import Alert, PenaltyEntry
    from opphub.alerts.scan import scan_run
    from opphub.followups.models import FollowUp
    from opphub.methodology.business_days import next_working_day
    from opphub.methodology.cadence import CadenceInput, Touch, cadence_state
    from opphub.methodology.risk import assess
    from opphub.opportunities.models import Opportunity
    from opphub.opportunities.playbooks import playbook_of
    from opphub.opportunities.risks import stage_average
    from opphub.workdays.calendar import work_calendar

    now = timezone.localtime()
    open_count = Opportunity.objects.filter(status="open").count()
    print(f"[{args.db}] data set {info.get('counts')} (built in {info.get('build_seconds')} s); "
          f"open opportunities: {open_count:,}; peak RSS so far {_rss_mb()} MB", flush=True)
    Alert.objects.all().delete()
    PenaltyEntry.objects.all().delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE alerts_alert")
            cursor.execute("VACUUM ANALYZE alerts_penaltyentry")
    took_s: dict[str, float] = {}
    later = dt.datetime.combine(next_working_day(work_calendar(), now.date()), now.timetz())
    runs = (("cold", now), ("rerun", now), ("next working day", later))
    for label, at in runs:  # first scan ever; an idempotent rerun; the next working day (what fell due since)
        started = time.perf_counter()
        result = scan_run(now=at, x3=not args.no_x3, escalate=False)
        took = took_s[label] = time.perf_counter() - started
        print(f"[{args.db}] scan {label}: {took:.1f} s; raised {_plain(result.raised)}; "
              f"resolved {_plain(result.resolved)}; penalties {result.penalties}; "
              f"x3 candidates {result.x3_candidates:,}; parts {result.seconds}; peak RSS {_rss_mb()} MB", flush=True)

    ids = list(Opportunity.objects.filter(status="open").values_list("pk", flat=True))
    sample = random.Random(args.seed).sample(ids, min(args.sample, len(ids)))
    del ids
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
               average=stage_average(book, opp.stage, now, pipeline_id=opp.pipeline_id,
                                     version_id=opp.playbook_version_id),
               touches=[(f.occurred_at, f.direction) for f in fus],
               notes=[f.notes for f in fus[-book.rules.risk_window_followups:]], now=now)
    per_row = (time.perf_counter() - started) / max(len(sample), 1)
    print(f"[{args.db}] per-row baseline: {per_row * 1000:.2f} ms per opportunity measured on {len(sample)} "
          f"sampled → EXTRAPOLATED {per_row * open_count:.0f} s for {open_count:,} (evaluation only: no alert "
          f"writes)", flush=True)
    if args.db == "postgres" and open_count >= GOAL_OPEN:
        missed = [label for label, took in took_s.items() if took > GOAL_S]
        print(f"[{args.db}] goal ≤ {GOAL_S:.0f} s over {open_count:,} open: "
              f"{'missed by the ' + ' and '.join(missed) + ' scan' if missed else 'met'}", flush=True)
        return 1 if missed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
