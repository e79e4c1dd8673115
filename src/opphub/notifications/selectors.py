"""Reads for notifications: robots for a user, the unread count, a user's list."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from opphub import access
from opphub.people.models import Team

from .models import Robot


def robot_for(user: Any, vendor: str) -> Robot | None:
    """The robot of the nearest team, from the user's own team upwards, that has an active one of `vendor`."""
    team_id = getattr(user, "team_id", None)
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


def unread_count(user: Any) -> int:
    return access.visible_notifications(user).filter(read_at__isnull=True).count()


def notifications_for(user: Any) -> QuerySet[Any]:
    return access.visible_notifications(user).order_by("-created_at", "-id")
