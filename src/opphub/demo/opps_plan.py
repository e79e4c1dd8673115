"""Seeded plan of opportunities with their stage histories, assignments and follow-ups as plain rows.

The simulation walks each opportunity through the playbook's stages the way the services would record
it: forward one stage at a time (now and then back one stage, H4), lost from any open stage, won only
from the last open stage, then the archive stage. What has not finished by ``now`` stays open in the
stage it is in. No database access; ``now`` is the anchor, so one seed always gives the same rows.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal

from opphub.methodology.numbering import format_number

from . import notes as texts
from .customers_plan import CustomerInfo
from .vocab import MAX_AMOUNT, MIN_AMOUNT, PAIN_POINTS, PRODUCTS, PRODUCTS_BY_INDUSTRY, PROJECT_KINDS, TIMELINES

ADVANCE = (0.65, 0.78, 0.72, 0.75)  # chance to pass each open stage; the rest is lost there
PACE = (1.0, 1.8, 1.0, 1.3)  # real stages run longer than the playbook's defaults (the goal is to shorten them)
LOSS_REASONS = ("price", "requirement_change", "decision_maker_change", "internal_resources")
LOSS_SHARES = (35, 25, 20, 20)  # X1
STAGE_KINDS = {
    0: (("phone", 5), ("wecom", 4), ("email", 1)),
    1: (("visit", 4), ("interview", 2), ("phone", 2), ("wecom", 2)),
    2: (("meeting", 4), ("executive_visit", 1), ("phone", 2), ("wecom", 2), ("email", 1)),
    3: (("phone", 4), ("meeting", 3), ("email", 2), ("wecom", 2)),
    4: (("phone", 1), ("meeting", 1)),
}
REQUIRED_KIND = {1: "interview", 2: "executive_visit"}  # S2 in-depth interview, S3 executive visit
SOURCES = (("inbound", 35), ("event", 20), ("outbound", 30), ("referral", 15))


@dataclass
class Context:
    """Everything the plan needs from the database, as plain values."""

    now: datetime
    tz: tzinfo
    stage_keys: tuple[str, ...]  # open stages then the archive stage
    stage_days: tuple[int, ...]
    pipeline_id: int
    version_id: int
    team_ids: dict[str, int]
    sellers: dict[str, list[int]]  # team key -> owner candidates (reps, then the manager)
    managers: dict[str, int]
    presales: dict[str, int]  # team key -> presales engineer
    cs_ids: list[int]
    finance_ids: list[int]
    legal_ids: list[int]
    products: dict[str, tuple[int, int, int]]  # code -> (id, low, high)
    region_ids: dict[str, int]
    window_days: int = 548
    followups_mean: float = 9.0
    number_start: dict[tuple[str, int], int] = field(default_factory=dict)


@dataclass
class Seed:
    """Step 1 of an opportunity: who and when (cheap; made for all before numbering)."""

    customer: CustomerInfo
    created: datetime
    force: tuple[str, int] | None = None
    id: int = 0
    number: str = ""


@dataclass
class Walk:
    """What the stage-gate plan (``gates_plan``) needs to know about one planned opportunity."""

    opportunity: dict
    customer: CustomerInfo
    events: list[tuple[int, datetime, str]]
    status: str
    loss_reason: str
    manager_id: int
    product: str
    pains: list[str]
    price_band_min: Decimal
    assigned: dict[str, tuple[int, datetime]] = field(default_factory=dict)  # role -> (user id, when)
    followups: list[tuple[int, str, datetime, list[int], str]] = field(default_factory=list)  # id kind at who obj


@dataclass
class Rows:
    opportunities: list[dict] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    assignments: list[dict] = field(default_factory=list)
    followups: list[dict] = field(default_factory=list)
    followup_contacts: list[dict] = field(default_factory=list)
    walks: list[Walk] = field(default_factory=list)


def plan_seeds(rng: random.Random, ctx: Context, customers: list[CustomerInfo], count: int,
               first_id: int) -> list[Seed]:
    """Customers and creation times, sorted by creation; ids and YEAR-REGION-SEQ numbers in that order."""
    weights = [c.weight for c in customers]
    picked = rng.choices(customers, weights=weights, k=count)
    seeds = []
    for customer in picked:
        age = ctx.window_days * rng.random() ** 1.7  # a growing business: more recent than old
        local = (ctx.now - timedelta(days=age)).astimezone(ctx.tz)
        local = local.replace(hour=rng.randint(9, 18), minute=rng.randrange(60), second=rng.randrange(60),
                              microsecond=0)
        created = local if local < ctx.now else ctx.now - timedelta(minutes=rng.randint(5, 120))
        seeds.append(Seed(customer=customer, created=created))
    # Guarantee every open stage and both outcomes, whatever the scale (S1-S5).
    n_open = len(ctx.stage_keys) - 1
    targets = [(("open", k), sum(ctx.stage_days[:k]) + ctx.stage_days[k] / 2) for k in range(n_open)]
    targets += [(("lost", 1), 60.0), (("won", n_open - 1), sum(ctx.stage_days[:n_open]) * 2.0)]
    used: set[int] = set()
    for force, days in targets:
        best = min((i for i in range(len(seeds)) if i not in used),
                   key=lambda i: abs((ctx.now - seeds[i].created).total_seconds() / 86400 - days), default=None)
        if best is not None:
            used.add(best)
            seeds[best].force = force
    seeds.sort(key=lambda s: (s.created, s.customer.id))
    seq = dict(ctx.number_start)
    for i, seed in enumerate(seeds):
        seed.id = first_id + i
        key = (seed.customer.region, seed.created.astimezone(ctx.tz).year)
        seq[key] = seq.get(key, 0) + 1
        seed.number = format_number(key[1], key[0], seq[key])
    ctx.number_start = seq  # the NumberSequence.last values to store
    return seeds


def _work_hours(rng: random.Random, ctx: Context, t: datetime) -> datetime:
    """Move a time outside 09:00-19:00 local forward into the next working hours (order is kept)."""
    local = t.astimezone(ctx.tz)
    if local.hour < 9:
        return local.replace(hour=9 + rng.randrange(3), minute=rng.randrange(60))
    if local.hour >= 19:
        return (local + timedelta(days=1)).replace(hour=9 + rng.randrange(3), minute=rng.randrange(60))
    return t


def _duration(rng: random.Random, days: float) -> timedelta:
    value = days * math.exp(rng.gauss(-0.1, 0.55))
    if rng.random() < 0.06:
        value *= rng.uniform(2, 4)  # stalled: the M5 risk warning has something to show
    return timedelta(days=max(0.5, value))


def _timeline(rng: random.Random, ctx: Context, seed: Seed) -> tuple[list[tuple[int, datetime, str]], str, str]:
    """Stage entries [(stage index, entered, note)], status and loss reason."""
    n_open = len(ctx.stage_keys) - 1
    force = seed.force
    age = ctx.now - seed.created
    planned = [_duration(rng, d * PACE[i % len(PACE)]) for i, d in enumerate(ctx.stage_days[:n_open])]
    if force:
        before = sum(planned[:force[1] + (force[0] != "open")], timedelta())
        if before >= age * 0.9:
            scale = (age * 0.8) / before
            planned = [p * scale for p in planned]
    events: list[tuple[int, datetime, str]] = [(0, seed.created, "")]
    stage, t, went_back = 0, seed.created, False
    while True:
        end = _work_hours(rng, ctx, t + planned[stage])
        if force and force[0] == "open" and stage == force[1]:
            end = ctx.now + timedelta(days=1)
        if end >= ctx.now:
            return events, "open", ""
        # H4: the health score (< 60) sends S2 and S3 back one stage; S4 ends in won/lost, not scored
        if not went_back and 0 < stage < n_open - 1 and not force and rng.random() < 0.04:
            went_back = True
            events.append((stage - 1, end, "健康度低于60分，退回上一阶段补充材料"))
            t = _work_hours(rng, ctx, end + timedelta(days=rng.uniform(2, 6)))
            if t >= ctx.now:
                return events, "open", ""
            events.append((stage, t, "材料已补充，重新推进"))
            planned[stage] = _duration(rng, ctx.stage_days[stage])
            continue
        advance = (force[0] in ("open", "won") or stage < force[1]) if force else rng.random() < ADVANCE[stage]
        if not advance:
            reason = rng.choices(LOSS_REASONS, weights=LOSS_SHARES)[0]
            events.append((n_open, end, texts.close_note(rng, outcome="lost", loss_reason=reason)))
            return events, "lost", reason
        if stage == n_open - 1:
            events.append((n_open, end, texts.close_note(rng, outcome="won", loss_reason="")))
            return events, "won", ""
        stage, t = stage + 1, end
        events.append((stage, t, ""))


def _amount(rng: random.Random, ctx: Context, codes: list[str]) -> Decimal:
    total = 0.0
    for code in codes:
        _pid, low, high = ctx.products[code]
        total += low + (high - low) * rng.betavariate(1.3, 3.5)
    value = Decimal(round(total / 1000) * 1000)
    return min(max(value, MIN_AMOUNT), MAX_AMOUNT)


def _round_wan(value: Decimal) -> Decimal:
    return (value / 10000).quantize(Decimal(1)) * 10000


def plan_opportunity(rng: random.Random, ctx: Context, seed: Seed, rows: Rows, next_followup_id: int) -> int:
    """Append one opportunity's rows; returns the next free follow-up id."""
    customer = seed.customer
    team = customer.team_key
    owner_id = customer.owner_id if rng.random() < 0.8 else rng.choice(ctx.sellers[team])
    events, status, reason = _timeline(rng, ctx, seed)
    n_open = len(ctx.stage_keys) - 1
    last_stage, last_at, _ = events[-1]
    closed_at = last_at if status != "open" else None
    primary = rng.choice(PRODUCTS_BY_INDUSTRY[customer.industry])
    codes = [primary]
    extra = [c for c in ctx.products if c != primary]
    if rng.random() < 0.3:
        codes.append(rng.choice(extra))
        if rng.random() < 0.25:
            codes.append(rng.choice([c for c in extra if c not in codes]))
    amount = _amount(rng, ctx, codes)
    product_name = next(name for code, name, _lo, _hi in PRODUCTS if code == primary).replace(" ", "")
    pains = rng.sample(PAIN_POINTS[primary], k=3)
    reached = max(e[0] for e in events)
    top = max(e[0] for e in events if e[0] < n_open)  # the furthest open stage it got to
    young = status == "open" and reached == 0
    screening_done = not young or rng.random() < 0.6
    end = closed_at or ctx.now
    if status == "open":
        close_local = (seed.created + timedelta(days=rng.uniform(60, 150))).astimezone(ctx.tz).date()
        if close_local < ctx.now.astimezone(ctx.tz).date():
            close_local = (ctx.now + timedelta(days=rng.uniform(14, 90))).astimezone(ctx.tz).date()
    else:
        close_local = last_at.astimezone(ctx.tz).date()
    contacts = customer.contacts
    roles_text = "；".join(
        f"{ {'decision_maker': '决策人', 'influencer': '影响者', 'user': '使用者'}.get(c.decision_role, '其他')}："
        f"{c.title} {c.name}" for c in contacts[:3])
    budget = screening_done and (rng.random() < 0.85 or top > 0)  # S1→S2 needs the budget (M2)
    rows.opportunities.append({
        "id": seed.id, "number": seed.number, "version": len(events),
        "name": f"{customer.short}{product_name}{rng.choice(PROJECT_KINDS)}",
        "customer_id": customer.id, "owner_id": owner_id, "team_id": ctx.team_ids[team],
        "region_id": ctx.region_ids[customer.region], "amount": amount, "expected_close_date": close_local,
        "pipeline_id": ctx.pipeline_id, "playbook_version_id": ctx.version_id,
        "stage": ctx.stage_keys[last_stage], "status": status, "stage_entered_at": last_at, "closed_at": closed_at,
        "last_followup_at": None,
        "source": rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0],
        "industry": customer.industry, "company_size": customer.size,
        "pain_points": "；".join(pains[: rng.randint(1, 2)]) if screening_done else "",
        "decision_roles": roles_text if screening_done else "",
        "budget_min": _round_wan(amount * Decimal("0.8")) if budget else None,
        "budget_max": _round_wan(amount * Decimal("1.2")) if budget else None,
        "timeline": rng.choice(TIMELINES) if screening_done else "",
        "requirement_1": f"解决：{pains[0]}" if screening_done else "",
        "requirement_2": f"解决：{pains[1]}" if screening_done else "",
        "requirement_3": f"解决：{pains[2]}" if screening_done else "",
        "created_at": seed.created, "updated_at": last_at,
    })
    for code in codes:
        rows.products.append({"opportunity_id": seed.id, "product_id": ctx.products[code][0]})
    manager = ctx.managers[team]
    for i, (stage, entered, note) in enumerate(events):
        left = events[i + 1][1] if i + 1 < len(events) else None
        mover = owner_id if i == 0 or rng.random() < 0.85 else manager
        rows.history.append({"opportunity_id": seed.id, "stage": ctx.stage_keys[stage], "entered_at": entered,
                             "left_at": left, "moved_by_id": mover, "note": note})
    entered_at: dict[int, datetime] = {}
    for stage, entered, _note in events:
        entered_at.setdefault(stage, entered)
    supporters: dict[int, list[int]] = {}
    walk = Walk(opportunity=rows.opportunities[-1], customer=customer, events=events, status=status,
                loss_reason=reason, manager_id=manager, product=product_name, pains=pains,
                price_band_min=Decimal(min(ctx.products[c][1] for c in codes)))

    def assign(user_id: int, stage: int, role: str) -> None:
        at = min(entered_at[stage] + timedelta(hours=rng.uniform(2, 48)), end)
        rows.assignments.append({"opportunity_id": seed.id, "user_id": user_id, "assigned_at": at})
        supporters.setdefault(stage, []).append(user_id)
        walk.assigned[role] = (user_id, at)

    if 1 in entered_at and (rng.random() < 0.8 or top > 1 or status == "open"):  # P2: presales from S2 (M2)
        assign(ctx.presales[team], 1, "presales")
    if n_open - 1 in entered_at:  # P3, S4: won needs the hand-off and both contract reviews
        for pool, chance, role in ((ctx.cs_ids, 0.6, "cs"), (ctx.finance_ids, 0.5, "finance"),
                                   (ctx.legal_ids, 0.5, "legal")):
            if pool and (rng.random() < chance or status != "lost"):
                assign(rng.choice(pool), n_open - 1, role)
    rows.walks.append(walk)
    return _followups(rng, ctx, seed, rows, events, owner_id, supporters, product_name, pains, amount,
                      next_followup_id, walk)


def _stage_at(events: list[tuple[int, datetime, str]], at: datetime) -> int:
    stage = events[0][0]
    for s, entered, _ in events:
        if entered <= at:
            stage = s
    return stage


def _followups(rng: random.Random, ctx: Context, seed: Seed, rows: Rows, events: list[tuple[int, datetime, str]],
               owner_id: int, supporters: dict[int, list[int]], product: str, pains: list[str], amount: Decimal,
               next_id: int, walk: Walk) -> int:
    end = events[-1][1] if events[-1][0] == len(ctx.stage_keys) - 1 else ctx.now
    life = (end - seed.created).total_seconds()
    lo = max(1, round(ctx.followups_mean - 3))
    count = rng.randint(lo, lo + 6)
    if life < 14 * 86400:
        count = max(1, round(count * life / (14 * 86400)))
    moments = [seed.created + timedelta(seconds=rng.uniform(0, life)) for _ in range(count)]
    moments = sorted(m if (w := _work_hours(rng, ctx, m)) > end else w for m in moments)
    kinds: list[str | None] = [None] * len(moments)
    for stage, kind in REQUIRED_KIND.items():  # the key action of the stage, while it ran
        spans = [(e, events[i + 1][1] if i + 1 < len(events) else end) for i, (s, e, _) in enumerate(events)
                 if s == stage]
        if spans:
            start, stop = spans[0]
            moments.append(start + (stop - start) * rng.uniform(0.2, 0.8))
            kinds.append(kind)
    order = sorted(range(len(moments)), key=lambda i: moments[i])
    contacts = seed.customer.contacts
    directors = [c for c in contacts if c.director] or contacts
    deciders = [c for c in contacts if c.decision_role == "decision_maker"] or directors
    wan = int(amount / 10000)
    last = None
    for i in order:
        at = moments[i]
        stage = _stage_at(events, at)
        kind = kinds[i] or rng.choices(*zip(*STAGE_KINDS[stage], strict=True))[0]
        author = owner_id
        helpers = [u for s, users in supporters.items() if s <= stage for u in users]
        if helpers and rng.random() < 0.25:
            author = rng.choice(helpers)
        if kind in ("executive_visit", "interview"):  # S3 entry: a director-level contact was reached
            people = [rng.choice(deciders if kind == "interview" else directors)]
            if kind == "interview" and len(contacts) > 1:
                people.append(rng.choice([c for c in contacts if c is not people[0]]))
        else:
            people = rng.sample(contacts, k=min(len(contacts), rng.choice((1, 1, 1, 2))))
        parts = texts.compose(rng, stage=ctx.stage_keys[stage], contact=people[0].name, product=product,
                              pain=rng.choice(pains), timeline=rng.choice(TIMELINES), amount_wan=wan)
        logged = min(at + timedelta(minutes=rng.uniform(5, 600)), ctx.now)
        rows.followups.append({
            "id": next_id, "opportunity_id": seed.id, "author_id": author, "kind": kind,
            "direction": "in" if rng.random() < 0.25 else "out", "occurred_at": at, "notes": parts.notes,
            "customer_feedback": parts.customer_feedback, "objections": parts.objections,
            "competitor_moves": parts.competitor_moves, "next_step": parts.next_step, "created_at": logged,
        })
        for person in people:
            rows.followup_contacts.append({"followup_id": next_id, "contact_id": person.id})
        walk.followups.append((next_id, kind, at, [p.id for p in people], parts.objections))
        next_id += 1
        last = at if last is None or at > last else last
    rows.opportunities[-1]["last_followup_at"] = last
    return next_id
