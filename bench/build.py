"""Build (once, cached by a marker file) the benchmark's data set in its own database.

SQLite: ``build/bench/bench.sqlite3``; PostgreSQL: database ``opphub_bench`` (created when missing).
Reuses the demo generator (``opphub.demo``) with larger counts: bulk_create in one transaction on
SQLite, COPY on PostgreSQL. Import this only after ``configure()`` and ``django.setup()``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent / "build" / "bench"
PG_SERVER = "postgres://postgres@127.0.0.1:5432/"
PG_NAME = "opphub_bench"
GENERATOR_VERSION = 1  # bump when the generator changes, so cached data sets are rebuilt


def database_url(db: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}"
    return PG_SERVER + PG_NAME


def _pg_admin(sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(PG_SERVER + "postgres", autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else []


def _marker(db: str) -> Path:
    return BENCH_DIR / f"{db}.built.json"


def wanted(args: object) -> dict:
    return {"opps": args.opps, "followups": args.followups, "seed": args.seed, "generator": GENERATOR_VERSION}


def prepare(db: str, args: object) -> bool:
    """Before Django connects: throw away a data set built with other parameters. True = build needed."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    marker = _marker(db)
    current = json.loads(marker.read_text()) if marker.exists() else None
    same = current is not None and {k: current.get(k) for k in wanted(args)} == wanted(args)
    if db == "postgres":
        exists = bool(_pg_admin(f"SELECT 1 FROM pg_database WHERE datname = '{PG_NAME}'"))
        if same and exists and not args.rebuild:
            return False
        if exists:
            _pg_admin(f"DROP DATABASE {PG_NAME} WITH (FORCE)")
        _pg_admin(f"CREATE DATABASE {PG_NAME}")
    else:
        path = BENCH_DIR / "bench.sqlite3"
        if same and path.exists() and not args.rebuild:
            return False
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    marker.unlink(missing_ok=True)
    return True


def build(db: str, args: object) -> dict:
    """Migrate and generate; returns the marker written (with counts and build time)."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from opphub.demo.generate import demo_generate

    started = time.perf_counter()
    print(f"[{db}] migrating ...", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # a throw-away data set: durability is not needed while loading
            cursor.execute("PRAGMA synchronous=OFF")
    print(f"[{db}] generating {args.opps:,} opportunities, ~{args.followups:,} follow-ups ...", flush=True)
    now = timezone.now()
    result = demo_generate(seed=args.seed, now=now, opportunities=args.opps, followups=args.followups,
                           customers=max(50, args.opps // 10), extra_reps_per_team=max(0, args.opps // 20000),
                           copy=connection.vendor == "postgresql", batch_size=5000, progress=True,
                           log=lambda msg: print(f"[{db}] {msg}", flush=True))
    print(f"[{db}] analysing ...", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    info = {**wanted(args), "anchor": now.isoformat(), "counts": result.counts,
            "build_seconds": round(time.perf_counter() - started, 1)}
    _marker(db).write_text(json.dumps(info, indent=1, ensure_ascii=False))
    print(f"[{db}] built in {info['build_seconds']} s: {result.counts}", flush=True)
    return info


def built_info(db: str) -> dict:
    return json.loads(_marker(db).read_text())
