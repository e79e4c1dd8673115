"""The filter form shared by the pipeline board and the opportunity list (spec M4: filter by team,
industry, product; P4: a manager checks the team's pipeline).

Filters: stage, owner, team (with the teams below it), industry, product, period, status and a text
search ``q`` on the opportunity number and the customer name.

Period: the quick choices (this month, this quarter, last 90 days, this year) and a custom from/to
range are local calendar dates (settings.TIME_ZONE). The period is applied to the **expected close
date** of open opportunities and to the **closing date** (``closed_at``) of won and lost ones.

A field with invalid input (a bad date, an unknown stage, an owner the user may not see) shows its
translated error beside the field and is left out of the filtering; the other fields still apply.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from opphub import access
from opphub.common.forms import form_field
from opphub.customers.models import Customer, Industry
from opphub.methodology.playbook import Playbook
from opphub.people.models import Team, User

from .models import Product, Status

PERIOD_CHOICES = [
    ("", _("Any time")),
    ("month", _("This month")),
    ("quarter", _("This quarter")),
    ("90d", _("Last 90 days")),
    ("year", _("This year")),
    ("custom", _("Custom range")),
]
CLOSED = (Status.WON, Status.LOST)
NUMBER_CHARS = re.compile(r"[0-9A-Za-z-]+")
FIRST_YEAR, LAST_YEAR = 1900, 2999  # dates outside would overflow once shifted to UTC or by a day
FILTER_FIELDS = ("q", "stage", "status", "owner", "team", "industry", "product", "period", "date_from", "date_to")


class QuickSelect(forms.Select):
    """Django's ``<select>`` markup, written in Python: the template widget renders one template per
    option, which the board and list pay on every request (about a hundred options)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None,
               renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts: list[str] = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html('<optgroup label="{}">', group))
            parts.extend(format_html('<option value="{}"{}>{}</option>', o["value"], flatatt(o["attrs"]), o["label"])
                         for o in options)
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped by format_html above


class PlainChoiceIterator(forms.models.ModelChoiceIterator):
    """Reads the (small) choice list with one plain SELECT: Django's iterator uses ``.iterator()``,
    a server-side cursor on PostgreSQL (DECLARE ... WITH HOLD, FETCH, CLOSE) for every select."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class QuickModelChoiceField(forms.ModelChoiceField):
    iterator = PlainChoiceIterator
    widget = QuickSelect


class UserChoiceField(QuickModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


def period_range(period: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The inclusive date range of a quick period choice, relative to ``today`` (a local date)."""
    if period == "month":
        start = today.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        return start, end
    if period == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        start = today.replace(month=first_month, day=1)
        end = (start + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
        return start, end
    if period == "90d":
        return today - dt.timedelta(days=89), today
    if period == "year":
        return today.replace(month=1, day=1), today.replace(month=12, day=31)
    return None


def local_day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def period_q(start: dt.date | None, end: dt.date | None, status: str = "") -> Q:
    """Open ones by expected close date, closed ones by the day they were closed (both inclusive)."""
    # "status IN (won, lost)" rather than "NOT open": an index on (status, closed_at, ...) can then
    # seek both ranges (PostgreSQL cannot skip-scan a NOT).
    open_q, closed_q = Q(status=Status.OPEN), Q(status__in=CLOSED)
    if start is not None:
        open_q &= Q(expected_close_date__gte=start)
        closed_q &= Q(closed_at__gte=local_day_start(start))
    if end is not None:
        open_q &= Q(expected_close_date__lte=end)
        closed_q &= Q(closed_at__lt=local_day_start(end + dt.timedelta(days=1)))
    if status == Status.OPEN:
        return open_q
    if status in (Status.WON, Status.LOST):
        return closed_q
    return open_q | closed_q


def _subtree(team_ids: set[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for tid, parent_id in Team.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id or 0, []).append(tid)
    result, stack = set(), list(team_ids)
    while stack:
        tid = stack.pop()
        if tid not in result:
            result.add(tid)
            stack.extend(children.get(tid, []))
    return result


class OpportunityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("Number or customer")}))
    stage = forms.ChoiceField(label=_("Stage"), required=False, widget=QuickSelect)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *Status.choices], widget=QuickSelect)
    owner = UserChoiceField(label=_("Owner"), required=False, queryset=User.objects.none(),
                            empty_label=_("Anyone"))
    team = QuickModelChoiceField(label=_("Team"), required=False, queryset=Team.objects.none(),
                                 empty_label=_("Any team"))
    industry = forms.ChoiceField(label=_("Industry"), required=False,
                                 choices=[("", _("Any industry")), *Industry.choices], widget=QuickSelect)
    product = QuickModelChoiceField(label=_("Product"), required=False, queryset=Product.objects.none(),
                                    empty_label=_("Any product"))
    period = forms.ChoiceField(label=_("Period"), required=False, choices=PERIOD_CHOICES, widget=QuickSelect,
                               help_text=_("Expected close date of open opportunities; closing date of "
                                           "won and lost ones."))
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, data: Any, *, user: Any, playbook: Playbook, now: dt.datetime) -> None:
        super().__init__(data or None)
        self.user, self.playbook = user, playbook
        self.today = timezone.localdate(now)
        lang = get_language()
        form_field(self, "stage", forms.ChoiceField).choices = [
            ("", _("Any stage")), *[(s.key, s.name.get(lang)) for s in playbook.stages]]
        form_field(self, "owner", forms.ModelChoiceField).queryset = self._owner_choices()
        form_field(self, "team", forms.ModelChoiceField).queryset = self._team_choices()
        form_field(self, "product", forms.ModelChoiceField).queryset = (
            Product.objects.filter(active=True).only("id", "name"))
        self._cleaned: dict[str, Any] | None = None

    # ---------------------------------------------------------------- choices the user may see
    def _owner_choices(self) -> QuerySet[User]:
        # from the org (people table), never from the opportunities: see access.owner_filter_choices
        return (access.owner_filter_choices(self.user).only("id", "username", "display_name", "first_name",
                                                            "last_name")
                .order_by("display_name", "username"))

    def _team_choices(self) -> QuerySet[Team]:
        if access.sees_all(self.user):
            return Team.objects.only("id", "name")
        ids = set(access.managed_team_ids(self.user))
        if self.user.team_id:
            ids.add(self.user.team_id)
        return Team.objects.filter(pk__in=ids).only("id", "name")

    # ---------------------------------------------------------------------------- validation
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("date_from", "date_to"):
            value = data.get(name)
            if value and not (FIRST_YEAR <= value.year <= LAST_YEAR) and name not in self.errors:
                self.add_error(name, _("Choose a date between %(first)s and %(last)s.")
                               % {"first": FIRST_YEAR, "last": LAST_YEAR})
                data[name] = None
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start and "date_to" not in self.errors:
            self.add_error("date_to", _("The end of the range is before its start."))
        return data

    @property
    def values(self) -> dict[str, Any]:
        """The valid filter values (an invalid field is absent: its error shows beside it)."""
        if self._cleaned is None:
            self._cleaned = {}
            if self.is_bound:
                self.is_valid()
                self._cleaned = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        return self._cleaned

    @property
    def active(self) -> bool:
        return bool(self.values)

    def date_range(self) -> tuple[dt.date | None, dt.date | None] | None:
        """The chosen period as inclusive local dates, or None when no period is chosen."""
        v = self.values
        period = v.get("period", "")
        if period and period != "custom":
            return period_range(period, self.today)
        if v.get("date_from") or v.get("date_to"):
            return v.get("date_from"), v.get("date_to")
        return None

    # ------------------------------------------------------------------------------ applying
    def apply(self, qs: QuerySet[Any], *, period: bool = True) -> QuerySet[Any]:
        """Narrow ``qs`` (already limited to what the user may see) by the valid filters."""
        v = self.values
        if v.get("q"):
            text = v["q"].strip()
            # customer_id IN (...) rather than a JOIN: the page query keeps to the opportunity table
            by_customer = Q(customer_id__in=Customer.objects.filter(name__icontains=text).values("pk"))
            # numbers are YEAR-REGION-SEQ (digits, letters, dashes): other text (Chinese names) can't be in
            # one, and leaving the number out lets the planners start from the few matching customers
            qs = qs.filter(Q(number__icontains=text) | by_customer if NUMBER_CHARS.fullmatch(text) else by_customer)
        if v.get("stage"):
            qs = qs.filter(stage=v["stage"])
        if v.get("status"):
            qs = qs.filter(status=v["status"])
        if v.get("owner"):
            qs = qs.filter(owner_id=v["owner"].pk)
        if v.get("team"):
            qs = qs.filter(team_id__in=_subtree({v["team"].pk}))
        if v.get("industry"):
            qs = qs.filter(industry=v["industry"])
        if v.get("product"):
            qs = qs.filter(products=v["product"])
        rng = self.date_range() if period else None
        if rng is not None:
            qs = qs.filter(period_q(rng[0], rng[1], v.get("status", "")))
        return qs

    def querystring(self, **overrides: Any) -> str:
        """The valid filters as a query string (for links that keep them), with overrides."""
        from django.http import QueryDict

        qd = QueryDict(mutable=True)
        for name in FILTER_FIELDS:
            raw = self.data.get(name, "") if self.is_bound else ""
            if name in self.values and raw:
                qd[name] = raw
        for name, value in overrides.items():
            if value in (None, ""):
                qd.pop(name, None)
            else:
                qd[name] = str(value)
        return qd.urlencode()
