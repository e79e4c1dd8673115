"""Frozen facts about one opportunity that the pure core decides on (spec S1-S5, M2).

The Django side builds a snapshot from the database (fields, documents, approvals, contacts,
follow-ups, assignments); the core never reads the database or the clock. Datetimes must be aware
and given in the business time zone (``timezone.localtime``), since deadlines count local dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .checks import require_aware as _aware


@dataclass(frozen=True)
class DocumentFact:
    """A document of the opportunity: uploaded, and (where the playbook asks) confirmed by the customer
    with a signature scan or an email."""

    uploaded: bool = True
    customer_confirmed: bool = False


@dataclass(frozen=True)
class ContactFact:
    """A customer contact on the decision chain: role (decision_maker / influencer / user / other),
    whether they are director level or above, and whether we have contacted them."""

    role: str
    director_or_above: bool = False
    contacted: bool = False


@dataclass(frozen=True)
class FollowUpFact:
    """One follow-up record (spec C1-C4): its kind and when it happened."""

    kind: str
    occurred_at: datetime

    def __post_init__(self) -> None:
        _aware("occurred_at", self.occurred_at)


@dataclass(frozen=True)
class ObjectionFact:
    """A customer objection raised in a follow-up (spec S4) and when it was resolved, if it was.
    ``ref`` identifies it for the caller (e.g. the follow-up id)."""

    raised_at: datetime
    resolved_at: datetime | None = None
    ref: str = ""

    def __post_init__(self) -> None:
        _aware("raised_at", self.raised_at)
        _aware("resolved_at", self.resolved_at)


@dataclass(frozen=True)
class GateSnapshot:
    """What the stage gates (M2) and deadlines need to know about an opportunity at ``now``.

    - ``filled_fields``: names of the fields that hold a value (screening form, 5W1H, proposal parts,
      the customer's service contact, archive tags ...), as the playbook's ``required_fields`` name them;
    - ``documents``: per document type of the playbook, whether it is uploaded / customer-confirmed;
    - ``approvals``: approval keys granted (e.g. ``screening_report``, ``contract_finance``);
    - ``participants``: support roles assigned (``presales``, ``cs``, ``finance``, ``legal``);
    - ``scored_items``: keys of the requirement items scored on the 需求確認單 (H1);
    - ``requirement_match``: the current requirement match in percent (None while unassessed);
    - ``budget_max`` / ``price_band_min``: the top of the customer's budget and the lowest price of the
      product's band (None when unknown);
    - ``closed_at``: when it was won or lost; ``archived_at``: when the archive was completed (S5).
    """

    stage: str
    status: str  # "open" | "won" | "lost"
    now: datetime
    entered_stage_at: datetime
    filled_fields: frozenset[str] = frozenset()
    documents: Mapping[str, DocumentFact] = field(default_factory=dict)
    approvals: frozenset[str] = frozenset()
    contacts: tuple[ContactFact, ...] = ()
    followups: tuple[FollowUpFact, ...] = ()
    objections: tuple[ObjectionFact, ...] = ()
    participants: frozenset[str] = frozenset()
    scored_items: frozenset[str] = frozenset()
    requirement_match: Decimal | None = None
    budget_max: Decimal | None = None
    price_band_min: Decimal | None = None
    closed_at: datetime | None = None
    archived_at: datetime | None = None

    def __post_init__(self) -> None:
        _aware("now", self.now)
        _aware("entered_stage_at", self.entered_stage_at)
        _aware("closed_at", self.closed_at)
        _aware("archived_at", self.archived_at)

    @property
    def today(self) -> date:
        return self.now.date()

    def uploaded(self, document: str) -> bool:
        fact = self.documents.get(document)
        return fact is not None and fact.uploaded

    def confirmed(self, document: str) -> bool:
        fact = self.documents.get(document)
        return fact is not None and fact.uploaded and fact.customer_confirmed

    def followup_count(self, kind: str) -> int:
        return sum(1 for f in self.followups if f.kind == kind)

    def followup_dates(self, kind: str | None = None) -> tuple[datetime, ...]:
        """When follow-ups (of ``kind``, or of any kind) happened, earliest first."""
        return tuple(sorted(f.occurred_at for f in self.followups if kind is None or f.kind == kind))

    def director_contacted(self, decision_roles: tuple[str, ...]) -> bool:
        """S3: a director-or-above contact on the decision chain has been contacted."""
        return any(c.contacted and c.director_or_above and c.role in decision_roles for c in self.contacts)
