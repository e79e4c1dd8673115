"""Issue 10 items 6 and 7 — every page (the shared list in tests/pages.py), as every role, at a phone's
390 px (WeCom's in-app browser) and a desktop's 1440 px: no horizontal scroll
(``document.documentElement.scrollWidth <= innerWidth``), no console error, and no serious or critical
accessibility violation found by axe-core (from npm, run inside the page).

axe-core is injected by Playwright's ``add_script_tag(path=...)`` — an inline script, which the app's
Content-Security-Policy refuses — so this test's browser context alone uses ``bypass_csp=True``;
tests/e2e/test_csp.py checks the pages under the policy. Logging in goes through a session cookie
(Django's test client) to keep 374 page visits affordable; the login form has its own tests.

Every problem of a role and width is collected and reported together, so one run lists them all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.pages import ROLES, make_record, pages

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (390, 1440)
HEIGHT = {390: 844, 1440: 900}
RUN_AXE = """async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v =>
    `${v.impact} ${v.id}: ${v.help} — ` + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}"""
OVERFLOW = """() => {
  const w = window.innerWidth;
  const wide = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > w + 1
      && !e.closest(".table-wrap, .board, .stage-track, [hidden]"))
    .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
      (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\\s+/).join(".") : ""));
  return {scroll: document.documentElement.scrollWidth, inner: w, wide};
}"""


@pytest.mark.skipif(not AXE.exists(), reason="needs axe-core from npm (node_modules/axe-core)")
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("who", ROLES)
def test_every_page_fits_has_no_console_error_and_no_serious_axe_violation(org, live_server, browser, who, width):
    record = make_record(org)
    client = Client()
    client.force_login(getattr(org, who))
    ctx = browser.new_context(locale="zh-CN", viewport={"width": width, "height": HEIGHT[width]},
                              extra_http_headers={"Accept-Language": "zh-CN"}, bypass_csp=True)
    ctx.set_default_timeout(15000)
    ctx.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                      "url": live_server.url}])
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    problems: list[str] = []
    try:
        for listed in pages(*record):
            if who not in listed.roles:
                continue
            errors.clear()
            response = page.goto(f"{live_server.url}{listed.url}")
            page.wait_for_load_state("networkidle")
            where = f"{who} @ {width}px {listed.name} ({listed.url})"
            if response is None or response.status != 200:
                problems.append(f"{where}: status {response.status if response else None}")
                continue
            size = page.evaluate(OVERFLOW)
            if size["scroll"] > size["inner"]:
                problems.append(f"{where}: scrollWidth {size['scroll']} > innerWidth {size['inner']} {size['wide']}")
            problems.extend(f"{where}: console error: {text}" for text in errors)
            page.add_script_tag(path=str(AXE))
            problems.extend(f"{where}: axe {v}" for v in page.evaluate(RUN_AXE))
    finally:
        ctx.close()
    assert not problems, "\n" + "\n".join(problems)
