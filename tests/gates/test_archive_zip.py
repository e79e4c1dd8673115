"""The S5 archive folder as a ZIP (spec S5, issue 3 item 6): the latest upload of each document type and
its customer confirmation, named NUMBER-STAGE-DOCTYPE, in a folder named after the number, with the
lifecycle report PDF; for whoever may see the opportunity."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from opphub.gates.archive_zip import archive_zip_file
from opphub.gates.models import Document

from .archive_data import at, build_life, document


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(user)
    return c


def url(opp) -> str:  # type: ignore[no-untyped-def]
    return reverse("gates:archive_zip", kwargs={"number": opp.number})


def download(user, opp) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    response = client_for(user).get(url(opp))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{opp.number}-archive.zip"'
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.mark.django_db
def test_zip_holds_the_latest_documents_confirmations_and_the_report(org):
    """spec: S5 — NUMBER-STAGE-DOCTYPE names in a NUMBER folder, the latest upload per type with the right
    bytes, confirmations as ``…-confirmation.ext``, and the lifecycle report PDF."""
    life = build_life(org)
    opp = life.opportunity
    archive = download(org.r1, opp)
    assert archive.testzip() is None
    n = opp.number
    expected = {f"{n}/{name}" for name in life.files} | {f"{n}/{n}-lifecycle-report.pdf"}
    assert set(archive.namelist()) == expected
    assert f"{n}/{n}-S2-confirmation_sheet-confirmation.png" in expected
    for name, data in life.files.items():
        assert archive.read(f"{n}/{name}") == data, name
    assert archive.read(f"{n}/{n}-S1-screening_report.pdf").endswith(b"new")  # not the superseded upload
    assert archive.read(f"{n}/{n}-lifecycle-report.pdf").startswith(b"%PDF")


@pytest.mark.django_db
def test_zip_names_are_utf8(org):
    """A non-ASCII name in the folder is stored as UTF-8 (the ZIP's UTF-8 flag), readable on any system."""
    life = build_life(org)
    opp = life.opportunity
    doc = Document.objects.filter(opportunity=opp, doc_type="contract_scan").get()
    Document.objects.filter(pk=doc.pk).update(stored_name=f"{opp.number}-S4-合同扫描件.docx")
    archive = download(org.director, opp)
    info = archive.getinfo(f"{opp.number}/{opp.number}-S4-合同扫描件.docx")
    assert info.flag_bits & 0x800
    assert archive.read(info) == life.files[doc.stored_name]


@pytest.mark.django_db
def test_missing_file_is_listed_not_fatal(org):
    """A document whose file is gone from storage does not break the download: it is listed instead."""
    life = build_life(org)
    opp = life.opportunity
    doc = Document.objects.filter(opportunity=opp, doc_type="contract_scan").get()
    doc.file.storage.delete(doc.file.name)
    archive = download(org.r1, opp)
    names = archive.namelist()
    assert f"{opp.number}/{doc.stored_name}" not in names
    assert doc.stored_name in archive.read(f"{opp.number}/missing-files.txt").decode()


@pytest.mark.django_db
def test_others_get_404(org):
    """spec: access — whoever cannot see the opportunity gets 404; its team's manager and the director
    download it; anonymous users go to the login page."""
    opp = build_life(org).opportunity
    for outsider in (org.r2, org.m2, org.presales, org.r3):
        assert client_for(outsider).get(url(opp)).status_code == 404
    for insider in (org.m1, org.director):
        assert client_for(insider).get(url(opp)).status_code == 200
    assert Client().get(url(opp)).status_code == 302


@pytest.mark.django_db
def test_large_archive_is_not_held_in_memory(org):
    """Ten 20 MB documents: the ZIP is written to a temporary file chunk by chunk, so building it never
    holds the documents (let alone twice) in memory."""
    opp = build_life(org).opportunity
    big = b"%PDF-1.4\n" + b"\x00" * (20 * 1024 * 1024)
    for i, doc_type in enumerate(["confirmation_minutes", "proposal", "acceptance_letter", "executive_minutes",
                                  "deal_confirmation", "loss_analysis", "screening_report", "confirmation_sheet",
                                  "contract_scan", "budget_approved"]):
        document(opp, doc_type, 3, "solution", at(10, 21 + i), big)  # later than the earlier uploads
    tracemalloc.start()
    try:
        handle = archive_zip_file(opp, report_pdf=b"%PDF-1.7 report", report_name="r.pdf", now=at(10, 31))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with handle:
        archive = zipfile.ZipFile(handle)
        sizes = [i.file_size for i in archive.infolist() if "-S3-" in i.filename]
        assert sizes == [len(big)] * 10
        assert archive.read(f"{opp.number}/{opp.number}-S3-proposal.pdf") == big
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MB while zipping 200 MB"
