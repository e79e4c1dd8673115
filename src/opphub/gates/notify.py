"""Tell people about gate events (approval requested / decided, sent back, loss analysis returned, won
hand-off) through the notification outbox. The Delivery rows are written in the caller's transaction —
the one that makes the change the message reports — so a committed change always has its message
queued (a crash right after the commit loses nothing: the re-drive sends it); only the send waits for
the commit. Idempotent: each message has a stable key."""

from __future__ import annotations

from opphub.notifications.services import notification_enqueue
from opphub.people.models import User


def tell(*, recipient: User, kind: str, key: str, subject: str, body: str, url: str = "") -> None:
    if recipient is None:
        return
    notification_enqueue(recipient=recipient, kind=kind, key=key, subject=subject, body=body, url=url)
