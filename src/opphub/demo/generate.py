"""Load the demo company (``opphub demo``) or the benchmark's large data set.

Deterministic: ``random.Random(seed)`` drives every choice and all times are relative to the anchor
``now``, so one seed and one anchor always give the same records. Rows are written with bulk inserts,
not through the per-row services, but carry exactly what the services would have written: number
from the region's YEAR-REGION-SEQ sequence (and the ``NumberSequence`` rows to continue it), the
default pipeline's current playbook version, a stage-history row per stage entered (the open row
last; a closed opportunity's last row is the archive stage, entered at ``closed_at``), ``version``
bumped once per move, ``last_followup_at`` = the latest follow-up. No audit rows are written for the
demo data: its history starts with the demo (the audit trail records changes made afterwards).

The stage work (``gates_plan``): stage records, documents (pointing at one small PDF per document type
under ``MEDIA_ROOT/demo/``), approvals, requirement scores, objections and saved health scores, so that
every stage an opportunity has left meets its gate (M2) and some open ones are ready to advance.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone
from tqdm import tqdm

from opphub.audit.models import FieldChange
from opphub.customers.models import Contact, Customer
from opphub.followups.models import CustomerRequest, FollowUp, RequestKind
from opphub.gates.models import Approval, Document, HealthRecord, Objection, RequirementScore, StageRecord
from opphub.methodology.business_days import add_working_days
from opphub.opportunities.models import Assignment, NumberSequence, Opportunity, StageHistory
from opphub.opportunities.playbooks import default_pipeline, playbook_of, playbooks_sync
from opphub.people.models import Role
from opphub.workdays.calendar import work_calendar

from .customers_plan import plan_customers
from .gates_plan import GateContext, GateRows, plan_gates
from .opps_plan import Context, Rows, plan_opportunity, plan_seeds
from .org import DemoOrg, build_org
from .pdfs import write_demo_files
from .writer import Writer

BASE_CUSTOMERS = 300
BASE_OPPORTUNITIES = 1500
CHUNK = 500


class DemoRefused(Exception):
    """The database already holds opportunities and ``force`` was not given."""


@dataclass
class DemoResult:
    org: DemoOrg
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    sequences: dict[tuple[str, int], int] = field(default_factory=dict)
    ready: list[int] = field(default_factory=list)  # open opportunities whose current gate is met


def _objection_requests() -> list[dict]:
    """C4: each demo objection is also what its customer waited for (owed by the owner), answered when it
    was resolved, as ``gates.services.objection_record`` / ``objection_resolve`` keep them."""
    rows = (Objection.objects.filter(request__isnull=True).order_by("pk")
            .values_list("pk", "opportunity_id", "followup_id", "text", "raised_at", "resolved_at",
                         "opportunity__owner_id"))
    out, seen = [], set()
    for pk, opp_id, followup_id, text, raised, resolved, owner_id in rows:
        if (opp_id, raised) in seen:  # one request of a kind per moment (the alert episode's identity)
            continue
        seen.add((opp_id, raised))
        out.append({"opportunity_id": opp_id, "kind": RequestKind.OBJECTION, "text": text[:300], "received_at": raised,
                    "owed_by_id": owner_id, "followup_id": followup_id, "objection_id": pk, "answered_at": resolved,
                    "answered_by_id": None, "created_at": raised})
    return out


def _next_id(model: type[Model]) -> int:
    return (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


def demo_wipe() -> dict[str, int]:
    """Delete every customer, contact, opportunity (with everything hanging off it), follow-up and
    number sequence, and their audit rows. Users, teams, regions and products stay."""
    deleted = {}
    # the stage work first, leaves before what points at them: plain DELETEs instead of the ORM's cascade
    for model in (Approval, Objection, RequirementScore, HealthRecord, Document, StageRecord,
                  FollowUp, Opportunity, Contact, Customer, NumberSequence):
        deleted[model._meta.label] = model._default_manager.all().delete()[0]
    types = ContentType.objects.get_for_models(Opportunity, Customer, Contact).values()
    FieldChange.objects.filter(content_type__in=list(types)).delete()
    return deleted


def _gate_context(org: DemoOrg, ctx: Context) -> GateContext:
    book = playbook_of(default_pipeline().current_version)
    titles = {key: (text.zh_hans, text.en) for key, text in book.documents.items()}
    titles |= {"budget_explicit_amount": ("预算证明：明确金额", "Budget evidence: explicit amount"),
               "budget_approved": ("预算证明：预算已审批", "Budget evidence: approval"),
               "budget_in_annual_plan": ("预算证明：年度计划", "Budget evidence: annual plan")}
    calendar = work_calendar()
    return GateContext(playbook=book, now=ctx.now, tz=ctx.tz, director_id=org.by_role(Role.DIRECTOR)[0].pk,
                       files=write_demo_files(settings.MEDIA_ROOT, titles),
                       add_working_days=lambda day, n: add_working_days(calendar, day, n),
                       next_health_id=_next_id(HealthRecord))


def _context(org: DemoOrg, now: datetime, followups_mean: float) -> Context:
    pipeline = default_pipeline()
    book = playbook_of(pipeline.current_version)
    sellers = {key: [u.pk for u in users] for key, users in org.sellers.items()}
    presales = org.by_role(Role.PRESALES)
    # presales.sun supports the east (with Hangzhou), presales.guo the north and the south
    presales_of = {key: presales[0 if key in ("east", "hz") else len(presales) - 1].pk for key in org.teams}
    return Context(
        now=now, tz=timezone.get_default_timezone(), stage_keys=book.stage_keys,
        stage_days=tuple(s.default_days for s in book.stages), pipeline_id=pipeline.pk,
        version_id=pipeline.current_version_id, team_ids={k: t.pk for k, t in org.teams.items()},
        sellers=sellers, presales=presales_of,
        managers={k: t.manager_id for k, t in org.teams.items() if t.manager_id is not None},
        cs_ids=[u.pk for u in org.by_role(Role.CUSTOMER_SUCCESS)],
        finance_ids=[u.pk for u in org.by_role(Role.FINANCE)], legal_ids=[u.pk for u in org.by_role(Role.LEGAL)],
        products={code: (p.pk, int(p.price_band_min), int(p.price_band_max)) for code, p in org.products.items()},
        region_ids={code: r.pk for code, r in org.regions.items()}, followups_mean=followups_mean,
        number_start=dict(((s.region_code, s.year), s.last) for s in NumberSequence.objects.all()),
    )


def demo_generate(*, seed: int = 1, scale: float = 1.0, now: datetime | None = None, force: bool = False,
                  progress: bool = False, opportunities: int | None = None, followups: int | None = None,
                  customers: int | None = None, extra_reps_per_team: int = 0, copy: bool = False,
                  batch_size: int = 1000, log: Callable[[str], None] | None = None,
                  stage_work: bool = True) -> DemoResult:
    """Generate the demo company. ``scale`` multiplies the default 300 customers / 1,500 opportunities
    (~12,000 follow-ups); ``opportunities``, ``followups`` and ``customers`` set counts directly.
    ``stage_work=False`` leaves out the stage-gate rows (records, documents, approvals, scores ...)."""
    started = time.perf_counter()
    now = now or timezone.now()
    say = log or (lambda _msg: None)
    if Opportunity.objects.exists():
        if not force:
            raise DemoRefused(
                "The database already has opportunities; the demo loads only into an empty one. "
                "Use --force to DELETE all customers, contacts, opportunities and follow-ups first.")
        say(f"--force: deleted {demo_wipe()}")
    n_opps = opportunities or max(12, round(BASE_OPPORTUNITIES * scale))
    n_customers = customers or max(8, round(BASE_CUSTOMERS * scale * (n_opps / (BASE_OPPORTUNITIES * scale))))
    followups_mean = (followups / n_opps + 1.0) if followups else 8.0
    rng = random.Random(seed)
    with transaction.atomic():
        playbooks_sync()
        org = build_org(extra_reps_per_team=extra_reps_per_team)
        result = DemoResult(org=org)
        ctx = _context(org, now, followups_mean)
        writer = Writer(batch_size=batch_size, copy=copy)
        infos, customer_rows, contact_rows = plan_customers(
            rng, count=n_customers, now=now, window_days=ctx.window_days, first_id=_next_id(Customer),
            first_contact_id=_next_id(Contact), sellers={k: v[:-1] or v for k, v in ctx.sellers.items()},
            team_of_region=org.team_of_region, region_ids=ctx.region_ids)
        say(f"customers: {len(customer_rows)}, contacts: {len(contact_rows)}")
        writer.write(Customer, customer_rows)
        writer.write(Contact, contact_rows)
        seeds = plan_seeds(rng, ctx, infos, n_opps, _next_id(Opportunity))
        gctx = _gate_context(org, ctx)
        next_followup = _next_id(FollowUp)
        bar = tqdm(total=n_opps, unit="opp", desc="opportunities", disable=not progress, mininterval=0.5)
        for start in range(0, len(seeds), CHUNK):
            rows = Rows()
            gates = GateRows()
            for s in seeds[start:start + CHUNK]:
                next_followup = plan_opportunity(rng, ctx, s, rows, next_followup)
                if stage_work:
                    next_followup = plan_gates(rng, gctx, rows.walks[-1], rows, gates, next_followup)
            writer.write(Opportunity, rows.opportunities)
            writer.write(Opportunity.products.through, rows.products)
            writer.write(StageHistory, rows.history)
            writer.write(Assignment, rows.assignments)
            writer.write(FollowUp, rows.followups)
            writer.write(FollowUp.contacts.through, rows.followup_contacts)
            writer.write(StageRecord, gates.records)
            writer.write(Document, gates.documents)
            writer.write(RequirementScore, gates.scores)
            writer.write(HealthRecord, gates.health)
            writer.write(Approval, gates.approvals)
            writer.write(Objection, gates.objections)
            bar.update(len(rows.opportunities))
        bar.close()
        if stage_work:
            writer.write(CustomerRequest, _objection_requests())
        for (region, year), last in ctx.number_start.items():
            NumberSequence.objects.update_or_create(region_code=region, year=year, defaults={"last": last})
        writer.finish()
    result.counts = writer.counts
    result.sequences = ctx.number_start
    result.ready = gctx.ready_ids
    result.seconds = time.perf_counter() - started
    return result
