"""The scan's X3 part: slow customer response and "discussing internally" (spec X3; docs/decisions.md D16).

Both signals need the pure core (``methodology.risk``) on sequences and text, so SQL narrows the
candidates and the core decides for those only, on the playbook's window (each opportunity's newest
``rules.risk_window_followups`` follow-ups, as the card reads them: ``opportunities.risks.risk_window``):

- internal discussion: follow-ups whose notes contain a phrase (``LIKE``), counted per opportunity;
  at least ``internal_discussion_repeats`` of them → candidate;
- slow response: one window-function pass over the follow-ups of the open opportunities
  (:func:`slow_response_candidates`) rebuilds the core's *responses* (the first outbound of a run of
  outbound touches, answered by the next inbound one; an outbound still waiting at ``now``) in SQL and
  keeps the opportunities with at least two responses, the latest longer than the risk limit
  (``response_time_risk_days``) and an earlier one within the normal time
  (``response_time_normal_hours``). These are necessary conditions of ``response_time_flag`` (the
  median of the first half of the earlier responses is at least their minimum), each compared with
  one second of slack, so the candidates are a superset of the flagged ones and the core's answer is the
  scan's answer — only the median test is left to Python.

The candidates' follow-ups are read in batches: (time, direction) for slow-response candidates,
the notes only for internal-discussion candidates.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import Count, Q

from opphub.followups.models import FollowUp
from opphub.methodology.playbook import Playbook
from opphub.methodology.risk import internal_discussion_flag, response_time_flag
from opphub.opportunities.models import Opportunity, Status

from .models import Alert

X3_BATCH = 2000  # candidates verified by the pure core per query
X3_INSERT = 5000  # episodes per INSERT (2 parameters each: within SQLite's 32,766)
SLACK = dt.timedelta(seconds=1)  # the SQL pre-filter errs towards more candidates, never fewer

Episodes = set[tuple[int, dt.datetime]]


def _slow_sql() -> str:
    """The responses of each open opportunity's newest ``window`` follow-ups, as the core counts them.

    Ordered newest first (``rn`` 1 = newest), so the "previous" touch is ``LEAD``; the oldest row of the
    window has no previous one (the core does not see beyond the window). ``since`` is the start of the
    wait a row belongs to: the newest wait start at or before it."""
    pg = connection.vendor == "postgresql"

    def diff(a: str, b: str) -> str:  # an interval on PostgreSQL, days (float) on SQLite
        return f"({a} - {b})" if pg else f"(julianday({a}) - julianday({b}))"

    fu, opp = FollowUp._meta.db_table, Opportunity._meta.db_table
    return f"""
WITH w AS (
  SELECT f.opportunity_id AS opp, f.occurred_at AS at, f.id AS fid, f.direction AS d,
         ROW_NUMBER() OVER win AS rn, LEAD(f.direction) OVER win AS prev_d
  FROM {fu} f JOIN {opp} o ON o.id = f.opportunity_id
  WHERE o.status = %(open)s AND o.playbook_version_id = %(version)s
  WINDOW win AS (PARTITION BY f.opportunity_id ORDER BY f.occurred_at DESC, f.id DESC)
), s AS (
  SELECT opp, at, fid, d, rn, prev_d,
         MAX(CASE WHEN d = 'out' AND (prev_d IS NULL OR prev_d = 'in' OR rn = %(window)s) THEN at END)
           OVER (PARTITION BY opp ORDER BY at DESC, fid DESC ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
           AS since
  FROM w WHERE rn <= %(window)s
), r AS (
  SELECT opp, at, fid,
         CASE WHEN d = 'in' AND prev_d = 'out' AND rn < %(window)s THEN {diff('at', 'since')}
              WHEN d = 'out' AND rn = 1 AND since < %(quiet_before)s THEN {diff('%(now)s', 'since')} END AS took
  FROM s
), q AS (
  SELECT opp, took, ROW_NUMBER() OVER (PARTITION BY opp ORDER BY at DESC, fid DESC) AS k
  FROM r WHERE took IS NOT NULL
)
SELECT opp FROM q GROUP BY opp
HAVING COUNT(*) >= 2 AND MAX(CASE WHEN k = 1 THEN took END) > %(risk)s
   AND MIN(CASE WHEN k > 1 THEN took END) <= %(normal)s"""  # noqa: S608 (table names from the models)


def slow_response_candidates(version_id: int, book: Playbook, now: dt.datetime) -> set[int]:
    """Open opportunities of the version whose responses may make ``response_time_flag`` fire (a superset)."""
    rules = book.rules
    risk = dt.timedelta(days=rules.response_time_risk_days)
    normal = dt.timedelta(hours=rules.response_time_normal_hours)
    pg = connection.vendor == "postgresql"
    moment = (lambda v: v) if pg else connection.ops.adapt_datetimefield_value
    length = (lambda v: v) if pg else (lambda v: v / dt.timedelta(days=1))
    params = {"open": Status.OPEN, "version": version_id, "window": rules.risk_window_followups, "now": moment(now),
              "quiet_before": moment(now - risk + SLACK), "risk": length(risk - SLACK),
              "normal": length(normal + SLACK)}
    with connection.cursor() as cursor:
        if pg:  # JIT compiling this one big query costs more than it saves (~1.5 s at 1M opportunities)
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(_slow_sql(), params)
        return {row[0] for row in cursor.fetchall()}


def internal_discussion_candidates(version_id: int, book: Playbook) -> set[int]:
    """Open opportunities with at least ``internal_discussion_repeats`` notes holding a phrase (a superset:
    every note, not only the window; a substring, not a jieba token)."""
    rules = book.rules
    phrase_q = Q(pk__in=[])
    for phrase in rules.internal_discussion_phrases:
        phrase_q |= Q(notes__contains=phrase)
    return set(FollowUp.objects.filter(phrase_q, opportunity__status=Status.OPEN,
                                       opportunity__playbook_version_id=version_id)
               .order_by().values("opportunity_id").annotate(n=Count("id"))
               .filter(n__gte=rules.internal_discussion_repeats).values_list("opportunity_id", flat=True))


def _newest(ids: list[int], window: int, *fields: str) -> dict[int, list[tuple]]:
    """The playbook's window of each opportunity (its newest ``window`` follow-ups), oldest first."""
    out: dict[int, list[tuple]] = defaultdict(list)
    if not ids:
        return out
    rows = (FollowUp.objects.filter(opportunity_id__in=ids).order_by("opportunity_id", "-occurred_at", "-id")
            .values_list("opportunity_id", *fields))
    for opp_id, *values in rows:
        if len(out[opp_id]) < window:
            out[opp_id].append(tuple(values))
    for items in out.values():
        items.reverse()
    return out


def x3_flags(books: dict[int, Playbook], now: dt.datetime) -> tuple[Episodes, Episodes, int]:
    """(slow_response episodes, internal_discussion episodes, candidates) as {(opportunity id, stage entry)}."""
    slow: Episodes = set()
    talk: Episodes = set()
    checked = 0
    for version_id, book in books.items():
        talk_ids = internal_discussion_candidates(version_id, book)
        slow_ids = slow_response_candidates(version_id, book, now)
        candidates = sorted(talk_ids | slow_ids)
        checked += len(candidates)
        for i in range(0, len(candidates), X3_BATCH):
            batch = candidates[i:i + X3_BATCH]
            entered = dict(Opportunity.objects.filter(pk__in=batch).values_list("pk", "stage_entered_at"))
            window = book.rules.risk_window_followups
            touches = _newest([o for o in batch if o in slow_ids], window, "occurred_at", "direction")
            notes = _newest([o for o in batch if o in talk_ids], window, "notes")
            for opp_id, items in touches.items():
                if response_time_flag(book, items, now=now):
                    slow.add((opp_id, entered[opp_id]))
            for opp_id, items in notes.items():
                if internal_discussion_flag(book, [n for (n,) in reversed(items)]):
                    talk.add((opp_id, entered[opp_id]))
    return slow, talk, checked


def _insert_episodes(kind: str, episodes: list[tuple[int, dt.datetime]], now: dt.datetime) -> None:
    """INSERT ... SELECT over a VALUES list of (opportunity, basis) joined with the opportunity for its
    owner: one statement per chunk, existing episodes left alone (ON CONFLICT DO NOTHING)."""
    quote, adapt = connection.ops.quote_name, connection.ops.adapt_datetimefield_value
    alert, opp = quote(Alert._meta.db_table), quote(Opportunity._meta.db_table)
    for i in range(0, len(episodes), X3_INSERT):
        chunk = episodes[i:i + X3_INSERT]
        values = ", ".join(["(%s, %s)"] * len(chunk))
        sql = (f"WITH v (opp, basis) AS (VALUES {values}) "  # noqa: S608
               f"INSERT INTO {alert} (kind, opportunity_id, owner_id, basis_at, raised_at) "
               f"SELECT %s, o.id, o.owner_id, v.basis, %s FROM v JOIN {opp} o ON o.id = v.opp "
               f"WHERE true ON CONFLICT (opportunity_id, kind, basis_at) DO NOTHING")  # WHERE: SQLite's upsert parsing
        params: list[int | str | None] = []
        for opp_id, basis in chunk:
            params += [opp_id, adapt(basis)]
        params += [kind, adapt(now)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def sync_flag_alerts(kind: str, episodes: Episodes, now: dt.datetime) -> tuple[int, int]:
    """Upsert the X3 episodes found and resolve the open alerts of ``kind`` no longer found."""
    current = {(o, b): pk for pk, o, b in Alert.objects.filter(kind=kind, resolved_at__isnull=True)
               .values_list("pk", "opportunity_id", "basis_at")}
    gone = [pk for key, pk in current.items() if key not in episodes]
    new = sorted(e for e in episodes if e not in current)
    _insert_episodes(kind, new, now)
    for i in range(0, len(gone), X3_BATCH):
        Alert.objects.filter(pk__in=gone[i:i + X3_BATCH]).update(resolved_at=now)
    return len(new), len(gone)
