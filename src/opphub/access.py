"""The ONE place that decides which records a user may see and change.

Every page, API endpoint, export and file download asks here. Rules (spec P1-P4):
- sales rep: opportunities they own (and any they are assigned to);
- presales, customer success, finance, legal: opportunities they are assigned to;
- sales manager: opportunities of the teams they manage and all teams below them (and their own);
- sales director and administrator: everything.
Customers and contacts are visible with a visible opportunity on the customer, or when the customer
is owned by the user (or, for a manager, by anyone in the managed subtree). Follow-ups follow their
opportunity. Anything else is answered with 404, so the existence of a record does not leak.
"""

from __future__ import annotations

from typing import Any, TypeAlias, TypeGuard

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, Q, QuerySet
from django.http import Http404

from opphub.alerts.models import Alert, PenaltyEntry
from opphub.customers.models import Contact, Customer
from opphub.followups.models import FollowUp
from opphub.gates.models import HEALTH_APPROVAL, Approval, ApprovalState
from opphub.notifications.models import Channel, Delivery
from opphub.opportunities.models import Assignment, Opportunity, PlaybookVersion
from opphub.opportunities.playbooks import playbook_of
from opphub.people.models import Role, Team, User

# Who asks: a signed-in user, or the anonymous one of a request (which sees nothing). The functions that
# only make sense for a signed-in user take `User`.
AnyUser: TypeAlias = User | AnonymousUser

_TEAMS_CACHE = "_opphub_managed_team_ids"

ALL_SEEING = {Role.DIRECTOR, Role.ADMIN}
SUPPORT_ROLES = {Role.PRESALES, Role.CUSTOMER_SUCCESS, Role.FINANCE, Role.LEGAL}
REVIEW_ONLY = {Role.FINANCE, Role.LEGAL}
CREATORS = {Role.REP, Role.MANAGER, Role.DIRECTOR, Role.ADMIN}


def signed_in(user: AnyUser) -> TypeGuard[User]:
    """A signed-in user (active or not); the anonymous user of a request is not."""
    return isinstance(user, User) and user.is_authenticated


def _active(user: AnyUser) -> TypeGuard[User]:
    return signed_in(user) and user.is_active


def _team_tree() -> tuple[dict[int, list[int]], dict[int, int | None]]:
    children: dict[int, list[int]] = {}
    managers: dict[int, int | None] = {}
    for tid, parent_id, manager_id in Team.objects.values_list("id", "parent_id", "manager_id"):
        children.setdefault(parent_id or 0, []).append(tid)
        managers[tid] = manager_id
    return children, managers


def managed_team_ids(user: AnyUser) -> frozenset[int]:
    """Teams a manager manages, with every team below them. Cached on the user for one request."""
    cached: frozenset[int] | None = getattr(user, _TEAMS_CACHE, None)
    if cached is not None:
        return cached
    result: set[int] = set()
    if signed_in(user) and user.role == Role.MANAGER:
        children, managers = _team_tree()
        stack = [tid for tid, mid in managers.items() if mid == user.pk]
        while stack:
            tid = stack.pop()
            if tid not in result:
                result.add(tid)
                stack.extend(children.get(tid, []))
    frozen = frozenset(result)
    setattr(user, _TEAMS_CACHE, frozen)
    return frozen


def sees_all(user: AnyUser) -> bool:
    return _active(user) and (user.role in ALL_SEEING or user.is_superuser)


def visible_opportunities(user: AnyUser) -> QuerySet[Opportunity]:
    qs = Opportunity.objects.all()
    if sees_all(user):
        return qs
    if not _active(user):
        return qs.none()
    base = opportunity_filter_exists(user)
    return qs.filter(base)


def opportunity_filter_exists(user: User) -> Q:
    """The visibility rule as a Q over Opportunity (a subquery for assignments: no duplicate rows)."""
    # "pk IN (SELECT opportunity_id FROM assignment WHERE user = ?)" lets the planner start from the
    # user's few assignments; a correlated EXISTS made SQLite scan every opportunity.
    assigned = Q(pk__in=Assignment.objects.filter(user=user).values("opportunity_id"))
    if user.role == Role.REP:
        return Q(owner=user) | assigned
    if user.role == Role.MANAGER:
        return Q(team_id__in=managed_team_ids(user)) | Q(owner=user) | assigned
    if user.role in SUPPORT_ROLES:
        return assigned
    return Q(pk__in=[])


def get_opportunity(user: AnyUser, **lookup: Any) -> Opportunity:
    """The opportunity if the user may see it, else Http404 (never 403: existence does not leak)."""
    try:
        return visible_opportunities(user).get(**lookup)
    except (Opportunity.DoesNotExist, ValueError):
        raise Http404 from None


def visible_customers(user: AnyUser) -> QuerySet[Customer]:
    qs = Customer.objects.all()
    if sees_all(user):
        return qs
    if not _active(user):
        return qs.none()
    # "pk IN (customers of the visible opportunities)": the planners build that set once, where a
    # correlated EXISTS probed the opportunities again for every customer.
    rule = Q(owner=user) | Q(pk__in=visible_opportunities(user).order_by().values("customer_id"))
    if user.role == Role.MANAGER:
        rule |= Q(owner_id__in=_subtree_members(user))
    return qs.filter(rule)


def _subtree_members(user: User) -> QuerySet[User, Any]:
    """The people in the teams a manager manages (a subquery on the small user table, no JOIN)."""
    return User.objects.filter(team_id__in=managed_team_ids(user)).values("pk")


def get_customer(user: AnyUser, **lookup: Any) -> Customer:
    try:
        return visible_customers(user).get(**lookup)
    except (Customer.DoesNotExist, ValueError):
        raise Http404 from None


def visible_contacts(user: AnyUser) -> QuerySet[Contact]:
    if sees_all(user):
        return Contact.objects.all()
    return Contact.objects.filter(customer__in=visible_customers(user).values("pk"))


def contacts_of(user: AnyUser, opportunity: Opportunity) -> QuerySet[Contact]:
    """The contacts of an opportunity's customer, for a user who may see the opportunity.

    A visible opportunity makes its customer, and so the customer's contacts, visible (the rules
    above): this asks only "is this one opportunity visible" (a primary-key probe, evaluated once)
    instead of working out every customer the user may see. Empty when the opportunity is not visible.
    """
    qs = Contact.objects.filter(customer_id=opportunity.customer_id)
    if sees_all(user):
        return qs
    return qs.filter(Exists(visible_opportunities(user).filter(pk=opportunity.pk)))


def visible_followups(user: AnyUser) -> QuerySet[FollowUp]:
    if sees_all(user):
        return FollowUp.objects.all()
    return FollowUp.objects.filter(opportunity__in=visible_opportunities(user).values("pk"))


# ------------------------------------------------------------------------------------ actions


def can_create_records(user: AnyUser) -> bool:
    """Reps, managers, directors and admins create customers, contacts and opportunities."""
    return signed_in(user) and (user.role in CREATORS or user.is_superuser)


def can_edit_opportunity(user: AnyUser, opportunity: Opportunity) -> bool:
    """Owner, the managers above its team, director and admin. (Supporters log, they don't edit.)"""
    if sees_all(user):
        return True
    if not signed_in(user):
        return False
    if opportunity.owner_id == user.pk:
        return True
    return bool(user.role == Role.MANAGER and opportunity.team_id in managed_team_ids(user))


def can_log_followup(user: AnyUser, opportunity: Opportunity) -> bool:
    """Everyone who may see the opportunity except the finance/legal reviewers."""
    if not signed_in(user):
        return False
    if user.role in REVIEW_ONLY and not user.is_superuser:
        return False
    return visible_opportunities(user).filter(pk=opportunity.pk).exists()


def can_edit_customer(user: AnyUser, customer: Customer) -> bool:
    if sees_all(user):
        return True
    if not signed_in(user):
        return False
    if user.role in REVIEW_ONLY or user.role in {Role.PRESALES, Role.CUSTOMER_SUCCESS}:
        return False
    if customer.owner_id == user.pk:
        return True
    if not user.is_active:
        return False
    # a rep with an opportunity on the customer may keep its contacts up to date; a manager may edit
    # every customer they see (the visible_customers rule, asked for this one customer)
    if visible_opportunities(user).filter(customer_id=customer.pk).exists():
        return True
    return bool(user.role == Role.MANAGER
                and User.objects.filter(pk=customer.owner_id, team_id__in=managed_team_ids(user)).exists())


def assignable_owners(user: AnyUser) -> QuerySet[User]:
    """Who a user may make the owner of an opportunity or customer."""
    qs = User.objects.filter(is_active=True, role__in=[Role.REP, Role.MANAGER, Role.DIRECTOR])
    if sees_all(user):
        return qs
    if not signed_in(user):
        return qs.none()
    if user.role == Role.MANAGER:
        return qs.filter(Q(team_id__in=managed_team_ids(user)) | Q(pk=user.pk))
    return qs.filter(pk=user.pk)


def owner_filter_choices(user: AnyUser) -> QuerySet[User]:
    """Whom a user may pick in the "owner" filter of the board and the list: taken from the org, never
    from the opportunities. Director/admin: every active sales person; manager: the people they may
    make owners (their teams and themselves); rep: themselves; presales, customer success, finance and
    legal (who support opportunities of any team): every active sales person."""
    if signed_in(user) and user.role in SUPPORT_ROLES and not sees_all(user):
        return User.objects.filter(is_active=True, role__in=[Role.REP, Role.MANAGER, Role.DIRECTOR])
    return assignable_owners(user)


# ------------------------------------------------------------------ stage gates: documents, approvals (M2, S5)

# Who decides an approval comes from the playbook (``[approvers]``: "manager", "finance" or "legal"; keys not
# listed, like the H4 health-score approval in older versions, go to the manager).
REVIEWER_ROLES = {"finance": Role.FINANCE, "legal": Role.LEGAL}


def approver_role(opportunity: Opportunity, key: str) -> str:
    """The role that decides approval ``key`` under the opportunity's own playbook version."""
    return str(playbook_of(opportunity.playbook_version).approver_role(key))


def can_work_on_stage(user: AnyUser, opportunity: Opportunity) -> bool:
    """Upload documents, fill stage records, score items: whoever edits it, plus its assigned presales
    engineers and customer success managers (they write minutes and hand-over notes)."""
    if can_edit_opportunity(user, opportunity):
        return True
    if not signed_in(user) or user.role not in (Role.PRESALES, Role.CUSTOMER_SUCCESS):
        return False
    return Assignment.objects.filter(opportunity=opportunity, user=user).exists()


def is_own_opportunity(user: AnyUser, opportunity: Opportunity) -> bool:
    """Nobody approves their own opportunity — the owner cannot decide its approvals even as a manager; only
    a director or an administrator (who see everything and answer for it) may (M2, H4)."""
    return bool(signed_in(user) and opportunity.owner_id == user.pk and not sees_all(user))


def can_decide_approval(user: AnyUser, opportunity: Opportunity, key: str) -> bool:
    """M2/H4: the approver role of the playbook decides — the finance (legal) reviewer assigned to the
    opportunity, or the sales managers above its team, a director or an admin — never on one's own."""
    if not signed_in(user) or is_own_opportunity(user, opportunity):
        return False
    role = REVIEWER_ROLES.get(approver_role(opportunity, key))
    if role is not None:
        return bool(user.role == role
                    and Assignment.objects.filter(opportunity=opportunity, user=user).exists())
    if sees_all(user):
        return True
    return bool(user.role == Role.MANAGER and opportunity.team_id in managed_team_ids(user))


def _teams_above(team_id: int | None) -> list[int]:
    """The team and every team above it (the managers of these teams manage the opportunity's team)."""
    parents = dict(Team.objects.values_list("id", "parent_id"))
    out: list[int] = []
    while team_id is not None and team_id not in out:
        out.append(team_id)
        team_id = parents.get(team_id)
    return out


def approvers_of(opportunity: Opportunity, key: str) -> QuerySet[User]:
    """Everyone to tell about a request for approval ``key``: the assigned reviewer of the playbook's role,
    or the managers of the team and the teams above it and the directors — never the owner. One query over
    users (after the small team table)."""
    users = User.objects.filter(is_active=True).exclude(pk=opportunity.owner_id)
    role = REVIEWER_ROLES.get(approver_role(opportunity, key))
    if role is not None:
        assigned = Assignment.objects.filter(opportunity=opportunity).values("user_id")
        return users.filter(role=role, pk__in=assigned)
    managers = Team.objects.filter(pk__in=_teams_above(opportunity.team_id), manager__isnull=False)
    return users.filter(Q(role=Role.MANAGER, pk__in=managers.values("manager_id")) | Q(role=Role.DIRECTOR))


def _keys_by_role(role: str) -> Q:
    """Approvals whose key the playbook of their opportunity gives to ``role`` (each version in use)."""
    rule = Q(pk__in=[])
    for version in PlaybookVersion.objects.all():
        book = playbook_of(version)
        keys = [k for k in [*book.approvals, HEALTH_APPROVAL] if book.approver_role(k) == role]
        if keys:
            rule |= Q(opportunity__playbook_version_id=version.pk, key__in=keys)
    return rule


def approvals_waiting_for(user: AnyUser) -> QuerySet[Approval]:
    """Pending approvals this user may decide (for their to-do list): the same rule as
    :func:`can_decide_approval`, as one query."""
    pending = Approval.objects.filter(state=ApprovalState.PENDING)
    if not signed_in(user):
        return pending.none()
    reviewer = next((name for name, r in REVIEWER_ROLES.items() if r == user.role), None)
    if reviewer is not None and not sees_all(user):
        return pending.filter(_keys_by_role(reviewer),
                              opportunity_id__in=Assignment.objects.filter(user=user).values("opportunity_id"))
    others = pending.filter(_keys_by_role("manager"))
    if sees_all(user):
        return others
    if user.role == Role.MANAGER:  # not their own opportunities: nobody approves their own
        return others.filter(opportunity__team_id__in=managed_team_ids(user)).exclude(opportunity__owner=user)
    return pending.none()


def approval_requests_by(user: AnyUser) -> QuerySet[Approval]:
    """The user's own approval requests still waiting for a decision, on opportunities they may see."""
    if not signed_in(user):
        return Approval.objects.none()
    pending = Approval.objects.filter(state=ApprovalState.PENDING, requested_by=user)
    if sees_all(user):
        return pending
    return pending.filter(opportunity__in=visible_opportunities(user).values("pk"))


def can_review_loss(user: AnyUser) -> bool:
    """S5: the sales committee (directors, administrators) accepts or returns a loss analysis."""
    return sees_all(user)


def visible_notifications(user: AnyUser) -> QuerySet[Delivery]:
    """In-app notifications: a user sees only their own (administrators see failures in the back office)."""
    if not signed_in(user):
        return Delivery.objects.none()
    return Delivery.objects.filter(recipient=user, channel=Channel.INAPP)


# ------------------------------------------------------------------ team pages, alerts, penalties (M3, P4, P6)


def can_see_team_pages(user: AnyUser) -> bool:
    """Team health and the weekly review (P4): managers (their teams), directors and admins (all)."""
    return _active(user) and (sees_all(user) or user.role == Role.MANAGER)


def team_members(user: AnyUser) -> QuerySet[User]:
    """The people whose health a user may look at: everyone for a director/admin, the members of the
    managed subtree for a manager, nobody otherwise."""
    if sees_all(user):
        return User.objects.filter(is_active=True)
    if signed_in(user) and user.role == Role.MANAGER:
        return User.objects.filter(is_active=True, team_id__in=managed_team_ids(user))
    return User.objects.none()


def visible_alerts(user: AnyUser) -> QuerySet[Alert]:
    """Alerts follow their opportunity (the opportunity rules above)."""
    if sees_all(user):
        return Alert.objects.all()
    return Alert.objects.filter(opportunity__in=visible_opportunities(user).values("pk"))


def visible_penalties(user: AnyUser) -> QuerySet[PenaltyEntry]:
    """A rep sees their own ledger; a manager that of the people in the managed subtree; director/admin all."""
    if sees_all(user):
        return PenaltyEntry.objects.all()
    if not _active(user):
        return PenaltyEntry.objects.none()
    rule = Q(user=user)
    if user.role == Role.MANAGER:
        rule |= Q(user_id__in=_subtree_members(user))
    return PenaltyEntry.objects.filter(rule)


def can_reverse_penalty(user: AnyUser, entry: PenaltyEntry) -> bool:
    """P6: the manager of the penalised person's team (or above), a director or an admin; never one's own."""
    if entry.user_id == getattr(user, "pk", None):
        return False
    if sees_all(user):
        return True
    return bool(signed_in(user) and user.role == Role.MANAGER
                and User.objects.filter(pk=entry.user_id, team_id__in=managed_team_ids(user)).exists())


# ------------------------------------------------------------------ the working-day calendar (S2, S4, S5, R3)


def can_manage_calendar(user: Any) -> bool:
    """Importing the official holiday schedule and seeing the missing-schedule banner: administrators
    (the role or a superuser). Decided from the user alone: no query."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and (getattr(user, "role", "") == Role.ADMIN or user.is_superuser))
