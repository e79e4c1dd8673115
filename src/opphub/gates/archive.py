"""S5 archive: complete a won opportunity's archive; submit a lost one's loss analysis to the sales
committee, which accepts it (the archive is complete) or sends it back with a comment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from opphub import access
from opphub.audit.services import audit_record
from opphub.common.errors import Conflict, MoveRefused, NotAllowed
from opphub.methodology.stages import check_archive
from opphub.opportunities.playbooks import playbook_of
from opphub.people.models import Role, User

from .models import ApprovalState, ArchiveReview, StageRecord
from .notify import tell
from .selectors import build_snapshot, stage_record_of
from .services import card_url
from .unmet import unmet_message


def _record(opportunity: Any, now: datetime) -> StageRecord:
    record = stage_record_of(opportunity)
    if record._state.adding:
        record.updated_at = now
        record.save(force_insert=True)
    return record


@transaction.atomic
def archive_complete(*, actor: Any, opportunity: Any, now: datetime) -> StageRecord | ArchiveReview:
    """Won: check the documents and success tags, then mark the archive complete. Lost: check the loss
    analysis, then submit it to the committee (the archive completes when they accept it)."""
    if not access.can_edit_opportunity(actor, opportunity):
        raise NotAllowed(_("You cannot archive this opportunity."))
    playbook = playbook_of(opportunity.playbook_version)
    record = stage_record_of(opportunity)
    if record.archived_at is not None:
        raise Conflict(_("The archive is already complete."))
    unmet = check_archive(playbook, build_snapshot(opportunity, now=now, record=record))
    if unmet:
        messages = [unmet_message(playbook, u) for u in unmet]
        raise MoveRefused(messages[0], details=messages, unmet=unmet)
    record = _record(opportunity, now)
    if opportunity.status == "won":
        StageRecord.objects.filter(pk=record.pk).update(archived_at=now, updated_at=now)
        record.refresh_from_db()
        audit_record(actor=actor, instance=opportunity, before={"archive": ""}, after={"archive": _("complete")},
                     now=now)
        return record
    try:
        with transaction.atomic():
            review = ArchiveReview.objects.create(opportunity=opportunity, submitted_by=actor, submitted_at=now)
    except IntegrityError:
        raise Conflict(_("The loss analysis is already with the sales committee.")) from None
    audit_record(actor=actor, instance=opportunity, before={"archive": ""},
                 after={"archive": _("loss analysis submitted to the sales committee")}, now=now)
    for member in User.objects.filter(is_active=True, role__in=[Role.DIRECTOR, Role.ADMIN]):
        tell(recipient=member, kind="loss_review", key=f"loss_review:{review.pk}:{member.pk}",
             subject=_("%(number)s: loss analysis to review") % {"number": opportunity.number},
             body=str(opportunity), url=card_url(opportunity))
    return review


@transaction.atomic
def archive_review_decide(*, actor: Any, review: ArchiveReview, accept: bool, comment: str, now: datetime
                          ) -> ArchiveReview:
    """The committee accepts the loss analysis (archive complete) or returns it (a comment is required)."""
    if not access.can_review_loss(actor):
        raise NotAllowed(_("Only the sales committee (directors) reviews loss analyses."))
    comment = comment.strip()
    if not accept and not comment:
        from django.core.exceptions import ValidationError

        raise ValidationError({"comment": _("Say what the analysis is missing.")})
    state = ApprovalState.APPROVED if accept else ApprovalState.REJECTED
    done = ArchiveReview.objects.filter(pk=review.pk, state=ApprovalState.PENDING).update(
        state=state, decided_by=actor, decided_at=now, comment=comment)
    review.refresh_from_db()
    if not done:
        raise Conflict(_("This review was already decided (%(state)s by %(user)s).")
                       % {"state": review.get_state_display(), "user": review.decided_by})
    opportunity = review.opportunity
    if accept:
        StageRecord.objects.filter(pk=opportunity.pk).update(archived_at=now, updated_at=now)
    audit_record(actor=actor, instance=opportunity, before={"archive": _("loss analysis submitted to the sales "
                                                                         "committee")},
                 after={"archive": (_("complete") if accept else _("loss analysis returned")) +
                        (f" — {comment}" if comment else "")}, now=now)
    subject = (_("%(number)s: loss analysis accepted") if accept else _("%(number)s: loss analysis returned")) % {
        "number": opportunity.number}
    tell(recipient=opportunity.owner, kind="loss_review_decided", key=f"loss_review:{review.pk}:decided",
         subject=subject, body=comment, url=card_url(opportunity))
    return review
