"""The lifecycle report 商機生命周期報告 (S5): one opportunity's whole story — stages with dates and
durations, the health-score history, follow-ups, objections, documents, approvals and the outcome — read
in a fixed number of queries (nine, whatever the number of rows) and rendered to HTML and PDF.

Names (stages, documents, approvals, loss reasons) come from the playbook version the opportunity ran
under, in the active language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from opphub.common.money import money
from opphub.followups.models import FollowUp
from opphub.methodology.health import score_text
from opphub.methodology.playbook import Playbook
from opphub.opportunities.messages import approval_name, document_name, stage_name
from opphub.opportunities.models import Opportunity, StageHistory
from opphub.opportunities.playbooks import playbook_of

from .models import Approval, ArchiveReview, Document, HealthRecord, Objection, StageRecord

REPORT_QUERIES = 9  # the builder's query count, asserted in tests/gates/test_report.py
EXCERPT_CHARS = 160
DAY = Decimal(86400)


def days_between(start: datetime, end: datetime) -> Decimal:
    """Elapsed days, one decimal (a stage of 36 hours lasted 1.5 days)."""
    seconds = Decimal(str((end - start).total_seconds()))
    return (seconds / DAY).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class StageRow:
    key: str
    name: str
    entered_at: datetime
    left_at: datetime | None
    days: Decimal
    ongoing: bool  # not left yet: the duration runs to the time of the report
    note: str


@dataclass(frozen=True)
class HealthRow:
    record: HealthRecord
    stage_name: str
    decision_label: str


@dataclass(frozen=True)
class FollowUpRow:
    followup: FollowUp
    kind_name: str
    excerpt: str
    objections: str


@dataclass(frozen=True)
class DocumentRow:
    document: Document
    type_name: str
    stage_name: str
    latest: bool  # the latest upload of its type (the one that counts and goes into the archive ZIP)


@dataclass(frozen=True)
class ApprovalRow:
    approval: Approval
    name: str
    stage_name: str


@dataclass
class LifecycleReport:
    opportunity: Opportunity
    generated_at: datetime
    playbook_version: str
    playbook_name: str
    currency: str
    outcome: str
    amount_label: str
    stages: list[StageRow] = field(default_factory=list)
    total_days: Decimal | None = None
    health: list[HealthRow] = field(default_factory=list)
    followups: list[FollowUpRow] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)
    documents: list[DocumentRow] = field(default_factory=list)
    approvals: list[ApprovalRow] = field(default_factory=list)
    record: StageRecord | None = None
    success_tags: list[str] = field(default_factory=list)
    loss_reason_name: str = ""
    reviews: list[ArchiveReview] = field(default_factory=list)

    @property
    def won(self) -> bool:
        return self.opportunity.status == "won"

    @property
    def lost(self) -> bool:
        return self.opportunity.status == "lost"


def _decision_label(decision: str, playbook: Playbook) -> str:
    """H4's decision in words, with the band of the playbook the score was decided under."""
    band = {"low": score_text(playbook.health.back_below), "high": score_text(playbook.health.advance_above)}
    labels = {"advance": _("Advanced automatically (above %(high)s)") % band,
              "approval": _("To the manager's approval (%(low)s–%(high)s)") % band,
              "back": _("Back to the previous stage (below %(low)s)") % band}
    return str(labels.get(decision, decision))


def lifecycle_report(opportunity: Opportunity, *, now: datetime) -> LifecycleReport:
    """Everything the lifecycle report shows, in ``REPORT_QUERIES`` queries. ``opportunity`` must be
    one the caller has checked the user may see (``access.get_opportunity``)."""
    opp = Opportunity.objects.select_related("customer", "owner", "team", "playbook_version").get(pk=opportunity.pk)
    playbook = playbook_of(opp.playbook_version)
    lang = get_language()

    def sname(key: str) -> str:
        return stage_name(playbook, key) if key else ""

    report = LifecycleReport(
        opportunity=opp, generated_at=now, playbook_version=playbook.version,
        playbook_name=playbook.name.get(lang), currency=playbook.currency,
        outcome=str(opp.get_status_display()), amount_label=money(opp.amount))

    history = list(StageHistory.objects.filter(opportunity=opp).order_by("entered_at", "id"))
    for h in history:
        end = h.left_at or now
        report.stages.append(StageRow(key=h.stage, name=sname(h.stage), entered_at=h.entered_at, left_at=h.left_at,
                                      days=days_between(h.entered_at, end), ongoing=h.left_at is None,
                                      note=h.note))
    if history:
        end = opp.closed_at or now
        report.total_days = days_between(history[0].entered_at, end)

    for r in HealthRecord.objects.filter(opportunity=opp).order_by("computed_at", "id"):
        report.health.append(HealthRow(record=r, stage_name=sname(r.stage),
                                       decision_label=_decision_label(r.decision, playbook)))

    for f in FollowUp.objects.filter(opportunity=opp).select_related("author").order_by("occurred_at", "id"):
        report.followups.append(FollowUpRow(
            followup=f, kind_name=str(f.get_kind_display()),
            excerpt=Truncator(" ".join(f.notes.split())).chars(EXCERPT_CHARS),
            objections=Truncator(" ".join(f.objections.split())).chars(EXCERPT_CHARS)))

    report.objections = list(Objection.objects.filter(opportunity=opp).select_related("resolved_by")
                             .order_by("raised_at", "id"))

    documents = list(Document.objects.filter(opportunity=opp).select_related("uploaded_by", "confirmed_by")
                     .order_by("uploaded_at", "id"))
    latest: dict[str, int] = {}
    for d in documents:  # ordered oldest first: the last one seen of a type is its latest
        latest[d.doc_type] = d.pk
    order = {k: i for i, k in enumerate(playbook.stage_keys)}
    documents.sort(key=lambda d: (order.get(d.stage, len(order)), d.uploaded_at, d.pk))
    report.documents = [DocumentRow(document=d, type_name=document_name(playbook, d.doc_type),
                                    stage_name=sname(d.stage), latest=latest[d.doc_type] == d.pk) for d in documents]

    report.approvals = [ApprovalRow(approval=a, name=approval_name(playbook, a.key), stage_name=sname(a.stage))
                        for a in Approval.objects.filter(opportunity=opp).select_related("requested_by", "decided_by")
                        .order_by("requested_at", "id")]

    record = StageRecord.objects.filter(opportunity=opp).first()
    report.record = record
    if record is not None:
        report.success_tags = record.success_tags
        if record.loss_reason:
            reason = next((r for r in playbook.loss_reasons if r.key == record.loss_reason), None)
            report.loss_reason_name = reason.name.get(lang) if reason is not None else record.loss_reason

    report.reviews = list(ArchiveReview.objects.filter(opportunity=opp).select_related("submitted_by", "decided_by")
                          .order_by("submitted_at", "id"))
    return report


def report_html(report: LifecycleReport, *, for_pdf: bool = False) -> str:
    return render_to_string("gates/report.html", {"report": report, "o": report.opportunity, "for_pdf": for_pdf,
                                                  "lang": get_language() or "zh-hans"})


def report_pdf(report: LifecycleReport) -> bytes:
    """The report as PDF (WeasyPrint, Noto CJK). Nothing is fetched: the CSS is inline in the template
    and every URL other than ``data:`` is refused, so a report never reaches the network or the disk."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=("data",))
    pdf: bytes = HTML(string=report_html(report, for_pdf=True), base_url=None, url_fetcher=fetcher).write_pdf()
    return pdf


def report_filename(opportunity: Any) -> str:
    return f"{opportunity.number}-lifecycle-report.pdf"
