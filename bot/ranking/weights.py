"""The ranking's weights and thresholds, as values: the defaults are here and nowhere else.

A Retriever and a QuoteSearcher each receive one of these; fitting a new ranking means making
a new value (``dataclasses.replace(RANK_WEIGHTS, threshold=0.3)``), never editing module state.
How each weight enters the score is in ``bot.ranking.score``; how they were chosen, in
docs/answering.md.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TypeVar

from bot.ranking.decision import Decision, fitted_decision
from bot.ranking.ranker import LinearRanker, fitted_quote_ranker, fitted_ranker, fitted_sentence_ranker


@dataclass(frozen=True)
class RankWeights:
    """Passage ranking, the answer sentence, and the answered decision."""

    passage: float = 0.25  # cosine of question and passage
    sentence: float = 0.45  # the passage's best sentence (cosine, kind bonus, focus terms)
    coverage: float = 0.30  # IDF-weighted share of the question's terms in passage or title
    rank_focus: float = 0.30  # focus terms held by a sentence, when ranking passages
    answer_focus: float = 0.80  # ... and when picking the answer sentence within a passage
    type_bonus: float = 0.10  # the sentence holds the kind of thing asked for (a year for "when")
    conf_coverage: float = 0.20  # coverage (passage alone) in the answered decision's confidence
    threshold: float = 0.33  # confidence at which a passage is on topic (and, without a fitted
    # decision, at which the top passage answers the question: the hand rule)
    related_floor: float = 0.20  # below this confidence a passage is not even shown as related
    max_related: int = 2  # related passages shown for a question not answered
    candidates: int = 100  # passages taken from each of dense and keyword search
    decision: Decision | None = None  # the fitted answered decision (None: the hand threshold)
    ranker: LinearRanker | None = None  # the fitted passage ranking (None: the hand formula)
    answer: LinearRanker | None = None  # the fitted answer-sentence ranking (None: the hand formula)


@dataclass(frozen=True)
class QuoteWeights:
    """Quotation search: ``quote * cos(quotation) + context * cos(its sentence) + coverage *
    (share of the query's terms in quotation, sentence or speaker)``, adjusted below."""

    quote: float = 0.45
    context: float = 0.35
    coverage: float = 0.20
    phrase_penalty: float = 0.10  # a quoted phrase of one or two words ranks below statements
    speaker_bonus: float = 0.10  # the query names the speaker ("judge", "Kardashian")
    floor: float = 0.30  # confidence (better cosine + coverage term) below which none is shown
    ranker: LinearRanker | None = None  # the fitted ranking over the same features (None: this formula)


RANK_WEIGHTS = RankWeights(
    decision=fitted_decision(), ranker=fitted_ranker(), answer=fitted_sentence_ranker()
)
HAND_WEIGHTS = RankWeights()  # the hand formula and threshold, kept to measure the fitted ones against
QUOTE_HAND_WEIGHTS = QuoteWeights()  # the hand formula, kept to measure the fitted one against
QUOTE_WEIGHTS = QuoteWeights(ranker=fitted_quote_ranker())


W = TypeVar("W", RankWeights, QuoteWeights)


def for_model(weights: W, model: str, fields: tuple[str, ...]) -> tuple[W, str | None]:
    """``weights`` for an index of ``model``: each fitted part of ``fields`` fitted for another
    model's cosines dropped (the hand formula and threshold take its place), and the model they
    were fitted for (None when nothing was dropped). A part fitted for no model ("") applies to any."""
    other = [
        f for f in fields if getattr(weights, f) is not None and getattr(weights, f).model not in ("", model)
    ]
    if not other:
        return weights, None
    return dataclasses.replace(weights, **dict.fromkeys(other)), getattr(weights, other[0]).model
