"""The sending side of the outbox: claim rows set-based, send through the channel adapter, record.

Claiming is one conditional UPDATE (``… SET state='sending', claim=<token> WHERE id IN (due ids) AND
<still due>``): two workers never hold the same row; a row whose worker died is due again when its lease
runs out. Marking the result is fenced by the claim token, so a worker that lost its lease cannot
overwrite a newer attempt. See docs/notifications.md for the guarantee this gives.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from opphub.people.models import Role, User

from . import conf
from .channels import ADAPTERS, Outgoing, PermanentError, TransientError
from .models import ROBOT_CHANNELS, Channel, Delivery
from .selectors import DEAD_KEY_PREFIX, DEAD_KIND, robot_for

log = logging.getLogger(__name__)
S = Delivery.State


def _due(now: datetime) -> Q:
    return (Q(state=S.QUEUED)
            | Q(state=S.FAILED, next_attempt_at__lte=now)
            | Q(state=S.SENDING, lease_until__lt=now))


def _claim(now: datetime, *, pk: int | None = None, limit: int | None = None) -> list[Delivery]:
    token = uuid.uuid4().hex
    due = Delivery.objects.filter(_due(now)).exclude(channel=Channel.INAPP)
    candidates = due.filter(pk=pk) if pk is not None else due.order_by("next_attempt_at", "id")
    ids = list(candidates.values_list("id", flat=True)[: (limit or conf.batch_size())])
    if not ids:
        return []
    with transaction.atomic():
        Delivery.objects.filter(pk__in=ids).filter(_due(now)).update(
            state=S.SENDING, claim=token, lease_until=now + conf.lease(), attempts=F("attempts") + 1)
    return list(Delivery.objects.filter(claim=token, state=S.SENDING).select_related("recipient"))


def _outgoing(delivery: Delivery, now: datetime) -> tuple[Outgoing, str]:
    """The message with its resolved address; a note when something was missing but sending goes on."""
    user = delivery.recipient
    note = ""
    url = delivery.url
    if url.startswith("/"):
        url = f"{settings.OPPHUB_SITE_URL}{url}"
    robot = robot_for(user, delivery.channel) if delivery.channel in ROBOT_CHANNELS else None
    mobile = ""
    if delivery.mention_mobile and delivery.channel in (Channel.WECOM, Channel.DINGTALK):
        mobile = (user.mobile or "").strip()
        if not mobile:
            note = "sent without @mention: the recipient has no mobile number"
    return Outgoing(key=delivery.key, subject=delivery.subject, body=delivery.body, url=url,
                    email=(user.email or "").strip(), mobile=mobile,
                    robot_url=robot.url if robot else "", robot_secret=robot.secret if robot else "",
                    now=now), note


def _finish(delivery: Delivery, **fields: Any) -> bool:
    return bool(Delivery.objects.filter(pk=delivery.pk, claim=delivery.claim, state=S.SENDING)
                .update(claim="", lease_until=None, **fields))


def _report_dead(delivery: Delivery, reason: str) -> None:
    """Tell the administrators in-app (never over an outside channel, so a broken channel cannot loop)."""
    from .services import notification_enqueue

    admins = User.objects.filter(is_active=True).filter(Q(role=Role.ADMIN) | Q(is_superuser=True))
    for admin in admins:
        notification_enqueue(
            recipient=admin, kind=DEAD_KIND, key=f"{DEAD_KEY_PREFIX}{delivery.pk}", channels=("inapp",),
            subject=_("Notification not delivered: %(channel)s to %(recipient)s")
            % {"channel": delivery.get_channel_display(), "recipient": delivery.recipient},
            body=f"{delivery.subject}\n{reason}",
            url=f"/admin/notifications/faileddelivery/{delivery.pk}/change/",
            # shown grouped and in the reader's language on the notifications page (selectors.failure_digest)
        )


def _send_one(delivery: Delivery, now: datetime) -> str:
    adapter = ADAPTERS[delivery.channel]
    message, note = _outgoing(delivery, now)
    try:
        adapter(message)
    except PermanentError as exc:
        reason = str(exc)[:2000]
        if _finish(delivery, state=S.DEAD, last_error=reason, next_attempt_at=None):
            log.warning("delivery %s given up: %s", delivery.pk, reason)
            _report_dead(delivery, reason)
        return S.DEAD
    except (TransientError, Exception) as exc:  # an adapter bug must not stop the other deliveries
        reason = f"{type(exc).__name__}: {exc}"[:2000] if not isinstance(exc, TransientError) else str(exc)[:2000]
        if delivery.attempts >= conf.max_attempts():
            if _finish(delivery, state=S.DEAD, last_error=f"{reason} (after {delivery.attempts} attempts)",
                       next_attempt_at=None):
                _report_dead(delivery, reason)
            return S.DEAD
        _finish(delivery, state=S.FAILED, last_error=reason, next_attempt_at=now + conf.backoff(delivery.attempts))
        return S.FAILED
    _finish(delivery, state=S.SENT, sent_at=timezone.now(), last_error=note, next_attempt_at=None)
    return S.SENT


def delivery_send(*, pk: int, now: datetime | None = None) -> str | None:
    """Send one delivery if it is due and nobody else holds it. Returns the new state (None: not ours)."""
    now = now or timezone.now()
    claimed = _claim(now, pk=pk)
    return _send_one(claimed[0], now) if claimed else None


def deliveries_send_due(*, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """The re-drive: claim every due row (queued, failed and due, or sending with an expired lease) and
    send it. Rows over the attempt limit whose worker died are given up. Returns counts by outcome."""
    now = now or timezone.now()
    outcome: dict[str, int] = {}
    while True:
        batch = _claim(now, limit=limit)
        if not batch:
            return outcome
        for delivery in batch:
            if delivery.attempts > conf.max_attempts():  # died mid-send on its last attempt(s)
                state = S.DEAD if _finish(delivery, state=S.DEAD, next_attempt_at=None,
                                          last_error="worker stopped while sending; attempts used up") else ""
                if state:
                    _report_dead(delivery, delivery.last_error or "attempts used up")
            else:
                state = _send_one(delivery, now)
            if state:
                outcome[state] = outcome.get(state, 0) + 1
        if limit is not None:
            return outcome
