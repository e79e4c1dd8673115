"""Input hygiene (issue 9 item 3): required text is stripped and refused when empty on every way in
(API and pages agree), typed dates stay within 2000-01-01..2100-12-31, and the API's document download
answers like the page (archive name, 404 for a missing file)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from opphub.common.validation import DATE_MAX, DATE_MIN, date_bounds_message
from opphub.customers.models import Contact, Customer
from opphub.followups.models import FollowUp
from opphub.gates.models import Document, StageRecord
from opphub.opportunities.models import Opportunity
from tests.api.clients import session_client, token_client
from tests.factories import CustomerFactory, make_opportunity
from tests.stagework import PDF

pytestmark = pytest.mark.django_db
JSON = "application/json"
BLANKS = ["   ", "\u3000\u3000", " \t\n "]  # spaces, full-width spaces (typed with a Chinese IME), mixed
BAD_DATES = ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"]
BOUNDS_MSG = f"Choose a date from {DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}."


def _errors(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.content
    return {tuple(e["loc"]): e for e in response.json()["detail"]}


def _page_client(user, lang="en"):  # type: ignore[no-untyped-def]
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def test_api_refuses_whitespace_only_required_text_with_a_reason(org):
    """spec: S1, S2, C1 — customer, contact and opportunity names and a follow-up's notes of only
    whitespace are 422 "blank" with the reason, on create and on PATCH; nothing is stored."""
    client = token_client(org.r1)
    customer = CustomerFactory(owner=org.r1, region=org.region)
    opp = make_opportunity(actor=org.r1, customer=customer)
    for blank in BLANKS:
        calls = [
            ("post", "/api/customers", {"name": blank, "industry": "retail", "size": "large", "region": "SH"}),
            ("post", f"/api/customers/{customer.pk}/contacts", {"name": blank}),
            ("post", "/api/opportunities", {"customer_id": customer.pk, "name": blank, "amount": "1000",
                                            "expected_close_date": "2027-06-30"}),
            ("patch", f"/api/customers/{customer.pk}", {"name": blank}),
            ("patch", f"/api/opportunities/{opp.number}", {"name": blank}),
        ]
        for method, path, body in calls:
            error = _errors(getattr(client, method)(path, body, content_type=JSON))[("body", "name")]
            assert error["type"] == "blank" and error["msg"] == "This field cannot be blank.", (path, error)
        r = client.post(f"/api/opportunities/{opp.number}/followups", {"kind": "phone", "notes": blank},
                        content_type=JSON)
        assert _errors(r)[("body", "notes")]["type"] == "blank"
    assert Customer.objects.count() == 1 and not Contact.objects.exists() and Opportunity.objects.count() == 1
    assert not FollowUp.objects.exists()
    customer.refresh_from_db()
    assert customer.name.strip()


def test_api_stores_names_without_surrounding_whitespace(org):
    """spec: S1 — "  星辰精密  " is stored as "星辰精密" (search and duplicates see the same name)."""
    client = token_client(org.r1)
    r = client.post("/api/customers", {"name": "  上海星辰精密  ", "industry": "retail", "size": "large",
                                       "region": "SH"}, content_type=JSON)
    assert r.status_code == 201 and r.json()["name"] == "上海星辰精密"
    r = client.post("/api/opportunities", {"customer_id": r.json()["id"], "name": "\u3000MES 二期 ", "amount": "1",
                                           "expected_close_date": "2027-06-30"}, content_type=JSON)
    assert r.status_code == 201 and r.json()["name"] == "MES 二期"


def test_api_refuses_dates_out_of_bounds_with_a_reason(org):
    """spec: S1 — an expected close date outside 2000-01-01..2100-12-31 is 422 with the bounds named, on
    create and on PATCH; the bounds themselves are accepted; the reason is translated."""
    client = token_client(org.r1)
    customer = CustomerFactory(owner=org.r1, region=org.region)
    opp = make_opportunity(actor=org.r1, customer=customer)
    body = {"customer_id": customer.pk, "name": "ERP", "amount": "1000"}
    for bad in BAD_DATES:
        r = client.post("/api/opportunities", {**body, "expected_close_date": bad}, content_type=JSON)
        assert _errors(r)[("body", "expected_close_date")]["msg"] == BOUNDS_MSG
        r = client.patch(f"/api/opportunities/{opp.number}", {"expected_close_date": bad}, content_type=JSON)
        assert _errors(r)[("body", "expected_close_date")]["msg"] == BOUNDS_MSG
    for ok in (DATE_MIN.isoformat(), DATE_MAX.isoformat()):
        r = client.post("/api/opportunities", {**body, "expected_close_date": ok}, content_type=JSON)
        assert r.status_code == 201 and r.json()["expected_close_date"] == ok
    zh = token_client(org.r1, lang="zh-hans").post("/api/opportunities", {**body, "expected_close_date": "9999-12-31"},
                                                  content_type=JSON)
    with translation.override("zh-hans"):
        expected = date_bounds_message()  # the catalogue's zh-Hans sentence (the lead compiles it in)
    assert _errors(zh)[("body", "expected_close_date")]["msg"] == expected and "2100-12-31" in expected


def test_forms_refuse_whitespace_names_and_keep_what_was_typed(org):
    """spec: S1, S2 — the customer, contact and opportunity forms refuse a name of spaces beside the field
    and keep everything else typed."""
    c = _page_client(org.r1)
    r = c.post(reverse("customers:create"), {"name": "\u3000 ", "industry": "manufacturing", "size": "large",
                                             "region": org.region.pk, "address": "上海市嘉定区安亭镇"})
    html = r.content.decode()
    assert r.status_code == 200 and "This field is required." in html and "上海市嘉定区安亭镇" in html
    customer = CustomerFactory(owner=org.r1, region=org.region)
    r = c.post(reverse("customers:contact_create", kwargs={"pk": customer.pk}),
               {"name": "   ", "title": "信息中心主任", "decision_role": "decision_maker"})
    html = r.content.decode()
    assert r.status_code == 200 and "This field is required." in html and "信息中心主任" in html
    r = c.post(reverse("opportunities:create"), {"customer": customer.pk, "name": "  ", "amount": "880000",
                                                 "expected_close_date": "2027-03-31", "source": "event",
                                                 "pain_points": "拣货效率低"})
    html = r.content.decode()
    assert r.status_code == 200 and "This field is required." in html and "拣货效率低" in html
    assert Customer.objects.count() == 1 and not Contact.objects.exists() and not Opportunity.objects.exists()


def test_opportunity_form_refuses_out_of_bounds_dates_beside_the_field(org):
    """spec: S1 — 9999-12-31 as the expected close date: the form shows the bounds at the field, keeps the
    typed values (the date too); the date picker is limited to the same bounds."""
    customer = CustomerFactory(owner=org.r1, region=org.region)
    c = _page_client(org.r1)
    page = c.get(reverse("opportunities:create")).content.decode()
    assert f'min="{DATE_MIN.isoformat()}"' in page and f'max="{DATE_MAX.isoformat()}"' in page
    for bad in ("9999-12-31", "0001-01-01"):
        r = c.post(reverse("opportunities:create"), {"customer": customer.pk, "name": "智能仓储", "amount": "880000",
                                                     "expected_close_date": bad, "source": "event"})
        html = r.content.decode()
        assert r.status_code == 200 and BOUNDS_MSG in html
        field = html[html.index('id="id_expected_close_date"') - 600:html.index('id="id_expected_close_date"') + 300]
        assert "has-error" in field and f'value="{bad}"' in field and "智能仓储" in html
    assert not Opportunity.objects.exists()


def test_followup_form_refuses_whitespace_notes(org):
    """spec: C1 — notes of only spaces are refused; what else was typed stays."""
    opp = make_opportunity(actor=org.r1)
    r = _page_client(org.r1).post(reverse("opportunities:followup_create", kwargs={"number": opp.number}),
                                  {"kind": "phone", "direction": "out", "notes": "  \u3000",
                                   "customer_feedback": "认可排产方案"})
    html = r.content.decode()
    assert r.status_code == 200 and "This field is required." in html and "认可排产方案" in html
    assert not FollowUp.objects.exists()


def test_stage_record_text_of_spaces_counts_as_empty(org):
    """spec: S2 (5W1H) — an answer of spaces is stored empty, so it does not tick the gate's checklist."""
    opp = make_opportunity(actor=org.r1)
    r = session_client(org.r1).patch(f"/api/opportunities/{opp.number}/stage-record",
                                     {"version": 0, "interview_why": "   ", "interview_what": " 产能 "},
                                     content_type=JSON)
    assert r.status_code == 200 and r.json()["interview_why"] == "" and r.json()["interview_what"] == "产能"
    record = StageRecord.objects.get(opportunity=opp)
    assert record.interview_why == "" and record.interview_what == "产能"


def test_api_download_uses_the_archive_name_and_404s_a_missing_file(org):
    """spec: S5 archive naming — the API's download has the page's archive name NUMBER-S<n>-DOCTYPE.ext;
    a file gone from storage is 404 on both, never a 500."""
    opp = make_opportunity(actor=org.r1)
    client = session_client(org.r1)
    doc = client.post(f"/api/opportunities/{opp.number}/documents",
                      {"doc_type": "screening_report", "file": SimpleUploadedFile("初筛 报告.pdf", PDF)}).json()
    api = f"/api/opportunities/{opp.number}/documents/{doc['id']}/file"
    page = reverse("gates:download", kwargs={"number": opp.number, "pk": doc["id"]})
    r_api, r_page = client.get(api), client.get(page)
    assert r_api.status_code == r_page.status_code == 200
    assert r_api["Content-Disposition"] == r_page["Content-Disposition"]
    assert f"{opp.number}-S1-screening_report.pdf" in r_api["Content-Disposition"]
    assert b"".join(r_api.streaming_content) == PDF
    assert client.get(api + "?confirmation=true").status_code == 404  # no confirmation attached
    stored = Document.objects.get(pk=doc["id"]).file
    stored.storage.delete(stored.name)
    assert client.get(api).status_code == 404 and client.get(page).status_code == 404
