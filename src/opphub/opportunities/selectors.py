"""Read queries for the pipeline board and the opportunity list (spec M1/M4 spirit, P4).

Every query starts from ``access.visible_opportunities`` and runs a fixed number of statements,
whatever the number of records: one GROUP BY for the column counts and totals, one LIMITed query per
board column (sent as one UNION ALL on PostgreSQL), one aggregate and one page query for the list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.db import connections
from django.db.models import Count, Prefetch, Q, QuerySet, Sum, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext

from opphub import access
from opphub.common.money import yuan
from opphub.customers.models import Customer
from opphub.methodology.playbook import Playbook
from opphub.people.models import User

from .filters import OpportunityFilterForm, period_q
from .models import Pipeline, Status
from .playbooks import default_pipeline, playbook_of, with_current_version
from .status_marks import books_of, mark_rows, status_marks

ARCHIVE_DEFAULT_DAYS = 90
NUMBER_PLACEHOLDER = "__number__"
# Cards and rows read the opportunity table alone (no JOIN: the planners then keep to its indexes);
# customer and owner names come in two more queries for the whole page (see _with_names).
CARD_FIELDS = (
    "id", "number", "name", "amount", "stage", "status", "stage_entered_at", "closed_at", "last_followup_at",
    "updated_at", "expected_close_date", "version", "customer", "owner", "playbook_version",
)
# A board card: the same, as one tuple (selectors.Card).
BOARD_CARD_FIELDS = (
    "id", "number", "name", "amount", "stage", "status", "stage_entered_at", "closed_at", "last_followup_at",
    "updated_at", "version", "customer_id", "owner_id", "playbook_version_id", "pipeline_id",
)
USER_NAME_FIELDS = ("id", "username", "display_name", "first_name", "last_name")
LIST_SORTS = {
    "-updated_at": ("-updated_at", "-id"),
    "updated_at": ("updated_at", "id"),
    "-amount": ("-amount", "-id"),
    "amount": ("amount", "id"),
    "expected_close_date": ("expected_close_date", "id"),
    "-expected_close_date": ("-expected_close_date", "-id"),
    "number": ("number",),
    "-number": ("-number",),
}
DEFAULT_SORT = "-updated_at"


def stage_names(playbook: Playbook) -> dict[str, str]:
    lang = get_language()
    return {s.key: s.name.get(lang) for s in playbook.stages}


def _cards(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.only(*CARD_FIELDS)


def _with_names(rows: list[Any]) -> None:
    """Customer and owner names for all rows at once: two queries, whatever the number of rows."""
    prefetch_related_objects(rows, Prefetch("customer", queryset=Customer.objects.only("id", "name")),
                             Prefetch("owner", queryset=User.objects.only(*USER_NAME_FIELDS)))


def pipelines() -> tuple[Pipeline, list[Pipeline]]:
    """The default pipeline and all pipelines (one query; creates the default one on a fresh install)."""
    found = list(with_current_version().order_by("-is_default", "id"))
    if not found:
        return default_pipeline(), []
    return found[0], found


# ------------------------------------------------------------------------------------- board


@dataclass
class Column:
    key: str
    name: str
    closed: bool
    count: int = 0
    total: Decimal = Decimal(0)
    won: int = 0
    lost: int = 0
    won_total: Decimal = Decimal(0)
    lost_total: Decimal = Decimal(0)
    cards: list[Any] = field(default_factory=list)
    cards_html: str = ""  # the cards' markup (views_board.cards_html)
    list_url: str = ""  # the list page filtered to this column (views_board)

    @property
    def total_label(self) -> str:
        return yuan(self.total)

    @property
    def more(self) -> int:
        return max(self.count - len(self.cards), 0)


def archive_range(form: OpportunityFilterForm) -> tuple[dt.date | None, dt.date | None]:
    """The archive column shows what closed in the chosen period, by default the last 90 days."""
    chosen = form.date_range()
    if chosen is not None:
        return chosen
    today = form.today
    return today - dt.timedelta(days=ARCHIVE_DEFAULT_DAYS - 1), today


def board_columns(*, user: Any, pipeline: Pipeline, playbook: Playbook, form: OpportunityFilterForm,
                  now: dt.datetime, per_column: int, only_pipeline: bool = True) -> list[Column]:
    """One column per stage of the pipeline's playbook, with counts, totals and the top cards.

    Open columns: the visible open opportunities matching the filters (the period, when chosen,
    applies to the expected close date), newest change first. Archive column: the ones won or lost
    in the period (default: the last 90 days), last closed first. Queries: one GROUP BY for the open
    columns, one for the archive, the cards (see _card_rows), two for the names on the cards, three
    for the playbook's stage marks (status_marks: S1 待確認商機, S3 方案確認中).
    """
    base = access.visible_opportunities(user)
    if only_pipeline:
        base = base.filter(pipeline=pipeline)
    base = form.apply(base, period=False)
    chosen = form.date_range()
    open_qs = base.filter(period_q(*chosen, status=Status.OPEN) if chosen else Q(status=Status.OPEN))
    closed_qs = base.filter(period_q(*archive_range(form), status=Status.WON))  # won or lost: any closed

    names = stage_names(playbook)
    columns = [Column(key=s.key, name=names[s.key], closed=s.closed) for s in playbook.stages]
    by_key = {c.key: c for c in columns}
    archive = next((c for c in columns if c.closed), None)
    for row in open_qs.order_by().values("stage").annotate(n=Count("id"), total=Sum("amount")):
        col = by_key.get(row["stage"])
        if col is not None and not col.closed:
            col.count, col.total = row["n"], row["total"] or Decimal(0)
    if archive is not None:
        for closed in closed_qs.order_by().values("status").annotate(n=Count("id"), total=Sum("amount")):
            total = closed["total"] or Decimal(0)
            if closed["status"] == Status.WON:
                archive.won, archive.won_total = closed["n"], total
            else:
                archive.lost, archive.lost_total = archive.lost + closed["n"], archive.lost_total + total
            archive.count += closed["n"]
            archive.total += total

    labels = CardLabels(now)
    cards = [labels.card(row) for row in _card_rows(columns, open_qs, closed_qs, per_column)]
    _card_names(cards)
    books = books_of({c.playbook_version_id for c in cards}) if cards else {}
    marks = status_marks(((c.id, c.stage, c.status, c.playbook_version_id) for c in cards), books)
    for card in cards:
        card["status_mark"] = marks.get(card.id, "")
        card["playbook"] = books.get(card.playbook_version_id)  # the card's own rules (M5 on the board)
        col = archive if card.status != Status.OPEN else by_key.get(card.stage)
        if col is not None:
            col.cards.append(card)
    for col in columns:  # a UNION ALL keeps no order of its own
        if col.closed:
            col.cards.sort(key=lambda c: (c.closed_at, c.id), reverse=True)
        else:
            col.cards.sort(key=lambda c: (c.updated_at, c.id), reverse=True)
    return columns


class Card(dict[str, Any]):
    """A board card: the values its template prints, readable as ``card.number`` too. A dict, because
    the template language tries ``card["number"]`` first: a model instance costs an exception there
    for each of the ~15 values of each of the up to 150 cards."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _card_rows(columns: list[Column], open_qs: QuerySet[Any], closed_qs: QuerySet[Any],
               per_column: int) -> list[tuple[Any, ...]]:
    """The top cards of every column: one LIMITed query per column (each one walks an index), sent as
    one UNION ALL statement where the database takes a LIMIT inside one (PostgreSQL), else one by one
    (SQLite, in-process: no round trip to save). Plain tuples: no model instances to build."""
    parts = []
    for col in columns:  # also for an empty column: the number of queries stays fixed
        if col.closed:
            qs = closed_qs.order_by("-closed_at", "-id")
        else:
            qs = open_qs.filter(stage=col.key).order_by("-updated_at", "-id")
        parts.append(qs.values_list(*BOARD_CARD_FIELDS)[:per_column])
    if len(parts) > 1 and connections[open_qs.db].features.supports_slicing_ordering_in_compound:
        return list(parts[0].union(*parts[1:], all=True))
    return [row for part in parts for row in part]


def _card_names(cards: list[Card]) -> None:
    """Customer and owner names for all cards at once: two small queries (none without cards)."""
    if not cards:
        return
    customers = dict(Customer.objects.filter(pk__in={c.customer_id for c in cards}).values_list("id", "name"))
    owners = {u.pk: str(u) for u in User.objects.filter(pk__in={c.owner_id for c in cards}).only(*USER_NAME_FIELDS)}
    for card in cards:
        card["customer_name"] = customers.get(card.customer_id, "")
        card["owner_name"] = owners.get(card.owner_id, "")


class CardLabels:
    """The texts a board card or list row shows, worked out in Python once per request (and once per
    distinct value): a ``{% url %}``, ``{% blocktranslate count %}`` or ``|date`` per card cost more
    than all the board's queries together. The templates then only print strings."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.href_template = reverse("opportunities:card", kwargs={"number": NUMBER_PLACEHOLDER})
        self.statuses = {str(k): str(v) for k, v in Status.choices}
        self.tz = timezone.get_current_timezone()
        self._days: dict[int, str] = {}

    def days(self, n: int) -> str:
        label = self._days.get(n)
        if label is None:
            label = self._days[n] = ngettext("%(days)s day in stage", "%(days)s days in stage", n) % {"days": n}
        return label

    def day(self, at: dt.datetime | None) -> str:
        return at.astimezone(self.tz).strftime("%Y-%m-%d") if at is not None else ""

    def card(self, row: tuple[Any, ...]) -> Card:
        """A board card from a row of BOARD_CARD_FIELDS, with the same texts as ``apply``."""
        card = Card(zip(BOARD_CARD_FIELDS, row, strict=True))
        card["href"] = self.href_template.replace(NUMBER_PLACEHOLDER, quote(card["number"], safe="-"))
        days = card["days_in_stage"] = max((self.now - card["stage_entered_at"]).days, 0)
        card["days_label"] = self.days(days)
        card["amount_label"] = yuan(card["amount"])
        card["status_label"] = self.statuses.get(card["status"], card["status"])
        card["last_followup_day"] = self.day(card["last_followup_at"])
        card["version_text"] = str(card["version"])
        return card

    def apply(self, o: Any) -> Any:
        o.href = self.href_template.replace(NUMBER_PLACEHOLDER, quote(o.number, safe="-"))
        o.days_in_stage = max((self.now - o.stage_entered_at).days, 0)
        o.days_label = self.days(o.days_in_stage)
        o.amount_label = yuan(o.amount)
        o.status_label = self.statuses.get(o.status, o.status)
        o.last_followup_day = self.day(o.last_followup_at)
        o.version_text = str(o.version)
        return o


# -------------------------------------------------------------------------------------- list


@dataclass
class ListPage:
    rows: list[Any]
    count: int
    total: Decimal
    number: int
    num_pages: int
    page_size: int
    sort: str

    @property
    def total_label(self) -> str:
        return yuan(self.total)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.page_size + 1 if self.count else 0

    @property
    def end_index(self) -> int:
        return min(self.number * self.page_size, self.count)

    def page_links(self, around: int = 2) -> list[int | None]:
        """Page numbers to show: first, last and a window around the current one (None = gap)."""
        wanted = {1, self.num_pages, *range(self.number - around, self.number + around + 1)}
        pages = sorted(p for p in wanted if 1 <= p <= self.num_pages)
        out: list[int | None] = []
        for p in pages:
            if out and p - (out[-1] or 0) > 1:
                out.append(None)
            out.append(p)
        return out


def parse_page(raw: str | None) -> int:
    try:
        return max(int(raw or 1), 1)
    except ValueError:
        return 1


def opportunity_list(*, user: Any, form: OpportunityFilterForm, sort: str, page: int, page_size: int,
                     now: dt.datetime) -> ListPage:
    """The filtered, sorted page of visible opportunities, with the count and amount of the whole set.

    Two queries: COUNT + SUM over the filtered set (two when a period is chosen without a status, see
    _totals), then the page with its customer and owner.
    An unknown ``sort`` falls back to the newest change first; a page past the end shows the last.
    """
    visible = access.visible_opportunities(user)
    qs = form.apply(visible)
    count, total = _totals(visible, form)
    num_pages = max((count + page_size - 1) // page_size, 1)
    number = min(page, num_pages)
    sort = sort if sort in LIST_SORTS else DEFAULT_SORT
    offset = (number - 1) * page_size
    rows: list[Any] = []
    if count:
        page_qs = _cards(qs.order_by(*LIST_SORTS[sort]))[offset:offset + page_size]
        labels = CardLabels(now)
        rows = [labels.apply(o) for o in page_qs]
        _with_names(rows)
        mark_rows(rows)
    return ListPage(rows=rows, count=count, total=total, number=number,
                    num_pages=num_pages, page_size=page_size, sort=sort)


def _totals(visible: QuerySet[Any], form: OpportunityFilterForm) -> tuple[int, Decimal]:
    """COUNT and SUM of the filtered set. A period without a status means "open ones closing in it OR
    closed ones closed in it": that OR is summed as its two sides, each answered from a covering index
    (opp_open_board_idx, opp_closed_board_idx); as one OR the planners fetch every matching row."""
    chosen = form.date_range()
    if chosen is not None and not form.values.get("status"):
        base = form.apply(visible, period=False)
        parts = [base.filter(period_q(*chosen, status=Status.OPEN)), base.filter(period_q(*chosen, status=Status.WON))]
    else:
        parts = [form.apply(visible)]
    count, total = 0, Decimal(0)
    for part in parts:
        row = part.order_by().aggregate(n=Count("id"), total=Sum("amount"))
        count += row["n"] or 0
        total += row["total"] or Decimal(0)
    return count, total


def all_stage_names(every: list[Pipeline]) -> dict[str, str]:
    """Stage names of every pipeline's current playbook (the list shows opportunities of all of them)."""
    names: dict[str, str] = {}
    for pipeline in every:
        for key, name in stage_names(playbook_of(pipeline.current_version)).items():
            names.setdefault(key, name)
    return names
