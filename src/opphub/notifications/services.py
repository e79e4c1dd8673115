"""Queue notifications (``notification_enqueue``, ``notifications_enqueue_many``) and read them
(``notification_mark_read``).

Queueing writes the Delivery rows in the CALLER's transaction: call it inside the transaction that makes
the change the message reports, never from ``transaction.on_commit``, so that "committed" implies "will be
delivered" (a crash right after the commit leaves queued rows that the re-drive sends). Only the hand-off
to the worker waits for the commit. The sending side (claim, send, retry, give up) is in ``sending.py``;
the worker tasks in ``tasks.py``. See docs/notifications.md and docs/decisions.md D15.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from opphub.people.models import User

from .models import ROBOT_CHANNELS, Channel, Delivery, Preference
from .selectors import robot_for

log = logging.getLogger(__name__)
OUTSIDE_CHANNELS = ("email", "wecom", "dingtalk", "feishu")


def _default_channels(recipient: User) -> tuple[str, ...]:
    """The user's preferences; a robot channel only where the user's team (or a team above) has that robot."""
    pref = Preference.objects.filter(user=recipient).first()
    wanted = pref.channels() if pref else OUTSIDE_CHANNELS
    return tuple(c for c in wanted if c not in ROBOT_CHANNELS or robot_for(recipient, c) is not None)


def _schedule_send(pks: list[int]) -> None:
    """After commit: hand the rows to the worker. If the queue is unreachable, or the process dies
    between the commit and this hook, the rows stay queued and the periodic re-drive (and a restarted
    worker) sends them; nothing is lost. A rolled-back transaction takes its rows and this hook with it."""
    if not pks:
        return

    def _enqueue() -> None:
        from .tasks import deliver

        for pk in pks:
            try:
                deliver(pk)
            except Exception:  # queue down: the re-drive job picks the row up
                log.exception("could not queue delivery %s; the re-drive job will send it", pk)

    transaction.on_commit(_enqueue)


def notification_enqueue(*, recipient: User, kind: str, key: str, subject: str, body: str, url: str = "",
                         channels: tuple[str, ...] | None = None, mention_mobile: bool = False) -> list[Delivery]:
    """Queue a message for `recipient` (a User) on each channel (default: the user's preferences;
    'inapp' always). The rows are written in the caller's transaction (commit it and the message will be
    sent; roll it back and it never existed). Idempotent: the same `key` (per recipient+channel) is queued
    once, ever. The sends happen after commit, in the worker. Returns the Delivery rows (existing ones
    when already queued)."""
    wanted = _channels(recipient, channels)
    now = timezone.now()
    existing = {d.channel: d for d in Delivery.objects.filter(recipient=recipient, key=key, channel__in=wanted)}
    rows: list[Delivery] = []
    new_pks: list[int] = []
    for channel in wanted:
        if channel in existing:
            rows.append(existing[channel])
            continue
        inapp = channel == Channel.INAPP
        row = Delivery(recipient=recipient, channel=channel, kind=kind[:40], key=key, subject=subject[:200],
                       body=body, url=url, mention_mobile=mention_mobile, created_at=now,
                       state=Delivery.State.SENT if inapp else Delivery.State.QUEUED,
                       sent_at=now if inapp else None, next_attempt_at=None if inapp else now)
        try:
            with transaction.atomic():  # a concurrent enqueue of the same key: keep theirs
                row.save()
        except IntegrityError:
            rows.append(Delivery.objects.get(recipient=recipient, channel=channel, key=key))
            continue
        rows.append(row)
        if not inapp:
            new_pks.append(row.pk)
    _schedule_send(new_pks)
    return rows


def _channels(recipient: User, channels: Sequence[str] | None) -> list[str]:
    wanted = list(dict.fromkeys(["inapp", *(_default_channels(recipient) if channels is None else channels)]))
    unknown = [c for c in wanted if c not in Channel.values]
    if unknown:
        raise ValueError(f"unknown notification channel(s): {unknown}")
    return wanted


@dataclass(frozen=True)
class Message:
    """One message for :func:`notifications_enqueue_many` (the arguments of ``notification_enqueue``)."""

    recipient: User
    kind: str
    key: str
    subject: str
    body: str
    url: str = ""
    channels: tuple[str, ...] | None = None
    mention_mobile: bool = False


def notifications_enqueue_many(*, messages: Sequence[Message], batch: int = 500) -> int:
    """Queue many messages at once, set-based, in the caller's transaction (a scan that escalates
    thousands of alerts writes its rows with a few multi-row INSERTs). Same rules as
    ``notification_enqueue``: 'inapp' always, a (recipient, channel, key) already queued is left as it
    is (``ON CONFLICT DO NOTHING``). Returns the number of rows asked for (new or already there)."""
    now = timezone.now()
    rows: list[Delivery] = []
    for m in messages:
        for channel in _channels(m.recipient, m.channels):
            inapp = channel == Channel.INAPP
            rows.append(Delivery(
                recipient=m.recipient, channel=channel, kind=m.kind[:40], key=m.key, subject=m.subject[:200],
                body=m.body, url=m.url, mention_mobile=m.mention_mobile, created_at=now,
                state=Delivery.State.SENT if inapp else Delivery.State.QUEUED,
                sent_at=now if inapp else None, next_attempt_at=None if inapp else now))
    queued: list[int] = []
    for i in range(0, len(rows), batch):
        chunk = rows[i:i + batch]
        Delivery.objects.bulk_create(chunk, ignore_conflicts=True)
        queued += (Delivery.objects.filter(key__in={r.key for r in chunk}, state=Delivery.State.QUEUED,
                                           recipient_id__in={r.recipient_id for r in chunk})
                   .exclude(channel=Channel.INAPP).values_list("pk", flat=True))
    _schedule_send(sorted(set(queued)))
    return len(rows)


def notification_mark_read(*, user: User, deliveries: Iterable[int] | None = None, now: datetime) -> int:
    """Mark the user's in-app notifications read (all unread ones when ``deliveries`` is None)."""
    qs = Delivery.objects.filter(recipient=user, channel=Channel.INAPP, read_at__isnull=True)
    if deliveries is not None:
        qs = qs.filter(pk__in=list(deliveries))
    return qs.update(read_at=now)


def preference_set(*, user: User, channels: Iterable[str]) -> Preference:
    chosen = set(channels)
    pref, _created = Preference.objects.update_or_create(
        user=user, defaults={c: c in chosen for c in OUTSIDE_CHANNELS})
    return pref


def delivery_retry(*, deliveries: Iterable[int], now: datetime) -> int:
    """An administrator sends failed or given-up deliveries again (attempts start over)."""
    pks = list(deliveries)
    count = Delivery.objects.filter(pk__in=pks, state__in=[Delivery.State.FAILED, Delivery.State.DEAD]).update(
        state=Delivery.State.QUEUED, attempts=0, next_attempt_at=now, claim="", lease_until=None)
    _schedule_send(pks)
    return count
