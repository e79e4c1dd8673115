"""Team health (P4: the manager checks it daily; M3, P6): the people of the visible teams grouped by the
team hierarchy, each team with its subtotal (its members and every team below it) and a grand total.

Set-based: the counts are GROUP BY owner (one query for opportunities and the health score, one for alerts,
one for penalty points; the lists' full counts come from the same aggregates), the teams one small query;
nothing is read per rep or per opportunity, and the penalty ledger and the task lists are bounded
(docs/decisions.md "Team health grouped by team").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery, Sum

from opphub import access
from opphub.gates.models import HealthRecord
from opphub.opportunities.models import Pipeline, Status
from opphub.opportunities.playbooks import playbook_of
from opphub.people.models import Role, Team

from .models import RESPONSE_ALERT_KINDS, RISK_KINDS, AlertKind
from .selectors import ESCALATED_KINDS, InterventionTask
from .services import intervention_rule

LIST_LIMIT = 200  # rows of each list on the page (escalated, interventions, ledger); the rest are counted
REP_ROWS_LIMIT = 200  # more people than this in the scope: one subtotal row per team, choose a team for people
SALES_ROLES = (Role.REP, Role.MANAGER)
_COUNTS = ("open", "overdue", "late_answers", "zombies", "escalated", "high_risk", "penalty_points",
           "scored", "health_sum")


@dataclass
class Health:
    """Counts for one rep, or summed over a team or everybody. ``health`` is the mean of the latest saved
    health score (H1-H4) of the open opportunities that have one; ``scored`` says how many have one."""

    open: int = 0
    overdue: int = 0
    late_answers: int = 0  # C1-C4: what a customer waits for, past its response time
    zombies: int = 0
    escalated: int = 0
    high_risk: int = 0
    penalty_points: int = 0
    scored: int = 0
    health_sum: Decimal = Decimal(0)

    @property
    def health(self) -> Decimal | None:
        if not self.scored:
            return None
        return (self.health_sum / self.scored).quantize(Decimal("0.1"))

    def add(self, other: Health) -> None:
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class RepHealth(Health):
    user: Any = None


@dataclass
class TeamGroup:
    """A team's block on the page: its own members, then (after the blocks of its sub-teams) ``subtotal``
    over the members of the whole subtree."""

    team: Team | None  # None: people without a team
    depth: int
    reps: list[RepHealth] = field(default_factory=list)
    subtotal: Health = field(default_factory=Health)
    has_children: bool = False


@dataclass
class Line:
    """One row of the grouped table, in order: ``team`` (a heading), ``rep`` or ``subtotal``."""

    kind: str
    depth: int
    group: TeamGroup
    rep: RepHealth | None = None


@dataclass
class TeamHealth:
    groups: list[TeamGroup]
    lines: list[Line]
    total: Health
    reps: list[RepHealth]
    escalated: list[Any]  # open escalated overdue touches and late answers (bounded)
    escalated_count: int
    interventions: list[InterventionTask]  # open P6 intervention tasks (bounded)
    interventions_count: int
    penalties: list[Any]  # this month's ledger entries, newest first (bounded)
    penalties_count: int
    month: str
    teams: list[tuple[int, str]]  # the team filter's choices (indented by depth)
    team: Team | None  # the chosen team, None for all
    collapsed: bool = False  # too many people for one page: the teams' subtotals only
    band: tuple[Decimal, Decimal] | None = None  # H4's approval band of the default pipeline's playbook


def _ordered_teams(teams: list[Team], root_ids: set[int] | None) -> list[tuple[Team, int]]:
    """Teams depth first under their parents (by name), each with its depth inside the visible set."""
    ids = {t.pk for t in teams}
    children: dict[int | None, list[Team]] = {}
    for t in teams:
        parent = t.parent_id if t.parent_id in ids else None
        children.setdefault(parent, []).append(t)
    out: list[tuple[Team, int]] = []
    stack = [(t, 0) for t in reversed(sorted(children.get(None, []), key=lambda t: t.name))]
    while stack:
        team, depth = stack.pop()
        out.append((team, depth))
        stack.extend((c, depth + 1) for c in reversed(sorted(children.get(team.pk, []), key=lambda t: t.name)))
    if root_ids is not None:
        return [(t, d) for t, d in out if t.pk in root_ids]
    return out


def _subtree(teams: list[Team], root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for t in teams:
        if t.parent_id is not None:
            children.setdefault(t.parent_id, []).append(t.pk)
    found, stack = set(), [root]
    while stack:
        tid = stack.pop()
        if tid not in found:
            found.add(tid)
            stack.extend(children.get(tid, []))
    return found


def _lines(ordered: list[tuple[Team, int]], groups: dict[int | None, TeamGroup], *, collapsed: bool) -> list[Line]:
    """Heading, members, the sub-teams' blocks, then the subtotal: a team's subtotal closes its subtree.
    Collapsed: each team's subtotal alone, parents before their sub-teams."""
    if collapsed:
        rows = [Line("subtotal", groups[t.pk].depth, groups[t.pk]) for t, _d in ordered]
        loose = groups.get(None)
        return rows + ([Line("subtotal", 0, loose)] if loose is not None and loose.reps else [])
    lines: list[Line] = []
    open_blocks: list[TeamGroup] = []
    for team, depth in ordered:
        while open_blocks and open_blocks[-1].depth >= depth:
            done = open_blocks.pop()
            lines.append(Line("subtotal", done.depth, done))
        g = groups[team.pk]
        lines.append(Line("team", depth, g))
        lines.extend(Line("rep", depth, g, r) for r in g.reps)
        open_blocks.append(g)
    while open_blocks:
        done = open_blocks.pop()
        lines.append(Line("subtotal", done.depth, done))
    loose = groups.get(None)
    if loose is not None and loose.reps:
        lines.append(Line("team", 0, loose))
        lines.extend(Line("rep", 0, loose, r) for r in loose.reps)
        lines.append(Line("subtotal", 0, loose))
    return lines


def _band() -> tuple[Decimal, Decimal] | None:
    """H4's band (back below / advance above) of the default pipeline's current playbook, to colour the
    scores the way H4 reads them; one query with the version's text (so the count does not depend on what
    this process parsed before)."""
    pipeline = (Pipeline.objects.select_related("current_version").exclude(current_version=None)
                .order_by("-is_default", "id").first())
    return playbook_of(pipeline.current_version).health.band() if pipeline and pipeline.current_version else None


def _visible_teams(user: access.AnyUser) -> list[Team]:
    teams = list(Team.objects.only("id", "name", "parent_id").order_by("name"))
    if access.sees_all(user):
        return teams
    managed = access.managed_team_ids(user)
    return [t for t in teams if t.pk in managed]


def team_health(*, user: access.AnyUser, now: dt.datetime, team_id: int | None = None) -> TeamHealth:
    """Team health of the teams a user may see (a manager: the managed subtree; director/admin: all),
    or of one of them with the teams below it (``team_id``; an unknown or invisible one shows all)."""
    teams = _visible_teams(user)
    by_id = {t.pk: t for t in teams}
    chosen = by_id.get(team_id) if team_id is not None else None
    scope = _subtree(teams, chosen.pk) if chosen else None
    members_qs = access.team_members(user).filter(role__in=SALES_ROLES)
    if scope is not None:
        members_qs = members_qs.filter(team_id__in=scope)
    members = list(members_qs.order_by("username").only("id", "username", "display_name", "first_name",
                                                          "last_name", "team_id", "role"))
    rows = {m.pk: RepHealth(user=m) for m in members}
    ids = list(rows)
    latest = (HealthRecord.objects.filter(opportunity_id=OuterRef("pk")).order_by("-computed_at", "-id")
              .values("total")[:1])
    opps = (access.visible_opportunities(user).filter(status=Status.OPEN, owner_id__in=ids).order_by()
            .annotate(score=Subquery(latest)).values("owner_id")
            .annotate(n=Count("id"), scored=Count("score"), health_sum=Sum("score")))
    for c in opps:
        r = rows[c["owner_id"]]
        r.open, r.scored, r.health_sum = c["n"], c["scored"], Decimal(c["health_sum"] or 0)
    alerts = access.visible_alerts(user).filter(resolved_at__isnull=True, owner_id__in=ids)
    counts = alerts.order_by().values("owner_id").annotate(
        overdue=Count("id", filter=Q(kind=AlertKind.OVERDUE_TOUCH)),
        late_answers=Count("id", filter=Q(kind__in=RESPONSE_ALERT_KINDS)),
        zombies=Count("id", filter=Q(kind=AlertKind.ZOMBIE)),
        escalated=Count("id", filter=Q(kind__in=ESCALATED_KINDS, escalated_at__isnull=False)),
        high_risk=Count("opportunity_id", filter=Q(kind__in=list(RISK_KINDS)), distinct=True),
        interventions=Count("id", filter=Q(kind=AlertKind.INTERVENTION)),
    )
    task_count = 0
    for a in counts:
        task_count += a["interventions"]
        r = rows[a["owner_id"]]
        r.overdue, r.zombies, r.escalated, r.high_risk = a["overdue"], a["zombies"], a["escalated"], a["high_risk"]
        r.late_answers = a["late_answers"]
    month = now.strftime("%Y-%m")
    ledger = access.visible_penalties(user).filter(user_id__in=ids, month=month)
    penalties_count = 0
    for uid, points, n in (ledger.order_by().values("user_id")
                           .annotate(p=Sum("points", filter=Q(reversed_at__isnull=True)), n=Count("id"))
                           .values_list("user_id", "p", "n")):
        rows[uid].penalty_points = points or 0
        penalties_count += n
    penalties = list(ledger.select_related("user", "opportunity", "reversed_by").order_by("-created_at")[:LIST_LIMIT])
    related = ("opportunity__playbook_version", "owner", "escalated_to")
    esc = alerts.filter(kind__in=ESCALATED_KINDS, escalated_at__isnull=False)
    escalated = list(esc.select_related(*related).defer("opportunity__playbook_version__content")
                     .order_by("due_at")[:LIST_LIMIT])
    tasks = alerts.filter(kind=AlertKind.INTERVENTION)
    interventions = [  # P6 in the words of the alert's own playbook ("more than 7 days")
        InterventionTask(a, intervention_rule(playbook_of(a.opportunity.playbook_version)))
        for a in tasks.select_related(*related).defer("opportunity__playbook_version__content")
        .order_by("basis_at")[:LIST_LIMIT]]

    ordered_all = _ordered_teams(teams, None)
    ordered = _ordered_teams(teams, scope)
    groups: dict[int | None, TeamGroup] = {t.pk: TeamGroup(team=t, depth=d - (ordered[0][1] if ordered else 0))
                                           for t, d in ordered}
    if scope is None:
        groups[None] = TeamGroup(team=None, depth=0)
    total = Health()
    for r in rows.values():
        g = groups.get(r.user.team_id) or groups.get(None)
        if g is None:
            continue
        g.reps.append(r)
        total.add(r)
        tid = r.user.team_id
        while tid is not None and tid in groups:  # the member counts in every team above, up to the scope
            groups[tid].subtotal.add(r)
            tid = by_id[tid].parent_id
        if tid is None and r.user.team_id is None:
            groups[None].subtotal.add(r)
    for t, _d in ordered:
        if t.parent_id in groups and t.parent_id is not None:
            groups[t.parent_id].has_children = True
    collapsed = len(rows) > REP_ROWS_LIMIT
    return TeamHealth(
        groups=[groups[t.pk] for t, _d in ordered], lines=_lines(ordered, groups, collapsed=collapsed), total=total,
        reps=list(rows.values()), escalated=escalated, escalated_count=total.escalated, interventions=interventions,
        interventions_count=task_count, penalties=penalties, penalties_count=penalties_count, month=month,
        teams=[(t.pk, "\u3000" * d + t.name) for t, d in ordered_all], team=chosen, collapsed=collapsed,
        band=_band())
