"""Issue 10 item 4 — deliveries given up are reported to administrators as one digest, in the language
of the page they read it on, not one notice per failure in the worker's language. Spec M3."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from opphub.notifications.models import Delivery
from opphub.notifications.selectors import unread_count
from opphub.notifications.services import notification_enqueue


def _fail_three(org, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    org.r1.email = "bad address"  # a permanent error: given up at once and reported
    org.r1.save()
    with django_capture_on_commit_callbacks(execute=True):
        for key in ("a", "b", "c"):
            notification_enqueue(recipient=org.r1, kind="todo", key=key, subject=f"Visit {key}", body="",
                                 channels=("email",))
    assert Delivery.objects.filter(recipient=org.r1, channel="email", state="dead").count() == 3


def _client(user, lang: str) -> Client:  # type: ignore[no-untyped-def]
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_failures_are_one_digest_in_the_readers_language(org, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """spec: M3 — three failed emails: the administrator's page shows one group (count, channel, link to
    the failed deliveries), the bell counts it once; read in Chinese, the channel is named in Chinese."""
    _fail_three(org, django_capture_on_commit_callbacks)
    c = _client(org.admin, "en")
    html = c.get(reverse("notifications:list")).content.decode()
    assert html.count('id="delivery-failures"') == 1
    assert "3 notifications could not be delivered" in html
    assert "Email: <span class=\"num\">3</span>" in html
    assert reverse("admin:notifications_faileddelivery_changelist") in html
    assert "Notification not delivered" not in html  # the per-failure notices are not listed one by one
    assert ">1</span>" in c.get(reverse("notifications:bell")).content.decode()  # counted once
    assert unread_count(org.admin) == 1

    zh = _client(org.admin, "zh-hans").get(reverse("notifications:list")).content.decode()
    assert "邮件: <span class=\"num\">3</span>" in zh

    # read at once: the digest is gone, the other notifications stay
    c.post(reverse("notifications:read_failures"))
    html = c.get(reverse("notifications:list")).content.decode()
    assert 'id="delivery-failures"' not in html
    assert unread_count(org.admin) == 0


@pytest.mark.django_db
def test_others_never_see_the_digest(org, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """spec: M3, P1 — the failure notices go to administrators only."""
    _fail_three(org, django_capture_on_commit_callbacks)
    html = _client(org.r1, "en").get(reverse("notifications:list")).content.decode()
    assert 'id="delivery-failures"' not in html
