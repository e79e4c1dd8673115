"""Write the results into docs/benchmarks.md: the header stays, the run's database section is replaced."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import sqlite3
from pathlib import Path

import django
from django.db import connection

from .measure import GOAL_MS, Result

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Server time of the pages people open most — the opportunity card (M1 "the whole picture in
10 seconds"), the pipeline board and the opportunity list (M4, P4), and My day (P1: each user's own
work, the page everyone opens first) — on a large data set.

    make bench                                   # SQLite
    make bench BENCH_ARGS="--db postgres"        # PostgreSQL (database opphub_bench on 127.0.0.1:5432)
    make bench BENCH_ARGS="--db both --requests 300"
    .venv/bin/python -m bench.run --help         # --opps, --followups, --requests, --seed, --rebuild

The first run builds the data set (100,000 opportunities, ~1,000,000 follow-ups, ~10,000 customers,
~40,000 contacts, their stage histories and assignments; the demo generator `opphub.demo` with larger
counts) in its own database — `build/bench/bench.sqlite3` or the PostgreSQL database `opphub_bench` —
and caches it (a marker file in `build/bench/` records the parameters; other parameters rebuild it).
Each page is then requested in-process with `django.test.Client` after `force_login`, timed with
`time.perf_counter` (routing, middleware, view, queries, templates; no network), after warm-up
requests, spread over random records and filters and three users: the director (sees everything), a
manager (`manager.east`: a region with its sub-team) and a rep (`zhang.wei`: own opportunities).
The query count and "query ms" (the summed time of those queries) come from one extra request
under `CaptureQueriesContext`: the rest of a request's time is Python and templates. **Goal: p95 ≤ 100 ms.**
A page over the goal lists its slowest query and that query's plan.

"""


def _machine() -> str:
    mem = "?"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, TypeError):
        pass
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        db = f"SQLite {sqlite3.sqlite_version}"
    return (f"{os.cpu_count()} CPUs (`nproc`), {mem} memory, {platform.platform()}; Python "
            f"{platform.python_version()}, Django {django.get_version()}, {db}")


def section(db: str, results: list[Result], missing: list[str], info: dict, requests: int) -> str:
    title = "SQLite" if db == "sqlite" else "PostgreSQL"
    counts = info.get("counts", {})
    data = ", ".join(f"{n:,} {label.split('.')[-1].lower()}" for label, n in counts.items())
    lines = [f"<!-- bench:{db}:start -->", f"## {title}", "",
             f"- run: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {requests} requests per page",
             f"- machine: {_machine()}",
             f"- data: {data} (seed {info.get('seed')}, built in {info.get('build_seconds')} s)", "",
             "| page | user | requests | p50 ms | p95 ms | max ms | queries | query ms | errors | goal |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        ok = "✅" if r.pct(95) <= GOAL_MS and not r.errors else "❌"
        lines.append(f"| {r.page} | {r.user} | {len(r.timings)} | {r.pct(50):.1f} | {r.pct(95):.1f} | "
                     f"{max(r.timings or [0]):.1f} | {r.queries} | {r.db_ms:.0f} | {r.errors} | {ok} |")
    for page in missing:
        lines.append(f"| {page} | – | – | – | – | – | – | – | – | route `opportunities:{page}` not there yet |")
    errors = [r for r in results if r.errors]
    for r in errors:
        lines += ["", f"{r.page} as {r.user}: {r.errors} failed requests, first: `{r.first_error[:300]}`"]
    slow = [r for r in results if r.timings and r.pct(95) > GOAL_MS]
    for r in slow:
        ms, sql = r.slowest[0] if r.slowest else (0.0, "")
        lines += ["", f"**{r.page} as {r.user} misses the goal.** Slowest query ({ms:.1f} ms):", "",
                  "```sql", sql[:1500], "```"]
        if r.explain:
            lines += ["", "Plan:", "", "```", r.explain[:2500], "```"]
    lines.append(f"<!-- bench:{db}:end -->")
    return "\n".join(lines) + "\n"


def write(db: str, text: str) -> None:
    """Replace this database's section of docs/benchmarks.md in place; everything else in the file (the
    other database's section, the scan benchmark below them) stays as it is."""
    body = DOC.read_text(encoding="utf-8") if DOC.exists() else HEADER
    pattern = re.compile(rf"<!-- bench:{db}:start -->.*?<!-- bench:{db}:end -->\n?", re.S)
    if pattern.search(body):
        body = pattern.sub(lambda _m: text, body, count=1)
    else:  # a new section goes after the existing ones (sqlite before postgres), else at the end
        ends = [m.end() for d in ("sqlite", "postgres")
                if (m := re.search(rf"<!-- bench:{d}:end -->\n?", body))]
        at = max(ends) if ends else len(body)
        body = body[:at] + ("\n" if ends else "") + text + body[at:]
    DOC.write_text(body, encoding="utf-8")
