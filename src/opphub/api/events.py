"""/api/events: business events for integrations (spec S4: Won triggers the delivery process).

Poll ``GET /api/events?after=<last id you handled>``; events come in id order, limited to the opportunities
the token's user may see. Remember the last id: nothing is missed, nothing is seen twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from opphub import access
from opphub.opportunities.models import OpportunityEvent

from .common import actor

router = Router(tags=["events"])


class EventsQuery(Schema):
    after: int = Field(0, ge=0, le=2**63 - 1, description="the id of the last event you handled")
    limit: int = Field(100, ge=1, le=500)
    kind: str | None = Field(None, description="opportunity.won | opportunity.lost")


class EventOut(Schema):
    id: int
    kind: str
    number: str
    occurred_at: dt.datetime
    payload: dict[str, Any]


@router.get("", response=list[EventOut], summary="Business events after an id, oldest first")
def list_events(request: HttpRequest, q: Query[EventsQuery]) -> list[dict[str, Any]]:
    visible = access.visible_opportunities(actor(request)).values("pk")
    rows = OpportunityEvent.objects.filter(pk__gt=q.after, opportunity_id__in=visible).select_related("opportunity")
    if q.kind:
        rows = rows.filter(kind=q.kind)
    return [{"id": e.pk, "kind": e.kind, "number": e.opportunity.number, "occurred_at": e.occurred_at,
             "payload": e.payload} for e in rows.order_by("id")[:q.limit]]
