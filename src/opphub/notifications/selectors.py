"""Reads for notifications: robots for a user, the unread count, a user's list."""

from __future__ import annotations

from django.db.models import QuerySet

from opphub import access
from opphub.people.models import Team, User

from .models import Delivery, Robot


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


def unread_count(user: access.AnyUser) -> int:
    return access.visible_notifications(user).filter(read_at__isnull=True).count()


def notifications_for(user: access.AnyUser) -> QuerySet[Delivery]:
    return access.visible_notifications(user).order_by("-created_at", "-id")
