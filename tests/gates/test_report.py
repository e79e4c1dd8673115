"""The lifecycle report 商機生命周期報告 (spec S5, issue 3 item 6): HTML and PDF, for whoever may see the
opportunity; a fixed number of queries."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from opphub.gates.report import REPORT_QUERIES, lifecycle_report

from .archive_data import CUSTOMER, at, build_life

ZH_STAGES = ["商机发现", "需求确认", "方案推进", "商务成交", "商机归档"]


def client_for(user, lang: str = "zh-hans") -> Client:  # type: ignore[no-untyped-def]
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def url(name: str, opp) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"gates:{name}", kwargs={"number": opp.number})


def rows(html: str, section: str) -> str:
    """The HTML of one section of the report."""
    start = html.index(f'<section id="{section}">')
    return html[start:html.index("</section>", start)]


@pytest.mark.django_db
def test_html_lists_stages_with_durations_scores_followups_documents(org):
    """spec: S5 — the report shows each stage with entered/left dates and its duration, the health-score
    history (H1-H4), the follow-ups with objections, the documents and the approvals."""
    life = build_life(org)
    opp = life.opportunity
    response = client_for(org.r1).get(url("report", opp))
    assert response.status_code == 200
    html = response.content.decode()
    assert opp.number in html and CUSTOMER in html and "智能工厂 MES 一期" in html
    assert "¥1,250,000" in html and "张三" in html and "华东一部" in html

    stages = rows(html, "stages")
    for name in ZH_STAGES:
        assert name in stages
    # Asia/Shanghai dates; 10.0 / 7.0 / 21.1 / 10.9 days; the archive stage is still running
    assert "2026-09-01 17:00" in stages and "2026-10-09 20:00" in stages
    assert [d for d in ("10.0", "7.0", "21.1", "10.9") if f'<td class="num">{d}</td>' in stages] == [
        "10.0", "7.0", "21.1", "10.9"]
    assert stages.index("商机发现") < stages.index("需求确认") < stages.index("方案推进") < stages.index("商务成交")

    health = rows(html, "health")
    # at most one decimal (H4 rounding, docs/decisions.md)
    assert ">72.5<" in health and ">86<" in health and ">32<" in health and ">20<" in health
    assert "72.50" not in health and "86.00" not in health
    assert health.index("72.5") < health.index(">86<")  # oldest first

    followups = rows(html, "followups")
    assert "拜访生产总监" in followups and "高层拜访：确认二期预算" in followups
    assert "报价高于预期" in followups and "提供分期付款方案" in followups

    documents = rows(html, "documents")
    for name in life.files:
        if "-confirmation" not in name:
            assert name in documents
    assert "商机初筛报告" in documents and "需求确认单" in documents and "合同扫描件" in documents
    assert life.superseded[0] in documents  # earlier uploads stay visible, marked as superseded

    approvals = rows(html, "approvals")
    assert "商机初筛报告审批" in approvals and "王经理" in approvals and "需求清晰，同意推进" in approvals

    outcome = rows(html, "outcome")
    assert "高层拜访推动决策" in outcome and "分期付款打消价格顾虑" in outcome


@pytest.mark.django_db
def test_lost_report_names_the_playbook_loss_reason_and_the_analysis(org):
    """spec: S5, X2 — lost: the loss reason by its playbook name and the three analysis texts."""
    opp = build_life(org, outcome="lost").opportunity
    html = client_for(org.m1).get(url("report", opp)).content.decode()
    outcome = rows(html, "outcome")
    assert "竞品价格更低" in outcome
    assert "竞品报价低 20%" in outcome and "预算被砍一半" in outcome and "价值锚点不够清晰" in outcome

    english = client_for(org.m1, "en").get(url("report", opp)).content.decode()
    assert "Competitor&#x27;s lower price" in english or "Competitor's lower price" in english
    assert "Requirement confirmation" in rows(english, "stages")


@pytest.mark.django_db
def test_pdf_downloads_and_its_chinese_text_extracts(org, tmp_path):
    """spec: S5 — the lifecycle report as PDF (WeasyPrint, Noto CJK): an attachment named after the number
    whose text extracts correctly, customer name and stage names in zh-hans."""
    assert shutil.which("pdftotext"), "poppler-utils must be installed (.ci/run installs it)"
    opp = build_life(org).opportunity
    response = client_for(org.r1).get(url("report_pdf", opp))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{opp.number}-lifecycle-report.pdf"'
    assert response.content.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout
    assert CUSTOMER in text
    for name in ZH_STAGES:
        assert name in text
    assert "高层拜访推动决策" in text and opp.number in text


@pytest.mark.django_db
def test_pdf_in_traditional_chinese(org, tmp_path):
    """spec: M1 — the report follows the reader's language (zh-hant stage names in the PDF)."""
    opp = build_life(org).opportunity
    response = client_for(org.r1, "zh-hant").get(url("report_pdf", opp))
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout
    assert "商機發現" in text and "商務成交" in text and CUSTOMER in text


@pytest.mark.django_db
def test_pdf_fetches_nothing(org):
    """The PDF renderer refuses http(s) and file URLs: a report never reaches the network or the disk."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=("data",))
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher.fetch("http://127.0.0.1:9/x.css")
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher.fetch("file:///etc/passwd")
    # a page asking for a remote stylesheet still renders (the request is refused, not made)
    pdf = HTML(string='<link rel="stylesheet" href="http://127.0.0.1:9/x.css"><p>好</p>',
               url_fetcher=fetcher).write_pdf()
    assert pdf.startswith(b"%PDF")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["report", "report_pdf"])
def test_others_get_404(org, name):
    """spec: access — a rep of another team, or unassigned presales, cannot see the opportunity: 404."""
    opp = build_life(org).opportunity
    for outsider in (org.r2, org.m2, org.presales):
        assert client_for(outsider).get(url(name, opp)).status_code == 404
    for insider in (org.m1, org.director):
        assert client_for(insider).get(url(name, opp)).status_code == 200
    anonymous = Client().get(url(name, opp))
    assert anonymous.status_code == 302


@pytest.mark.django_db
def test_report_builder_query_count_is_fixed(org, django_assert_max_num_queries):
    """The report reads in a fixed number of queries, whatever the number of rows."""
    from opphub.opportunities.playbooks import playbook_of

    full = build_life(org).opportunity
    from ..factories import make_opportunity

    empty = make_opportunity(actor=org.r2)
    playbook_of(full.playbook_version)  # parsed once per process, not per report
    with translation.override("zh-hans"):
        with django_assert_max_num_queries(REPORT_QUERIES):
            report = lifecycle_report(full, now=at(10, 25))
        with django_assert_max_num_queries(REPORT_QUERIES):
            lifecycle_report(empty, now=at(10, 25))
    assert len(report.stages) == 5 and len(report.health) == 2 and len(report.followups) == 2
    assert len(report.documents) == 4 and len(report.approvals) == 1
    assert str(report.total_days) == "49.0"
    assert [s.ongoing for s in report.stages] == [False, False, False, False, True]
    assert str(report.stages[-1].days) == "5.0"
