"""/api/opportunities/{number}/followups: the touches with the customer (spec C1-C4, S3 weekly records).

Everyone who may see the opportunity reads them; everyone but the finance/legal reviewers logs them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from opphub import access
from opphub.followups.models import CustomerRequest, Direction, FollowUp, Kind, RequestKind
from opphub.followups.services import followup_log

from .common import AwareDatetime, Id, InSchema, Paging, Ref, RequiredText, Text, actor, page, user_ref
from .errors import FieldError

router = Router(tags=["follow-ups"])  # mounted under /api/opportunities


class RequestIn(InSchema):
    kind: RequestKind = Field(..., description="C1 key_action, C2 confirmation, C3 feedback (a C4 objection is "
                                               "recorded with POST …/objections)")
    text: Text = Field(..., min_length=1, max_length=300, description="what the customer is waiting for")


class RequestOut(Schema):
    id: int
    kind: str
    text: str
    received_at: dt.datetime
    owed_by: Ref
    followup_id: int | None
    answered_at: dt.datetime | None
    answered_by_followup_id: int | None


class FollowUpIn(InSchema):
    kind: Kind
    direction: Direction = Direction.OUTBOUND
    occurred_at: AwareDatetime | None = Field(None, description="defaults to now; never in the future")
    notes: RequiredText
    customer_feedback: Text = ""
    objections: Text = ""
    competitor_moves: Text = ""
    next_step: Text = Field("", max_length=300)
    next_step_at: AwareDatetime | None = Field(None, description="when the next step is planned (a meeting in the "
                                                                   "calendar feed); after occurred_at")
    contact_ids: list[Id] = Field([], description="contacts of the opportunity's customer who took part")
    waiting_for: list[RequestIn] = Field([], description="C1-C4: what the customer now waits for us to answer "
                                                         "(due at the playbook's response time)")
    answers: list[Id] = Field([], description="open customer requests of this opportunity this follow-up answers")


class FollowUpOut(Schema):
    id: int
    kind: str
    direction: str
    occurred_at: dt.datetime
    author: Ref
    contacts: list[Ref]
    notes: str
    customer_feedback: str
    objections: str
    competitor_moves: str
    next_step: str
    next_step_at: dt.datetime | None
    created_at: dt.datetime


class FollowUpPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[FollowUpOut]


def followup_out(f: FollowUp) -> dict[str, Any]:
    return {
        "id": f.pk, "kind": f.kind, "direction": f.direction, "occurred_at": f.occurred_at,
        "author": user_ref(f.author), "contacts": [{"id": c.pk, "name": c.name} for c in f.contacts.all()],
        "notes": f.notes, "customer_feedback": f.customer_feedback, "objections": f.objections,
        "competitor_moves": f.competitor_moves, "next_step": f.next_step, "next_step_at": f.next_step_at,
        "created_at": f.created_at,
    }


@router.get("/{number}/followups", response=FollowUpPage, summary="Follow-ups, newest first")
def list_followups(request: HttpRequest, number: Text, paging: Query[Paging]) -> dict[str, Any]:
    user = actor(request)
    opportunity = access.get_opportunity(user, number=number)
    qs = (access.visible_followups(user).filter(opportunity=opportunity).select_related("author")
          .prefetch_related("contacts").order_by("-occurred_at", "-id"))
    return page(qs, paging, lambda rows: [followup_out(f) for f in rows])


@router.post("/{number}/followups", response={201: FollowUpOut}, summary="Log a follow-up")
def create_followup(request: HttpRequest, number: Text, payload: FollowUpIn) -> Status[dict[str, Any]]:
    user = actor(request)
    opportunity = access.get_opportunity(user, number=number)
    wanted = list(dict.fromkeys(payload.contact_ids))
    contacts = list(access.visible_contacts(user).filter(pk__in=wanted))
    if len(contacts) != len(wanted):
        raise FieldError("contact_ids", _("Unknown contact."), "unknown")
    wanted_answers = list(dict.fromkeys(payload.answers))
    answers = list(CustomerRequest.objects.filter(opportunity=opportunity, pk__in=wanted_answers,
                                                  answered_at__isnull=True).select_related("opportunity"))
    if len(answers) != len(wanted_answers):
        raise FieldError("answers", _("Unknown or already answered request."), "unknown")
    data = payload.model_dump(exclude={"contact_ids", "waiting_for", "answers"})
    if data["occurred_at"] is None:
        del data["occurred_at"]
    followup = followup_log(actor=user, opportunity=opportunity, data=data, contacts=contacts, now=timezone.now(),
                            requests=[(r.kind, r.text) for r in payload.waiting_for], answers=answers)
    fresh = FollowUp.objects.select_related("author").prefetch_related("contacts").get(pk=followup.pk)
    return Status(201, followup_out(fresh))


def request_out(r: CustomerRequest) -> dict[str, Any]:
    return {"id": r.pk, "kind": r.kind, "text": r.text, "received_at": r.received_at, "owed_by": user_ref(r.owed_by),
            "followup_id": r.followup_id, "answered_at": r.answered_at, "answered_by_followup_id": r.answered_by_id}


@router.get("/{number}/requests", response=list[RequestOut],
            summary="What the customer waits for (C1-C4), open ones first, oldest first")
def list_requests(request: HttpRequest, number: Text) -> list[dict[str, Any]]:
    opportunity = access.get_opportunity(actor(request), number=number)
    rows = (CustomerRequest.objects.filter(opportunity=opportunity).select_related("owed_by")
            .order_by(F("answered_at").asc(nulls_first=True), "received_at", "id"))
    return [request_out(r) for r in rows]
