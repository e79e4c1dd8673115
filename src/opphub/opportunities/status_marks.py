"""The playbook's stage marks for many opportunities at once (spec S1 待確認商機, S3 方案確認中).

A stage of the playbook may carry a ``status_label`` shown once its ``status_after_documents`` are
uploaded and until its ``status_until_approvals`` are all granted; the pure
rule is :func:`opphub.methodology.stages.status_label_of`. The card reads it from its gate panel; the
board and the list call :func:`status_marks` for the whole page: three queries (the playbook
versions, the uploaded document types, the granted approvals), whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import get_language

from opphub.methodology.playbook import Playbook
from opphub.methodology.stages import status_label_of

from .models import Opportunity, PlaybookVersion, Status
from .playbooks import playbook_of

APPROVED = "approved"  # gates.models.ApprovalState.APPROVED
Row = tuple[int, str, str, int]  # (opportunity id, stage, status, playbook version id)


def books_of(version_ids: Iterable[int]) -> dict[int, Playbook]:
    """The parsed playbook of each stored version id: one query."""
    versions = PlaybookVersion.objects.filter(pk__in=set(version_ids)).only("id", "digest", "key", "version")
    return {v.pk: playbook_of(v) for v in versions}


def status_marks(rows: Iterable[Row], books: dict[int, Playbook] | None = None) -> dict[int, str]:
    """{opportunity id: the stage mark in the current language} for the open rows whose mark applies.
    ``books``: the playbooks by version id, when the caller has them (else one more query)."""
    rows = [r for r in rows if r[2] == Status.OPEN]
    if not rows:
        return {}
    if books is None:
        books = books_of(r[3] for r in rows)
    marked = []
    for row in rows:
        book = books.get(row[3])
        if book is not None and row[1] in book.stage_keys and book.stage(row[1]).status_label is not None:
            marked.append((row, book.stage(row[1])))
    # every open row's id, not only the marked ones': the number of queries stays the same for any page
    ids = [row[0] for row in rows]
    uploaded: dict[int, set[str]] = {}
    approved: dict[int, set[str]] = {}
    docs = {d for _row, s in marked for d in s.status_after_documents}
    keys = {a for _row, s in marked for a in s.status_until_approvals}
    # through the reverse relations of the stage work's tables (gates sits above opportunities: no import)
    for opp_id, doc_type in (Opportunity.objects.filter(pk__in=ids, documents__isnull=False).order_by()
                             .values_list("pk", "documents__doc_type").distinct()):
        if doc_type in docs:
            uploaded.setdefault(opp_id, set()).add(doc_type)
    for opp_id, key in (Opportunity.objects.filter(pk__in=ids, approvals__state=APPROVED).order_by()
                        .values_list("pk", "approvals__key").distinct()):
        if key in keys:
            approved.setdefault(opp_id, set()).add(key)
    lang = get_language()
    out = {}
    for row, stage in marked:
        label = status_label_of(stage, uploaded=uploaded.get(row[0], set()), approved=approved.get(row[0], set()))
        if label is not None:
            out[row[0]] = label.get(lang)
    return out


def mark_rows(rows: list[Any]) -> None:
    """Set ``status_mark`` on list rows (opportunities read with ``playbook_version``'s id)."""
    marks = status_marks((o.pk, o.stage, o.status, o.playbook_version_id) for o in rows)
    for o in rows:
        o.status_mark = marks.get(o.pk, "")
