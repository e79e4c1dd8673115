"""In-app notifications: the bell's unread count, the list with mark-as-read, settings. Spec M3."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opphub.notifications.models import Delivery, Preference
from opphub.notifications.services import notification_enqueue


def _notify(user, key, subject="逾期提醒"):  # type: ignore[no-untyped-def]
    return notification_enqueue(recipient=user, kind="todo", key=key, subject=subject, body="详情",
                                url="/my-day/", channels=())


@pytest.mark.django_db
def test_bell_counts_unread_and_list_marks_read(org, client):  # type: ignore[no-untyped-def]
    """spec: M3 — the header bell shows the unread count; reading clears it."""
    _notify(org.r1, "a", "第一条")
    _notify(org.r1, "b", "第二条")
    _notify(org.r2, "a", "别人的")
    client.force_login(org.r1)

    board = client.get("/my-day/").content.decode()
    assert 'id="notification-bell"' in board and 'hx-get="/notifications/bell/"' in board
    assert ">2<" in client.get("/notifications/bell/").content.decode()

    page = client.get("/notifications/").content.decode()
    assert "第一条" in page and "第二条" in page and "别人的" not in page
    first = Delivery.objects.get(recipient=org.r1, key="a")
    client.post(f"/notifications/{first.pk}/read/")
    assert ">1<" in client.get("/notifications/bell/").content.decode()

    other = Delivery.objects.get(recipient=org.r2)
    client.post(f"/notifications/{other.pk}/read/")  # someone else's: untouched
    assert Delivery.objects.get(pk=other.pk).read_at is None

    client.post("/notifications/read/")
    assert "bell-count" not in client.get("/notifications/bell/").content.decode()


@pytest.mark.django_db
def test_bell_costs_pages_no_query(org, client):  # type: ignore[no-untyped-def]
    """The count loads after the page (htmx), so page query counts elsewhere stay as asserted."""
    client.force_login(org.r1)
    client.get("/notifications/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/notifications/bell/")
    assert len(ctx.captured_queries) <= 3  # session, user, the count


@pytest.mark.django_db
def test_same_key_is_queued_once(org):  # type: ignore[no-untyped-def]
    """spec: M3 — every message has an idempotency key: enqueueing it again returns the same rows."""
    first = notification_enqueue(recipient=org.r1, kind="todo", key="k", subject="s", body="", channels=("email",))
    again = notification_enqueue(recipient=org.r1, kind="todo", key="k", subject="s", body="", channels=("email",))
    assert [r.pk for r in first] == [r.pk for r in again]
    assert Delivery.objects.count() == 2
    with pytest.raises(ValueError):
        notification_enqueue(recipient=org.r1, kind="todo", key="k2", subject="s", body="", channels=("sms",))


@pytest.mark.django_db
def test_preferences_page(org, client):  # type: ignore[no-untyped-def]
    client.force_login(org.r1)
    assert client.get("/notifications/settings/").status_code == 200
    client.post("/notifications/settings/", {"channels": ["wecom"]})
    pref = Preference.objects.get(user=org.r1)
    assert pref.channels() == ("wecom",)


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):  # type: ignore[no-untyped-def]
    assert client.get("/notifications/").status_code == 302
    assert client.get("/notifications/bell/").status_code == 302
