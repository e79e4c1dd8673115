"""Reads for notifications: robots for a user, the unread count, a user's list, the administrators'
digest of deliveries that were given up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Min, Q, QuerySet

from opphub import access
from opphub.people.models import Team, User

from .models import Channel, Delivery, Robot


def robot_for(user: User, vendor: str) -> Robot | None:
    """The robot of the nearest team, from the user's own team upwards, that has an active one of `vendor`."""
    team_id = user.team_id
    if team_id is None:
        return None
    robots = {r.team_id: r for r in Robot.objects.filter(vendor=vendor, is_active=True)}
    if not robots:
        return None
    parents = dict(Team.objects.values_list("id", "parent_id"))
    seen: set[int] = set()
    while team_id is not None and team_id not in seen:
        if team_id in robots:
            return robots[team_id]
        seen.add(team_id)
        team_id = parents.get(team_id)
    return None


# An administrator's in-app notice that a delivery was given up (sending._report_dead): one per delivery,
# keyed by it; the page shows them as one digest in the reader's language (issue 10 item 4).
DEAD_KIND = "delivery_dead"
DEAD_KEY_PREFIX = "delivery-dead:"


def unread_count(user: access.AnyUser) -> int:
    """Unread notifications; the unread delivery-failure notices count once (they are one digest)."""
    counts = access.visible_notifications(user).filter(read_at__isnull=True).aggregate(
        others=Count("id", filter=~Q(kind=DEAD_KIND)), dead=Count("id", filter=Q(kind=DEAD_KIND)))
    return counts["others"] + (1 if counts["dead"] else 0)


def notifications_for(user: access.AnyUser) -> QuerySet[Delivery]:
    """The user's notifications, without the delivery-failure notices (see :func:`failure_digest`)."""
    return access.visible_notifications(user).exclude(kind=DEAD_KIND).order_by("-created_at", "-id")


def notifications_for_kind(user: access.AnyUser, kind: str) -> list[int]:
    """The ids of the user's unread notifications of one kind."""
    return list(access.visible_notifications(user).filter(kind=kind, read_at__isnull=True).values_list("id", flat=True))


@dataclass
class FailureDigest:
    count: int  # unread notices, one per given-up delivery
    first: datetime
    last: datetime
    by_channel: list[tuple[str, int]] = field(default_factory=list)  # (channel label, deliveries), most first


def failure_digest(user: access.AnyUser) -> FailureDigest | None:
    """The user's unread delivery-failure notices as one group: how many, since when, per channel.
    Two queries; the labels come from the model's choices, so they are in the active language."""
    notices = access.visible_notifications(user).filter(kind=DEAD_KIND, read_at__isnull=True)
    head = notices.aggregate(n=Count("id"), first=Min("created_at"), last=Max("created_at"))
    if not head["n"]:
        return None
    pks = [int(k.removeprefix(DEAD_KEY_PREFIX)) for k in notices.values_list("key", flat=True)
           if k.removeprefix(DEAD_KEY_PREFIX).isdigit()]
    labels = dict(Channel.choices)
    rows = (Delivery.objects.filter(pk__in=pks).values("channel").annotate(n=Count("id")).order_by("-n", "channel"))
    return FailureDigest(count=head["n"], first=head["first"], last=head["last"],
                         by_channel=[(str(labels.get(r["channel"], r["channel"])), r["n"]) for r in rows])
