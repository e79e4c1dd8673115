"""Bad input and outages: each problem is recorded and shown to administrators; none stops the other
notifications; receivers down then up → every notification arrives exactly once. Spec M3."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from opphub.notifications.models import Delivery, Robot
from opphub.notifications.sending import deliveries_send_due
from opphub.notifications.services import notification_enqueue

from .receivers import HttpReceiver, SmtpReceiver, free_port


def _states(rows):  # type: ignore[no-untyped-def]
    return {r.channel: Delivery.objects.get(pk=r.pk).state for r in rows}


@pytest.mark.django_db
def test_bad_inputs_are_recorded_and_do_not_stop_others(org, receiver, smtp,  # type: ignore[no-untyped-def]
                                                         django_capture_on_commit_callbacks):
    """spec: M3 — unreachable robot URL, rejected token, malformed email, no email, no mobile: each recorded,
    reported to an administrator, and the good deliveries in the same batch still go out."""
    rejecting = HttpReceiver(answer={"errcode": 93000, "errmsg": "invalid webhook url"}).start()
    try:
        Robot.objects.create(team=org.east, vendor="wecom", url=rejecting.url())  # rejected token
        Robot.objects.create(team=org.east, vendor="dingtalk", url=f"http://127.0.0.1:{free_port()}/down")
        Robot.objects.create(team=org.west, vendor="wecom", url=receiver.url())  # works
        org.r1.email = "not-an-address"
        org.r1.save()
        org.r2.email = "r2@example.com"
        org.r2.save()  # r2 has no mobile: the @mention is dropped, the message still sent
        with django_capture_on_commit_callbacks(execute=True):
            bad = notification_enqueue(recipient=org.r1, kind="todo", key="a", subject="s1", body="b",
                                       channels=("email", "wecom", "dingtalk"))
            none = notification_enqueue(recipient=org.r3, kind="todo", key="a", subject="s2", body="b",
                                        channels=("email",))  # r3 has no email
            good = notification_enqueue(recipient=org.r2, kind="todo", key="a", subject="s3", body="b",
                                        channels=("email", "wecom"), mention_mobile=True)
    finally:
        rejecting.stop()

    assert _states(bad) == {"inapp": "sent", "email": "dead", "wecom": "dead", "dingtalk": "failed"}
    assert _states(none) == {"inapp": "sent", "email": "dead"}
    assert _states(good) == {"inapp": "sent", "email": "sent", "wecom": "sent"}
    errors = dict(Delivery.objects.filter(channel="email").values_list("subject", "last_error"))
    assert "malformed email address" in errors["s1"] and "no email address" in errors["s2"]
    assert "93000" in Delivery.objects.get(recipient=org.r1, channel="wecom").last_error
    dingtalk = Delivery.objects.get(recipient=org.r1, channel="dingtalk")
    assert dingtalk.next_attempt_at > timezone.now() and "Connect" in dingtalk.last_error
    assert "no mobile" in Delivery.objects.get(recipient=org.r2, channel="wecom").last_error
    assert receiver.requests[0].body["msgtype"] == "markdown"  # no mobile → no mention, plain markdown
    assert [m[1] for m in smtp.messages] == [["r2@example.com"]]
    # every given-up delivery is reported to the administrator in-app
    reports = Delivery.objects.filter(recipient=org.admin, kind="delivery_dead", channel="inapp")
    assert reports.count() == 3


@pytest.mark.django_db
def test_admin_sees_failures_and_sends_again(org, client, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """spec: M3 — failures land in a back-office view with the reason and a retry action."""
    org.r1.email = "bad address"
    org.r1.save()
    with django_capture_on_commit_callbacks(execute=True):
        (_, row) = notification_enqueue(recipient=org.r1, kind="todo", key="x", subject="Visit", body="",
                                        channels=("email",))
    client.force_login(org.admin)
    page = client.get("/admin/notifications/faileddelivery/")
    assert page.status_code == 200
    assert "malformed email address" in page.content.decode()
    client.force_login(org.r1)
    assert client.get("/admin/notifications/faileddelivery/").status_code == 302  # not staff: to login

    client.force_login(org.admin)
    org.r1.email = "r1@example.com"
    org.r1.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/notifications/faileddelivery/", {"action": "retry_deliveries",
                                                             "_selected_action": [row.pk]})
    # the local-memory mail backend (pytest) took it
    from django.core import mail
    assert Delivery.objects.get(pk=row.pk).state == "sent"
    assert [m.to for m in mail.outbox] == [["r1@example.com"]]


@pytest.mark.django_db
def test_receivers_down_then_up_every_message_once(org, settings):  # type: ignore[no-untyped-def]
    """spec: M3 — receivers down while the drain runs: rows stay failed with a next attempt; receivers up:
    every notification arrives exactly once."""
    robot = HttpReceiver()
    smtp = SmtpReceiver()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 5
    Robot.objects.create(team=org.east, vendor="wecom", url=robot.url())
    users = [org.r1, org.r3, org.m1, org.presales, org.cs]
    for u in users:
        u.email = f"{u.username}@example.com"
        u.save()
    for i in range(4):
        for u in users:
            notification_enqueue(recipient=u, kind="todo", key=f"todo:{i}", subject=f"#{i}", body="b",
                                 channels=("email", "wecom"))
    now = timezone.now()
    assert deliveries_send_due(now=now) == {"failed": 40}  # both receivers are down
    failed = Delivery.objects.exclude(channel="inapp")
    assert set(failed.values_list("state", flat=True)) == {"failed"}
    assert all(d.next_attempt_at == now + timedelta(seconds=60) for d in failed)
    assert deliveries_send_due(now=now + timedelta(seconds=30)) == {}  # backoff not over: nothing tried

    robot.start()
    smtp.start()
    try:
        assert deliveries_send_due(now=now + timedelta(seconds=61)) == {"sent": 40}
        assert deliveries_send_due(now=now + timedelta(hours=2)) == {}  # a second re-drive sends nothing
    finally:
        robot.stop()
        smtp.stop()
    texts = sorted(r.body["markdown"]["content"] for r in robot.requests)
    assert len(texts) == 20 and len(set(texts)) == 4  # 4 messages × 5 users, all through east's robot
    mails = sorted((m[1][0], m[2]["Subject"]) for m in smtp.messages)
    assert len(mails) == 20 and len(set(mails)) == 20  # each (user, message) exactly once


@pytest.mark.django_db
def test_attempts_run_out(org, settings):  # type: ignore[no-untyped-def]
    """spec: M3 — retries back off exponentially and give up after the limit, reported to an admin."""
    settings.OPPHUB_NOTIFY_MAX_ATTEMPTS = 3
    Robot.objects.create(team=org.east, vendor="wecom", url=f"http://127.0.0.1:{free_port()}/")
    (_, row) = notification_enqueue(recipient=org.r1, kind="todo", key="k", subject="s", body="",
                                    channels=("wecom",))
    now = timezone.now()
    waits = []
    for _ in range(3):
        deliveries_send_due(now=now)
        row.refresh_from_db()
        if row.next_attempt_at:
            waits.append(row.next_attempt_at - now)
            now = row.next_attempt_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=2)]
    assert row.state == "dead" and row.attempts == 3 and "after 3 attempts" in row.last_error
    assert Delivery.objects.filter(recipient=org.admin, kind="delivery_dead").count() == 1
