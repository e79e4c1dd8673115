"""Two workers re-driving at once never send the same row twice (the claim is one conditional UPDATE)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from opphub.notifications.models import Delivery, Robot
from opphub.notifications.sending import deliveries_send_due
from opphub.notifications.services import notification_enqueue
from opphub.people.models import Team, User

from .receivers import HttpReceiver


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_the_outbox_without_duplicates() -> None:
    """spec: M3 — with two workers draining the same due rows, each message reaches the robot once."""
    receiver = HttpReceiver().start()
    try:
        team = Team.objects.create(name="east")
        Robot.objects.create(team=team, vendor="wecom", url=receiver.url())
        users = [User.objects.create(username=f"u{i}", team=team) for i in range(10)]
        for user in users:
            for i in range(6):
                notification_enqueue(recipient=user, kind="todo", key=f"k{i}", subject=f"{user.username}-{i}",
                                     body="", channels=("wecom",))
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                barrier.wait()
                while deliveries_send_due(limit=5):
                    pass
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        receiver.stop()
    assert not errors
    texts = [r.body["markdown"]["content"] for r in receiver.requests]
    assert len(texts) == 60 and len(set(texts)) == 60
    assert set(Delivery.objects.exclude(channel="inapp").values_list("state", flat=True)) == {"sent"}
