"""spec: X1, X2 — an open opportunity whose customer raises a known objection gets the playbook's
counter-strategy (pure, no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opphub.methodology.playbook import load_playbook_file
from opphub.methodology.strategies import counter_strategies

BOOK = load_playbook_file(Path(__file__).resolve().parents[2] / "playbooks" / "standard.toml")


@pytest.mark.parametrize(
    ("objections", "reasons"),
    [
        (["客户觉得我们报价高，竞品便宜两成"], ["price"]),
        (["客戶覺得價格太貴"], ["price"]),                      # Traditional
        (["对方信息中心换人了，新领导要重新评估"], ["decision_maker_change"]),
        (["需求变了，想先做仓储"], ["requirement_change"]),
        (["希望分三期付款", "人手不够，上线排期担心"], ["internal_resources"]),
        (["价格太贵", "CIO 离职"], ["price", "decision_maker_change"]),  # playbook order
        (["希望一年免费维保"], []),
        ([], []),
        (["", "   "], []),
    ],
)
def test_matching_reasons(objections, reasons):
    assert [h.reason.key for h in counter_strategies(BOOK, objections)] == reasons


def test_hint_carries_strategy_phrase_and_the_newest_text():
    (hint,) = counter_strategies(BOOK, ["最新：价格还是太贵", "上次：价格偏高"])
    assert hint.text == "最新：价格还是太贵"
    assert hint.phrase in hint.text
    assert "价值锚点" in hint.reason.counter_strategy.get("zh-hans")
    assert "value anchors" in hint.reason.counter_strategy.get("en")
