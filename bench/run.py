"""``make bench`` = ``.venv/bin/python -m bench.run [--db sqlite|postgres|both] [--opps N] [--followups N]
[--requests N] [--seed N] [--rebuild] [--no-write]``. See docs/benchmarks.md."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--opps", type=int, default=100_000, help="opportunities (default 100,000)")
    parser.add_argument("--followups", type=int, default=1_000_000, help="follow-ups (default 1,000,000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the data set even when cached")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    raw = list(sys.argv[1:] if argv is None else argv)
    if args.db == "both":  # one process per database: Django's settings are fixed at setup
        codes = []
        for db in ("sqlite", "postgres"):
            rest = [a for a in raw if a not in ("--db", "both") and not a.startswith("--db=")]
            codes.append(subprocess.call([sys.executable, "-m", "bench.run", "--db", db, *rest]))
        return max(codes)

    from . import build  # no Django import at module level: settings come from the environment

    os.environ["OPPHUB_DATA_DIR"] = str(build.BENCH_DIR)
    os.environ["DATABASE_URL"] = build.database_url(args.db)
    os.environ["DJANGO_SETTINGS_MODULE"] = "opphub.config.settings"
    os.environ.setdefault("OPPHUB_ALLOWED_HOSTS", "localhost")
    needed = build.prepare(args.db, args)

    import django

    django.setup()
    from . import measure, report

    info = build.build(args.db, args) if needed else build.built_info(args.db)
    if not needed:
        print(f"[{args.db}] using the cached data set: {info.get('counts')}", flush=True)
    print(f"[{args.db}] measuring {args.requests} requests per page ...", flush=True)
    results, missing = measure.measure(args.requests, seed=args.seed)
    for page in missing:
        print(f"[{args.db}] route opportunities:{page} does not exist yet: skipped", flush=True)
    text = report.section(args.db, results, missing, info, args.requests)
    if not args.no_write:
        report.write(args.db, text)
        print(f"[{args.db}] wrote {report.DOC}", flush=True)
    failed = [r for r in results if r.errors or r.pct(95) > measure.GOAL_MS]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
