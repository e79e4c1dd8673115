"""The scan benchmark's data set: many OPEN opportunities with a few follow-ups each (issue 4, "Show").

``bench.build`` reuses the demo generator, which closes most opportunities (~23 % stay open); the scan
only reads open ones, so this data set is a small demo company (users, teams, customers, closed stage
history for the learned M5 averages) plus ``open`` generated open opportunities, written straight to the
tables: ``COPY ... FROM STDIN`` (psycopg 3 ``cursor.copy``) on PostgreSQL, ``executemany`` in one
transaction on SQLite, in chunks so memory stays flat.

Cached in its own database — ``opphub_bench_scan`` on PostgreSQL, ``build/bench/scan.sqlite3`` — with a
marker file (``scan-<db>.built.json``); a rerun with the same parameters reuses it.

The spread (per opportunity, seeded):

- stage: discovery 35 %, confirmation 25 %, solution 25 %, closing 15 %; time in stage exponential
  around the stage's ``default_days`` (so roughly a fifth are past 1.5 × the average: M5);
- activity: 60 % active (last touch 0-3 days ago), 25 % slipping (3-12 days), 15 % gone quiet
  (12-90 days: zombies, P6); follow-ups 0-8 (mean ~4, 5 % none), most outbound, the customer answering
  within hours to two days; 6 % "went quiet": answered fast before, the latest outbound unanswered
  for 4-20 days (X3 slow response);
- notes: Simplified and Traditional Chinese sentences; 7 % carry an internal-discussion phrase
  ("内部讨论", "內部討論", "还在讨论", ...), some carry near misses ("研究院") that must not count.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from pathlib import Path
from typing import Any

from .build import BENCH_DIR, PG_SERVER, _pg_admin

PG_NAME = "opphub_bench_scan"
SQLITE = BENCH_DIR / "scan.sqlite3"
GENERATOR_VERSION = 2  # 2: SQLite datetimes stored as Django stores them
CHUNK = 20_000  # opportunities per write

STAGES = (("discovery", 0.35), ("confirmation", 0.25), ("solution", 0.25), ("closing", 0.15))
KINDS = ("phone", "wecom", "visit", "email", "meeting", "executive_visit", "interview")
PHRASES = ("内部讨论", "內部討論", "内部商量", "內部商量", "内部评估", "內部評估", "还在讨论", "還在討論",
           "内部研究", "內部研究")
PLAIN = (
    "电话沟通了项目进展，客户对报价有疑问", "微信发送了方案资料，等待反馈", "上门拜访，演示了核心功能",
    "與客戶確認了需求清單，下週再跟進", "客户IT负责人参加了会议，关注系统集成", "發送了報價單，客戶表示會盡快回覆",
    "约了下周二的高层拜访", "客户对实施周期比较关心", "和采购确认了预算范围", "客戶希望先做小範圍試點",
    "整理了访谈纪要发给客户", "客户提到竞争对手也在接触", "寄送了合同草稿", "客戶反饋功能基本滿足需求",
)
NEAR_MISS = ("客户的研究院也参与了评测", "對方研究院的同事在看方案", "讨论了上线时间表")  # no phrase as a token
TEMPLATES = ("客户表示{p}，下周再联系", "對方說目前{p}中，暫時沒有結論", "电话回访：{p}，需要时间", "{p}，预算还没定")


def database_url(db: str) -> str:
    return f"sqlite:///{SQLITE}" if db == "sqlite" else PG_SERVER + PG_NAME


def _marker(db: str) -> Path:
    return BENCH_DIR / f"scan-{db}.built.json"


def wanted(args: Any) -> dict[str, Any]:
    return {"open": args.open, "base": args.base, "seed": args.seed, "generator": GENERATOR_VERSION}


def prepare(db: str, args: Any) -> bool:
    """Before Django connects: drop a data set built with other parameters. True = build needed."""
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
        if same and SQLITE.exists() and not args.rebuild:
            return False
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE}{suffix}").unlink(missing_ok=True)
    marker.unlink(missing_ok=True)
    return True


def built_info(db: str) -> dict[str, Any]:
    return json.loads(_marker(db).read_text())


# ------------------------------------------------------------------ planning one opportunity


def _pick_stage(rng: random.Random) -> str:
    x = rng.random()
    for key, share in STAGES:
        if x < share:
            return key
        x -= share
    return STAGES[-1][0]


def _note(rng: random.Random) -> str:
    x = rng.random()
    if x < 0.07:
        return rng.choice(TEMPLATES).format(p=rng.choice(PHRASES))
    if x < 0.09:
        return rng.choice(NEAR_MISS)
    return rng.choice(PLAIN)


def _touches(rng: random.Random, created: dt.datetime, now: dt.datetime) -> list[tuple[dt.datetime, str]]:
    """(occurred_at, direction) oldest first, spread between creation and the activity profile's last touch."""
    n = 0 if rng.random() < 0.05 else min(8, 1 + int(rng.expovariate(1 / 3.0)))
    if n == 0:
        return []
    kind = rng.random()
    if kind < 0.60:
        last = now - dt.timedelta(days=rng.uniform(0, 3))
    elif kind < 0.85:
        last = now - dt.timedelta(days=rng.uniform(3, 12))
    else:
        last = now - dt.timedelta(days=rng.uniform(12, 90))
    last = max(last, created + dt.timedelta(hours=1))
    if n >= 3 and rng.random() < 0.06:  # went quiet: answered within a day, the latest outbound waits 4-20 days
        last = now - dt.timedelta(days=rng.uniform(4, 20))
        out: list[tuple[dt.datetime, str]] = []
        at = max(created, last - dt.timedelta(days=n * 3))
        for _ in range(n - 1):
            out.append((at, "out"))
            out.append((at + dt.timedelta(hours=rng.uniform(2, 20)), "in"))
            at += dt.timedelta(days=rng.uniform(2, 3))
        out.append((last, "out"))
        return sorted(out)
    span = max((last - created).total_seconds(), 3600.0)
    times = [*sorted(created + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(n - 1)), last]
    result = []
    for at in times:
        result.append((at, "in" if rng.random() < 0.3 else "out"))
    return result


class Planner:
    def __init__(self, rng: random.Random, now: dt.datetime, ctx: dict[str, Any]) -> None:
        self.rng = rng
        self.now = now
        self.ctx = ctx

    def plan(self, opp_id: int, next_fu: int) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
        rng, now, ctx = self.rng, self.now, self.ctx
        owner, team, region = rng.choice(ctx["owners"])
        customers = ctx["customers_by_region"].get(region) or ctx["customers"]
        stage = _pick_stage(rng)
        in_stage = dt.timedelta(days=min(400.0, rng.expovariate(1 / (ctx["default_days"][stage] * 0.9))))
        entered = now - in_stage - dt.timedelta(seconds=rng.uniform(0, 3600))
        created = entered - dt.timedelta(days=rng.uniform(0, 60) if stage != "discovery" else 0)
        touches = _touches(rng, created, now)
        followups = []
        for at, direction in touches:
            followups.append({"id": next_fu, "opportunity_id": opp_id, "author_id": owner,
                              "kind": rng.choice(KINDS), "direction": direction, "occurred_at": at,
                              "notes": _note(rng), "created_at": at})
            next_fu += 1
        amount = round(rng.lognormvariate(12.5, 0.8), -3)
        last_fu = touches[-1][0] if touches else None
        opp = {"id": opp_id, "number": f"BS-{opp_id:010d}", "name": f"扫描基准商机 {opp_id}",
               "customer_id": rng.choice(customers), "owner_id": owner, "team_id": team, "region_id": region,
               "amount": f"{amount:.2f}", "expected_close_date": (now + dt.timedelta(days=rng.randint(7, 180))).date(),
               "pipeline_id": ctx["pipeline"], "playbook_version_id": ctx["version"], "stage": stage,
               "status": "open", "stage_entered_at": entered, "last_followup_at": last_fu,
               "industry": rng.choice(ctx["industries"]), "company_size": rng.choice(ctx["sizes"]),
               "created_at": created, "updated_at": max(entered, last_fu or entered)}
        return opp, followups, next_fu


# ------------------------------------------------------------------ writing


def _columns(model: Any) -> tuple[list[str], dict[str, Any]]:
    """Every concrete column (attname) and the default the planner leaves out."""
    names, defaults = [], {}
    for f in model._meta.concrete_fields:
        names.append(f.attname)
        if f.has_default():
            defaults[f.attname] = f.get_default()
        elif f.null:
            defaults[f.attname] = None
        else:
            defaults[f.attname] = ""
    return names, defaults


class TableWriter:
    def __init__(self, connection: Any, model: Any) -> None:
        self.connection = connection
        self.model = model
        self.names, self.defaults = _columns(model)
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
        self.cols = ", ".join(quote(by_attname[n]) for n in self.names)
        self.count = 0

    def _adapt(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return self.connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, dt.date):
            return self.connection.ops.adapt_datefield_value(value)
        return value

    def write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        self.count += len(rows)
        tuples = [tuple(row.get(n, self.defaults[n]) for n in self.names) for row in rows]
        if self.connection.vendor != "postgresql":  # stored as Django stores them (naive UTC text)
            tuples = [tuple(self._adapt(v) for v in t) for t in tuples]
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({self.cols}) FROM STDIN") as copy:
                    for t in tuples:
                        copy.write_row(t)
            else:
                marks = ", ".join(["%s"] * len(self.names))
                cursor.executemany(f"INSERT INTO {self.table} ({self.cols}) VALUES ({marks})", tuples)


def _context(now: dt.datetime) -> dict[str, Any]:
    from opphub.customers.models import CompanySize, Customer, Industry
    from opphub.opportunities.models import Opportunity
    from opphub.opportunities.playbooks import default_pipeline, playbook_of

    pipeline = default_pipeline()
    book = playbook_of(pipeline.current_version)
    owners = sorted(set(Opportunity.objects.values_list("owner_id", "team_id", "region_id")))
    customers_by_region: dict[int, list[int]] = {}
    for pk, region in Customer.objects.values_list("pk", "region_id"):
        customers_by_region.setdefault(region, []).append(pk)
    return {"pipeline": pipeline.pk, "version": pipeline.current_version_id, "owners": owners,
            "customers_by_region": customers_by_region,
            "customers": [c for v in customers_by_region.values() for c in v],
            "default_days": {s.key: float(s.default_days) for s in book.stages},
            "industries": [c for c, _l in Industry.choices], "sizes": [c for c, _l in CompanySize.choices]}


def build(db: str, args: Any) -> dict[str, Any]:
    """Migrate, generate the small demo company, then the open opportunities; returns the marker."""
    import resource

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone
    from tqdm import tqdm

    from opphub.demo.generate import demo_generate
    from opphub.followups.models import FollowUp
    from opphub.opportunities.models import Opportunity

    started = time.perf_counter()
    say = lambda msg: print(f"[{db}] {msg}", flush=True)  # noqa: E731
    say("migrating ...")
    call_command("migrate", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # a throw-away data set: durability is not needed while loading
            cursor.execute("PRAGMA synchronous=OFF")
    now = timezone.localtime()
    say(f"base demo company: {args.base:,} opportunities (mostly closed: stage history for the M5 averages) ...")
    demo_generate(seed=args.seed, now=now, opportunities=args.base, customers=max(200, args.base // 2),
                  extra_reps_per_team=max(0, args.open // 50_000), batch_size=5000)  # small: no COPY needed
    base_seconds = time.perf_counter() - started
    ctx = _context(now)
    rng = random.Random(args.seed)
    planner = Planner(rng, now, ctx)
    next_opp = (Opportunity.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    next_fu = (FollowUp.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    opps_w, fus_w = TableWriter(connection, Opportunity), TableWriter(connection, FollowUp)
    say(f"generating {args.open:,} open opportunities with follow-ups ...")
    t = time.perf_counter()
    bar = tqdm(total=args.open, unit="opp", mininterval=2)
    with transaction.atomic():
        for start in range(0, args.open, CHUNK):
            opps, fus = [], []
            for i in range(start, min(args.open, start + CHUNK)):
                opp, followups, next_fu = planner.plan(next_opp + i, next_fu)
                opps.append(opp)
                fus.extend(followups)
            opps_w.write(opps)
            fus_w.write(fus)
            bar.update(len(opps))
    bar.close()
    generate_seconds = time.perf_counter() - t
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Opportunity, FollowUp]):
            cursor.execute(sql)
    say("analysing ...")
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    counts = {"opportunities": Opportunity.objects.count(),
              "open": Opportunity.objects.filter(status="open").count(),
              "followups": FollowUp.objects.count()}
    info = {**wanted(args), "anchor": now.isoformat(), "counts": counts,
            "build_seconds": round(time.perf_counter() - started, 1), "base_seconds": round(base_seconds, 1),
            "generate_seconds": round(generate_seconds, 1), "analyse_seconds": round(time.perf_counter() - t, 1),
            "generated": {"opportunities": opps_w.count, "followups": fus_w.count},
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    _marker(db).write_text(json.dumps(info, indent=1, ensure_ascii=False))
    say(f"built in {info['build_seconds']} s (base {info['base_seconds']} s, open opportunities "
        f"{info['generate_seconds']} s, analyse {info['analyse_seconds']} s): {counts}; peak RSS "
        f"{info['peak_rss_mb']} MB")
    return info
