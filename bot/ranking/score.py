"""The ranking formula: features and weights in, each candidate's score, confidence and
answer sentence out. Pure: the same arrays and weights always give the same ranking.

For each sentence: ``base = cos + type_bonus * kind_match``.
A passage's score (hybrid) is ``passage * passage_cos + sentence * max(base + rank_focus *
focus) + coverage * coverage_with_title``. Its answer sentence is the first of its sentences
with the highest ``base + answer_focus * focus``, or, with a fitted answer-sentence ranking
(``weights.answer``, bot.ranking.ranker.SENTENCE_FEATURES), the highest fitted score. Its
confidence, which decides whether the question is answered, is that sentence's cosine plus
``conf_coverage * coverage`` (the passage alone, without the title: a title shared with an
off-topic question answers nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.ranking.decision import FEATURES
from bot.ranking.features import Features
from bot.ranking.ranker import rank_rows, sentence_rows
from bot.ranking.weights import RankWeights

MODES = ("hybrid", "dense", "keyword")
COLUMN = {name: i for i, name in enumerate(FEATURES)}


@dataclass(frozen=True)
class Scores:
    score: np.ndarray  # (n,) what candidates are ranked by
    confidence: np.ndarray  # (n,) compared with the threshold for the top candidate
    answer: np.ndarray  # (n,) each candidate's answer sentence, an index into the m sentences
    evidence: np.ndarray  # (n, len(decision.FEATURES)) for the answered decision; the kind
    # columns are left 0 here (they are read from the answer sentence's text, see retriever)


def score(features: Features, weights: RankWeights, mode: str = "hybrid") -> Scores:
    """Score every candidate. ``mode`` "dense" ranks by passage cosine alone and "keyword" by
    BM25 alone (baselines to measure the hybrid against); confidence and answer are the same."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    f, w = features, weights
    base = f.sentence_cos + w.type_bonus * f.kind_match
    best_rank = np.maximum.reduceat(base + w.rank_focus * f.focus, f.starts)
    if w.answer is not None:
        answer_scores = w.answer.score(sentence_rows(f))
    else:
        answer_scores = base + w.answer_focus * f.focus
    # each candidate's answer sentence: the first of its best-scoring sentences
    best_answer = np.repeat(np.maximum.reduceat(answer_scores, f.starts), f.counts)
    tops = np.flatnonzero(answer_scores == best_answer)
    chosen = tops[np.searchsorted(tops, f.starts)]
    if mode == "dense":
        scores = f.passage_cos.astype(np.float64)
    elif mode == "keyword":
        scores = f.keyword.astype(np.float64)
    elif w.ranker is not None:
        scores = w.ranker.score(rank_rows(f, w.rank_focus, w.type_bonus))
    else:
        scores = (
            w.passage * f.passage_cos.astype(np.float64)
            + w.sentence * best_rank
            + w.coverage * f.coverage_with_title
        )
    confidence = f.sentence_cos[chosen] + w.conf_coverage * f.coverage
    return Scores(score=scores, confidence=confidence, answer=chosen, evidence=evidence(f, scores, chosen))


def evidence(f: Features, scores: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Each candidate's row of the decision's features (bot.ranking.decision.FEATURES)."""
    n = len(scores)
    out = np.zeros((n, len(FEATURES)), dtype=np.float64)
    out[:, COLUMN["sentence_cos"]] = f.sentence_cos[chosen]
    out[:, COLUMN["passage_cos"]] = f.passage_cos
    out[:, COLUMN["focus_sentence"]] = f.asked_sentence[chosen]
    out[:, COLUMN["focus_passage"]] = f.asked_passage
    out[:, COLUMN["no_focus"]] = float(f.nothing_asked)
    out[:, COLUMN["names_missing"]] = f.asked_names_missing
    out[:, COLUMN["coverage"]] = f.asked_coverage
    if n > 1:
        best = int(np.argmax(scores))
        others = np.full(n, scores[best])
        others[best] = np.max(np.delete(scores, best))
        out[:, COLUMN["margin"]] = scores - others
    return out


def order(scores: Scores, rows: np.ndarray, limit: int | None = None) -> np.ndarray:
    """Candidates best first (equal scores by passage row), the first ``limit`` of them."""
    return np.lexsort((rows, -scores.score))[:limit]
