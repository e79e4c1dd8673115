"""Counter-strategies (spec X1, X2): which of the playbook's loss reasons an open opportunity's
objections point to, so the card can show the matching strategy before the deal is lost.

Pure: the playbook and the texts are arguments. A loss reason matches when one of its
``objection_phrases`` (Simplified and Traditional are both listed in the playbook) occurs in a text;
matching is case-insensitive after Unicode NFKC normalisation (full-width letters and digits fold).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .playbook import LossReason, Playbook


@dataclass(frozen=True)
class StrategyHint:
    reason: LossReason
    phrase: str  # the phrase that matched
    text: str  # the objection it was found in


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def counter_strategies(playbook: Playbook, objections: Iterable[str]) -> list[StrategyHint]:
    """One hint per matching loss reason, in playbook order; the newest text first wins.

    ``objections`` are the customer's objections, newest first (e.g. the objections field of the
    opportunity's recent follow-ups).
    """
    texts = [(t, _fold(t)) for t in objections if t and t.strip()]
    hints: list[StrategyHint] = []
    for reason in playbook.loss_reasons:
        found = next(((phrase, raw) for raw, folded in texts for phrase in reason.objection_phrases
                      if _fold(phrase) in folded), None)
        if found is not None:
            hints.append(StrategyHint(reason=reason, phrase=found[0], text=found[1]))
    return hints
