"""spec: S1 — an opportunity created through the service gets its number, first stage and history."""

from tests.factories import NOW, make_opportunity


def test_create_numbers_and_history(org):
    opp = make_opportunity(actor=org.r1, now=NOW)
    assert opp.number == "2026-SH-001"
    assert opp.stage == "discovery"
    assert opp.playbook_version.version == "1.3.0"
    assert list(opp.stage_history.values_list("stage", flat=True)) == ["discovery"]
    assert make_opportunity(actor=org.r1, now=NOW).number == "2026-SH-002"
