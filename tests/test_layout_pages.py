"""Issue 10 item 4 — the cross-cutting pages: the 403 page is in the layout (navigation, user menu) and in
the user's language; the favicon is our own SVG; the ICS calendar is reachable from the user menu."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _client(user, lang: str) -> Client:  # type: ignore[no-untyped-def]
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def test_403_is_in_the_layout_with_the_reason(org):
    """spec: P1 — finance cannot create customers: the refusal keeps the navigation and says why."""
    response = _client(org.finance, "en").get(reverse("customers:create"))
    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="topbar"' in html and reverse("followups:my_day") in html  # the layout and its navigation
    assert "Not allowed" in html
    assert "Your role cannot create customers." in html
    assert 'href="/static/opphub/app.css"' in html or "app.css" in html


def test_403_speaks_the_users_language(org):
    """spec: P1 — in Chinese, the page around the refusal is Chinese too."""
    html = _client(org.finance, "zh-hans").get(reverse("customers:create")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "我的今日" in html  # the navigation, translated


def test_favicon_is_our_own_svg(org):
    html = _client(org.r1, "en").get(reverse("followups:my_day")).content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html
    path = finders.find("opphub/favicon.svg")
    assert path is not None
    with open(path, encoding="utf-8") as f:
        svg = f.read()
    assert svg.startswith("<svg") and "http" not in svg.replace("http://www.w3.org/2000/svg", "")


@pytest.mark.parametrize("who", ["r1", "finance", "director"])
def test_the_user_menu_links_the_calendar_feed(org, who):
    """spec: C1 — every signed-in user finds their ICS calendar feed from the user menu."""
    c = _client(getattr(org, who), "en")
    html = c.get(reverse("opportunities:board")).content.decode()
    assert f'href="{reverse("alerts:calendar")}"' in html
    assert "Calendar (ICS)" in html
    page = c.get(reverse("alerts:calendar")).content.decode()
    assert '<label for="feed-url">' in page and ".ics" in page


def test_back_office_names_are_translatable():
    """Issue 10 item 4: every model and app shown in the back office has a translatable name (gettext),
    so the admin speaks the admin's language; none is a name Django derived from the class."""
    from django.contrib import admin
    from django.utils.functional import Promise

    untranslated = []
    for model in admin.site._registry:
        meta = model._meta
        for attr in ("verbose_name", "verbose_name_plural"):
            if not isinstance(meta.original_attrs.get(attr), Promise):
                untranslated.append(f"{meta.label}.{attr}")
        if not isinstance(meta.app_config.verbose_name, Promise):
            untranslated.append(f"app {meta.app_label}")
    assert not untranslated, sorted(set(untranslated))
