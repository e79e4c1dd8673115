"""spec: L2 (versioned SOP), K4 — playbook versions are stored; each opportunity keeps the version it
started under; a changed file needs a new version; a broken playbook stops start-up naming the key."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from opphub.opportunities.models import Pipeline, PlaybookVersion
from opphub.opportunities.playbooks import PlaybookChangedWithoutNewVersion, playbook_of, playbooks_sync
from opphub.opportunities.services import opportunity_create
from tests.factories import NOW, CustomerFactory, make_opportunity

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def playbook_dir(tmp_path, settings):
    shutil.copy(ROOT / "playbooks" / "standard.toml", tmp_path / "standard.toml")
    settings.OPPHUB_PLAYBOOK_DIR = tmp_path
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_new_version_applies_to_new_opportunities_only(org, playbook_dir):
    running = make_opportunity(actor=org.r1, now=NOW)
    assert playbook_of(running.playbook_version).health.back_below == 60
    started_under = running.playbook_version.version
    _edit(playbook_dir / "standard.toml", f'version = "{started_under}"', 'version = "99.0.0"')
    _edit(playbook_dir / "standard.toml", "back_below = 60", "back_below = 55")
    assert "stored playbook standard 99.0.0" in playbooks_sync()
    created_after = make_opportunity(actor=org.r1, now=NOW)
    running.refresh_from_db()
    assert running.playbook_version.version == started_under
    assert playbook_of(running.playbook_version).health.back_below == 60
    assert created_after.playbook_version.version == "99.0.0"
    assert playbook_of(created_after.playbook_version).health.back_below == 55
    assert PlaybookVersion.objects.filter(key="standard").count() == 2


def test_gates_judge_each_opportunity_by_its_own_version(org, playbook_dir):
    """spec: L2, S2 gate — raising the requirement-match threshold to 80 applies to opportunities created
    afterwards; a running one still passes at 75 under the version it started with."""
    from decimal import Decimal

    from opphub.common.errors import MoveRefused
    from opphub.gates.models import StageRecord
    from opphub.workflow.services import opportunity_move_stage
    from tests.stagework import fulfil

    running = fulfil(make_opportunity(actor=org.r1, now=NOW))
    _edit(playbook_dir / "standard.toml", f'version = "{running.playbook_version.version}"', 'version = "99.0.0"')
    _edit(playbook_dir / "standard.toml", "min_requirement_match = 70", "min_requirement_match = 80")
    playbooks_sync()
    created_after = fulfil(make_opportunity(actor=org.r1, now=NOW))
    StageRecord.objects.filter(opportunity__in=[running, created_after]).update(screening_match=Decimal(75))
    opportunity_move_stage(actor=org.r1, opportunity=running, to_stage="confirmation", now=NOW)
    assert running.stage == "confirmation"
    from django.utils import translation

    with translation.override("en"), pytest.raises(MoveRefused) as err:
        opportunity_move_stage(actor=org.r1, opportunity=created_after, to_stage="confirmation", now=NOW)
    assert err.value.details == ["The requirement match is 75%; at least 80% is needed."]


def test_changed_file_without_new_version_is_refused(org, playbook_dir):
    _edit(playbook_dir / "standard.toml", "back_below = 60", "back_below = 55")
    with pytest.raises(PlaybookChangedWithoutNewVersion, match="give it a new version"):
        playbooks_sync()


def test_one_playbook_per_pipeline(org, playbook_dir):
    """More than one playbook may be active: one per pipeline (e.g. per product line)."""
    retail = (playbook_dir / "standard.toml").read_text(encoding="utf-8").replace(
        'key = "standard"', 'key = "retail"', 1)
    (playbook_dir / "retail.toml").write_text(retail, encoding="utf-8")
    playbooks_sync()
    version = PlaybookVersion.objects.get(key="retail")
    pipeline = Pipeline.objects.create(key="retail", name="零售线", playbook_key="retail", current_version=version)
    opp = opportunity_create(actor=org.r1, customer=CustomerFactory(owner=org.r1), now=NOW, pipeline=pipeline,
                             data={"name": "门店系统", "amount": 1, "expected_close_date": "2027-01-01",
                                   "industry": "retail", "company_size": "small"})
    assert opp.playbook_version.key == "retail"


def test_broken_playbook_stops_start_up_naming_the_key(tmp_path):
    bad = (ROOT / "playbooks" / "standard.toml").read_text(encoding="utf-8").replace(
        "requirement_match = 40", "requirement_match = 45", 1)
    (tmp_path / "standard.toml").write_text(bad, encoding="utf-8")
    env = {**os.environ, "OPPHUB_PLAYBOOK_DIR": str(tmp_path), "OPPHUB_DATA_DIR": str(tmp_path / "var")}
    run = subprocess.run([sys.executable, str(ROOT / "manage.py"), "check"], env=env, capture_output=True,
                         text=True, timeout=120, check=False)
    assert run.returncode != 0
    assert "standard.toml: health.weights: the weights must add up to 100 (got 105)" in run.stderr
