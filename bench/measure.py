"""Time the opportunity card, the pipeline board, the opportunity list and My day in-process.

django.test.Client with ``force_login``; each request is timed with ``time.perf_counter`` (server time:
URL routing, middleware, view, queries, template rendering — no network). Warm-up requests first; then
``requests`` requests per page spread over random records and three users: the director (sees all), a
manager (a region and its sub-team) and a rep (own opportunities). One extra request per page and user
runs under ``CaptureQueriesContext`` to count the queries and find the slowest ones.
"""

from __future__ import annotations

import logging
import random
import re
import statistics
import time
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from opphub import access
from opphub.people.models import User

USERS = ("director", "manager.east", "zhang.wei")
PAGES = ("card", "board", "list", "myday")
WARMUP = 3
GOAL_MS = 100.0


@dataclass
class Result:
    page: str
    user: str
    timings: list[float] = field(default_factory=list)
    queries: int = 0
    db_ms: float = 0.0  # total query time of the sampled request
    errors: int = 0
    first_error: str = ""
    slowest: list[tuple[float, str]] = field(default_factory=list)
    explain: str = ""

    def pct(self, q: int) -> float:
        if len(self.timings) < 2:
            return self.timings[0] if self.timings else float("nan")
        return statistics.quantiles(self.timings, n=100, method="inclusive")[q - 1]


def _urls(page: str, user: User, rng: random.Random, count: int) -> list[str] | None:
    try:
        if page == "card":
            numbers = list(access.visible_opportunities(user).order_by("?").values_list("number", flat=True)[:count])
            return [reverse("opportunities:card", kwargs={"number": n}) for n in numbers]
        if page == "myday":  # one page per user: its cost is the user's own work, whatever the data size
            return [reverse("followups:my_day")] * count
        base = reverse(f"opportunities:{page}")
    except NoReverseMatch:
        return None
    if page == "board":
        variants = ["", "", "?industry=manufacturing", "?period=quarter", "?status=open"]
    else:
        names = list(access.visible_opportunities(user).order_by("?").values_list("customer__name", flat=True)[:20])
        variants = ["", "?sort=-amount", "?industry=manufacturing", "?status=open", "?period=90d",
                    *[f"?page={p}" for p in (2, 3, 5, 10, 40)], *[f"?q={n[2:4]}" for n in names[:5]]]
    return [base + rng.choice(variants) for _ in range(count)]


def _explain(sql: str) -> str:
    declared = re.match(r"\s*DECLARE .*? CURSOR .*? FOR (SELECT .*)", sql, re.S)  # .iterator() on PostgreSQL
    sql = declared[1] if declared else sql
    if not sql.lstrip().upper().startswith("SELECT"):
        return ""
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    try:
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            return "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
    except Exception as exc:  # a diagnostic only
        return f"(EXPLAIN failed: {exc})"


def _get(client: Client, url: str, result: Result) -> float:
    started = time.perf_counter()
    try:
        response = client.get(url)
        ok = response.status_code == 200
        problem = f"HTTP {response.status_code} at {url}"
    except Exception as exc:  # a failing page is reported, not fatal
        ok, problem = False, f"{type(exc).__name__}: {exc} at {url}"
    elapsed = (time.perf_counter() - started) * 1000
    if not ok:
        result.errors += 1
        result.first_error = result.first_error or problem
    return elapsed


def measure(requests: int, seed: int = 1) -> tuple[list[Result], list[str]]:
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # failures are counted, not printed
    rng = random.Random(seed)
    results: list[Result] = []
    missing: list[str] = []
    per_user = max(1, requests // len(USERS))
    for page in PAGES:
        for username in USERS:
            user = User.objects.get(username=username)
            urls = _urls(page, user, rng, per_user + WARMUP)
            if urls is None:
                missing.append(page)
                break
            if not urls:
                continue
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            result = Result(page=page, user=username)
            for url in urls[:WARMUP]:
                _get(client, url, result)
            result.errors, result.first_error = 0, ""
            for url in urls[WARMUP:]:
                result.timings.append(_get(client, url, result))
            with CaptureQueriesContext(connection) as ctx:
                _get(client, urls[WARMUP], result)
            result.queries = len(ctx.captured_queries)
            result.db_ms = sum(float(q["time"]) * 1000 for q in ctx.captured_queries)
            ranked = sorted(((float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries), reverse=True)
            result.slowest = ranked[:3]
            if result.timings and result.pct(95) > GOAL_MS and ranked:
                result.explain = _explain(ranked[0][1])
            results.append(result)
            print(f"  {page:5} {username:13} p50 {result.pct(50):7.1f} ms  p95 {result.pct(95):7.1f} ms  "
                  f"max {max(result.timings or [0]):7.1f} ms  {result.queries} queries ({result.db_ms:.0f} ms)  "
                  f"{result.errors} errors",
                  flush=True)
    return results, missing
