"""The weekly review (P4: the manager's weekly meeting on high-risk opportunities; M5, X3 flags, X4
interventions): open opportunities with an open risk flag, with amount, days in stage and last follow-up,
sorted and filtered (team with the teams below it, owner, risk kind) by parameters kept in the URL. The
page is paginated and its exports stream the whole filtered set in chunks: a fixed number of queries per
page or per chunk, whatever the data size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, F, QuerySet, Sum
from django.utils.translation import get_language

from opphub import access
from opphub.methodology.playbook_types import Intervention
from opphub.opportunities.models import Opportunity, Status
from opphub.opportunities.playbooks import playbook_of
from opphub.people.models import Team, User

from .models import RISK_KINDS, Alert, AlertKind
from .team_health import SALES_ROLES, _ordered_teams, _subtree, _visible_teams

PAGE_SIZE = 50
EXPORT_CHUNK = 500
# sort key → ORDER BY; every order ends on the id so pages never overlap
SORTS: dict[str, tuple[Any, ...]] = {
    "amount": (F("amount").desc(), "id"),  # the largest first
    "days": (F("stage_entered_at").asc(), "id"),  # the longest in its stage first
    "followup": (F("last_followup_at").asc(nulls_first=True), "id"),  # never or longest ago first
}
DEFAULT_SORT = "amount"


@dataclass(frozen=True)
class ReviewFilters:
    team_id: int | None = None
    owner_id: int | None = None
    kind: str = ""  # one of RISK_KINDS, "" for all
    sort: str = DEFAULT_SORT

    def query(self, **change: Any) -> str:
        """The URL query of these filters (with ``change`` applied), for links and the exports."""
        values = {"team": self.team_id or "", "owner": self.owner_id or "", "kind": self.kind, "sort": self.sort}
        values.update(change)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def parse_filters(params: Mapping[str, str]) -> ReviewFilters:
    """Filters from the URL; an unknown sort or kind falls back to the default (ids are checked against
    what the user may see when the query is built)."""
    sort = params.get("sort") or DEFAULT_SORT
    kind = params.get("kind") or ""
    return ReviewFilters(team_id=_int(params.get("team")), owner_id=_int(params.get("owner")),
                         kind=kind if kind in RISK_KINDS else "", sort=sort if sort in SORTS else DEFAULT_SORT)


@dataclass
class ReviewRow:
    opportunity: Any
    stage_name: str
    days_in_stage: int
    flags: list[str] = field(default_factory=list)  # kinds
    flag_labels: list[str] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)


@dataclass
class ReviewPage:
    rows: list[ReviewRow]
    count: int
    amount: Decimal
    page: int
    pages: int
    week_start: dt.date
    week_end: dt.date
    filters: ReviewFilters
    teams: list[tuple[int, str]]
    owners: list[User]
    kinds: list[tuple[str, str]]

    @property
    def sort_queries(self) -> dict[str, str]:
        """The URL query of each sort with the filters kept (back to the first page)."""
        return {key: self.filters.query(sort=key) for key in SORTS}

    @property
    def prev_query(self) -> str:
        return self.filters.query(page=self.page - 1)

    @property
    def next_query(self) -> str:
        return self.filters.query(page=self.page + 1)


def week_of(today: dt.date) -> tuple[dt.date, dt.date]:
    """The review's week: Monday to Sunday around ``today``."""
    start = today - dt.timedelta(days=today.weekday())
    return start, start + dt.timedelta(days=6)


def _owners(user: access.AnyUser) -> QuerySet[User]:
    return access.team_members(user).filter(role__in=SALES_ROLES)


def review_queryset(user: access.AnyUser, filters: ReviewFilters, *,
                    teams: list[Team] | None = None) -> QuerySet[Opportunity]:
    """The visible open opportunities with an open risk flag (of the chosen kind), filtered and sorted."""
    kinds = [filters.kind] if filters.kind else list(RISK_KINDS)
    flagged = Alert.objects.filter(resolved_at__isnull=True, kind__in=kinds).values("opportunity_id")
    qs = access.visible_opportunities(user).filter(status=Status.OPEN, pk__in=flagged)
    if filters.team_id is not None:
        teams = _visible_teams(user) if teams is None else teams
        if any(t.pk == filters.team_id for t in teams):
            qs = qs.filter(team_id__in=_subtree(teams, filters.team_id))
        else:
            qs = qs.none()
    if filters.owner_id is not None:
        qs = qs.filter(owner_id=filters.owner_id)
    return qs.order_by(*SORTS[filters.sort])


def _rows(opps: list[Opportunity], kinds: list[str], *, now: dt.datetime) -> list[ReviewRow]:
    """The review rows of a page or chunk of opportunities: one query for their open flags."""
    labels = dict(AlertKind.choices)
    lang = get_language()
    flags: dict[int, list[str]] = {}
    for opp_id, kind in (Alert.objects.filter(opportunity_id__in=[o.pk for o in opps], resolved_at__isnull=True,
                                              kind__in=kinds).order_by("opportunity_id", "kind")
                         .values_list("opportunity_id", "kind")):
        flags.setdefault(opp_id, []).append(kind)
    rows = []
    for opp in opps:
        book = playbook_of(opp.playbook_version)
        try:
            stage_name = book.stage(opp.stage).name.get(lang)
        except KeyError:
            stage_name = opp.stage
        kinds_here = flags.get(opp.pk, [])
        codes = {RISK_KINDS[k] for k in kinds_here if k in RISK_KINDS}
        chosen: list[Intervention] = [i for i in book.interventions if codes.intersection(i.when)]
        rows.append(ReviewRow(
            opportunity=opp, stage_name=stage_name, days_in_stage=max((now - opp.stage_entered_at).days, 0),
            flags=kinds_here, flag_labels=[str(labels.get(k, k)) for k in kinds_here],
            interventions=[i.text.get(lang) for i in chosen]))
    return rows


def _with_related(qs: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    return qs.select_related("customer", "owner", "playbook_version")


def review_page(*, user: access.AnyUser, filters: ReviewFilters, now: dt.datetime, page: int = 1,
                page_size: int | None = None) -> ReviewPage:
    """One page of the review with the count and amount of the whole filtered set. Queries: the teams,
    the owners, COUNT + SUM, the page, the page's flags (and the managed teams for a manager)."""
    page_size = page_size or PAGE_SIZE
    teams = _visible_teams(user)
    qs = review_queryset(user, filters, teams=teams)
    totals = qs.order_by().aggregate(n=Count("id"), amount=Sum("amount"))
    count = totals["n"] or 0
    pages = max((count + page_size - 1) // page_size, 1)
    page = min(max(page, 1), pages)
    opps = list(_with_related(qs)[(page - 1) * page_size:page * page_size])
    kinds = [filters.kind] if filters.kind else list(RISK_KINDS)
    start, end = week_of(now.date())
    labels = dict(AlertKind.choices)
    return ReviewPage(
        rows=_rows(opps, kinds, now=now), count=count, amount=totals["amount"] or Decimal(0), page=page,
        pages=pages, week_start=start, week_end=end, filters=filters,
        teams=[(t.pk, "\u3000" * d + t.name) for t, d in _ordered_teams(teams, None)],
        owners=list(_owners(user).order_by("username")), kinds=[(k, str(labels[k])) for k in RISK_KINDS])


def review_all(*, user: access.AnyUser, filters: ReviewFilters, now: dt.datetime) -> Iterator[ReviewRow]:
    """Every row of the filtered review in the page's order (for the exports): the ordered ids in one
    query, then the rows in chunks, two queries per chunk, memory bounded by the chunk."""
    ids = list(review_queryset(user, filters).values_list("id", flat=True))
    kinds = [filters.kind] if filters.kind else list(RISK_KINDS)
    for i in range(0, len(ids), EXPORT_CHUNK):
        chunk = ids[i:i + EXPORT_CHUNK]
        found = {o.pk: o for o in _with_related(Opportunity.objects.filter(pk__in=chunk))}
        yield from _rows([found[pk] for pk in chunk if pk in found], kinds, now=now)
