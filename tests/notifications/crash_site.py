"""The other side of test_crash.py: run in a separate process as
``python -m tests.notifications.crash_site <step> [args]`` against the site's database (SQLite file or
PostgreSQL, from the environment), with real services and no pytest.

- ``setup <robot url>``: an org (manager, rep, customer success, team WeCom robot, email addresses and
  mobiles) and three opportunities: one ready to be won (its customer success manager is told, S4), one in
  S1 with its screening report (the approval request tells the approvers, M2), one untouched for weeks (the
  scan raises the overdue touch and escalates it to the manager, M3).
- ``crash won|approval|escalation``: the business change in a transaction whose FIRST on-commit hook
  SIGKILLs the process, i.e. the process dies right after the commit, before any other on-commit hook
  (the hand-off to the worker) runs. Exit code 3 means the process was not killed.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys


def _setup(robot_url: str) -> None:
    from django.db.models import Value
    from django.db.models.functions import Concat
    from django.utils import timezone

    from opphub.notifications.models import Delivery, Robot
    from opphub.opportunities.models import Assignment
    from opphub.opportunities.playbooks import playbooks_sync
    from opphub.people.models import Role
    from tests.factories import ProductFactory, TeamFactory, UserFactory, make_opportunity
    from tests.stagework import _doc, advance_to, fulfil

    now = timezone.now()
    playbooks_sync()
    manager = UserFactory(username="m1", role=Role.MANAGER)
    team = TeamFactory(name="华东一部", manager=manager)
    manager.team = team
    manager.save()
    rep = UserFactory(username="r1", role=Role.REP, team=team)
    cs = UserFactory(username="cs", role=Role.CUSTOMER_SUCCESS, team=team)
    Robot.objects.create(team=team, vendor="wecom", url=robot_url)

    won = advance_to(make_opportunity(actor=rep, now=now - dt.timedelta(hours=1), name="crash-won"), "closing",
                     now=now - dt.timedelta(minutes=30))
    Assignment.objects.create(opportunity=won, user=cs, assigned_at=now)
    fulfil(won)

    screening = make_opportunity(actor=rep, now=now - dt.timedelta(hours=1), name="crash-approval")
    screening.products.add(ProductFactory())
    _doc(screening, "screening_report", now)

    make_opportunity(actor=rep, now=now - dt.timedelta(days=40), name="crash-escalation")

    type(rep).objects.update(email=Concat("username", Value("@example.test")), mobile="13800000000")
    Delivery.objects.all().delete()  # start from an empty outbox: only the crash steps' messages count


def _crash(step: str) -> None:
    from django.db import transaction
    from django.utils import timezone

    from opphub.alerts.scan import scan_run
    from opphub.gates.services import approval_request
    from opphub.opportunities.models import Opportunity
    from opphub.workflow.services import opportunity_close  # the stage-move service: one import

    now = timezone.now()
    with transaction.atomic():
        # registered first, so it runs first: the process dies right after COMMIT, before the hand-off
        transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
        if step == "won":
            opp = Opportunity.objects.get(name="crash-won")
            opportunity_close(actor=opp.owner, opportunity=opp, outcome="won", now=now)
        elif step == "approval":
            opp = Opportunity.objects.get(name="crash-approval")
            approval_request(actor=opp.owner, opportunity=opp, key="screening_report", now=now, note="请审批")
        elif step == "escalation":
            result = scan_run(now=now, x3=False)
            assert result.escalated, "nothing escalated: the setup is wrong"
        else:
            raise SystemExit(f"unknown step {step}")
    sys.exit(3)  # not reached when the kill worked


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opphub.config.settings")
    django.setup()
    step, *args = sys.argv[1:]
    if step == "setup":
        _setup(*args)
    elif step == "crash":
        _crash(*args)
    else:
        raise SystemExit(f"unknown step {step}")


if __name__ == "__main__":
    main()
