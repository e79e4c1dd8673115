"""spec: P4, P1 — the main navigation: Team health and the weekly review for managers, directors and
administrators (access.can_see_team_pages), never for reps; the notifications page for everyone.
The decision reads the role on the user: no query."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from opphub.alerts.templatetags.team_nav import sees_team_pages

pytestmark = pytest.mark.django_db


def nav_of(user):  # type: ignore[no-untyped-def]
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    html = c.get(reverse("followups:my_day")).content.decode()
    return html[html.index('class="mainnav"'):html.index("</nav>")]


def test_team_pages_are_in_the_nav_of_managers_directors_and_admins_only(org):
    health, review = reverse("alerts:team_health"), reverse("alerts:review")
    notifications = reverse("notifications:list")
    for user in (org.m1, org.director, org.admin):
        nav = nav_of(user)
        assert f'href="{health}"' in nav and f'href="{review}"' in nav, user
        assert "Team health" in nav and "Weekly review" in nav
        assert f'href="{notifications}"' in nav
    for user in (org.r1, org.presales, org.finance):
        nav = nav_of(user)
        assert f'href="{health}"' not in nav and f'href="{review}"' not in nav, user
        assert f'href="{notifications}"' in nav and "Notifications" in nav


def test_the_current_team_page_is_marked(org):
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(org.m1)
    html = c.get(reverse("alerts:team_health")).content.decode()
    nav = html[html.index('class="mainnav"'):html.index("</nav>")]
    assert 'aria-current="page">Team health' in nav


def test_the_nav_decision_costs_no_query(org, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert sees_team_pages(org.m1) and sees_team_pages(org.director) and sees_team_pages(org.admin)
        assert not sees_team_pages(org.r1)
