"""The rep's "my day" page (spec P1, C1-C4, P6): what to do today on one's own opportunities."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from opphub import access
from opphub.people.http import SignedInRequest
from opphub.people.models import Role

from .selectors import my_day

OVERSEERS = {Role.MANAGER, Role.DIRECTOR, Role.ADMIN}


@login_required
@require_GET
def my_day_view(request: SignedInRequest) -> HttpResponse:
    user = request.user
    day = my_day(user=user, now=timezone.localtime())
    context = {
        "day": day,
        # managers, directors and admins see only what they own here too; their teams are on the board
        "oversees_others": getattr(user, "role", "") in OVERSEERS or bool(getattr(user, "is_superuser", False)),
        # presales, customer success, finance and legal: the opportunities they support, not ones they own
        "supports": getattr(user, "role", "") in access.SUPPORT_ROLES,
        "reviews": getattr(user, "role", "") in access.REVIEWER_ROLES.values(),  # finance, legal: contract reviews
    }
    return render(request, "followups/my_day.html", context)
