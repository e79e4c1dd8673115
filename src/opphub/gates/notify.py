"""Tell people about gate events (approval requested / decided, sent back, loss analysis returned), after
commit, through the notification outbox. Idempotent: each message has a stable key."""

from __future__ import annotations

import logging

from django.db import transaction

from opphub.people.models import User

log = logging.getLogger(__name__)


def tell(*, recipient: User, kind: str, key: str, subject: str, body: str, url: str = "") -> None:
    if recipient is None:
        return

    def send() -> None:
        try:
            from opphub.notifications.services import notification_enqueue
        except ImportError:  # the outbox is not installed in this build
            log.info("notification %s for %s: %s", key, recipient, subject)
            return
        notification_enqueue(recipient=recipient, kind=kind, key=key, subject=subject, body=body, url=url)

    transaction.on_commit(send)
