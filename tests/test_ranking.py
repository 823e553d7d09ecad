"""The ranking's pieces on their own: each feature, the formula, and weights as a value."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bot.ranking import features as feat
from bot.ranking.decision import fitted_decision
from bot.ranking.ranker import fitted_ranker, fitted_sentence_ranker
from bot.ranking.score import order, score
from bot.ranking.weights import HAND_WEIGHTS, RANK_WEIGHTS, RankWeights


def test_group_starts_and_ranges() -> None:
    assert feat.group_starts(np.array([2, 1, 3])).tolist() == [0, 2, 3]
    assert feat.ranges(np.array([10, 4]), np.array([2, 3])).tolist() == [10, 11, 4, 5, 6]
    assert feat.ranges(np.array([5]), np.array([0])).tolist() == []


def test_coverage_is_the_idf_weighted_share_of_question_terms_held() -> None:
    holds = np.array([[True, False], [True, True], [False, False]])
    idf = np.array([1.0, 3.0])
    # total counts a question term no passage holds (idf 4): nobody covers all of it
    assert feat.coverage(holds, idf, 8.0).tolist() == [0.125, 0.5, 0.0]
    assert feat.coverage(holds, idf, 0.0).tolist() == [0.0, 0.0, 0.0]


def test_focus_terms_count_more_where_fewer_sentences_of_the_passage_hold_them() -> None:
    # one passage of three sentences; focus term A in sentences 0 and 1, term B only in 2
    holds = np.array([[True, False], [True, False], [False, True]])
    held = feat.focus_held(holds, np.array([0]), np.array([3]), focus_terms=2)
    assert held.tolist() == [0.25, 0.25, 0.5]
    # a focus term of the question that the index does not know still counts in the share
    assert feat.focus_held(holds, np.array([0]), np.array([3]), focus_terms=4).tolist() == [
        0.125,
        0.125,
        0.25,
    ]
    assert feat.focus_held(holds[:, :0], np.array([0]), np.array([3]), focus_terms=2).tolist() == [0, 0, 0]


def test_kind_match() -> None:
    kinds = np.array([0b01, 0b10, 0b11, 0], dtype=np.uint8)
    assert feat.kind_match(kinds, 0b10).tolist() == [False, True, True, False]
    assert feat.kind_match(kinds, 0).tolist() == [False] * 4


def _two_passages(**changes: object) -> feat.Features:
    """Passage 0 has sentences 0-1, passage 1 has sentence 2."""
    base = {
        "rows": np.array([7, 3]),
        "starts": np.array([0, 2]),
        "counts": np.array([2, 1]),
        "sentences": np.array([20, 21, 9]),
        "passage_cos": np.array([0.5, 0.2], dtype=np.float32),
        "keyword": np.array([1.0, 4.0]),
        "coverage": np.array([0.5, 1.0]),
        "coverage_with_title": np.array([0.5, 1.0]),
        "sentence_cos": np.array([0.4, 0.6, 0.3]),
        "kind_match": np.array([True, False, False]),
        "focus": np.array([0.0, 0.0, 0.5]),
        "focus_sentence": np.array([0.0, 0.5, 1.0]),
        "focus_passage": np.array([0.5, 1.0]),
        "names_missing": np.array([0.0, 1.0]),
        "names_sentence": np.array([1.0, 0.0, 0.0]),
        "no_focus": False,
        "asked_sentence": np.array([0.0, 0.5, 1.0]),
        "asked_passage": np.array([0.5, 1.0]),
        "nothing_asked": False,
        "asked_names_missing": np.array([0.0, 1.0]),
        "asked_coverage": np.array([0.5, 1.0]),
    }
    return feat.Features(**{**base, **changes})  # type: ignore[arg-type]


def test_score_is_the_documented_formula() -> None:
    w = HAND_WEIGHTS  # the hand formula (the product's ranking is fitted: tests/test_ranker.py)
    s = score(_two_passages(), w)
    # sentence bases: 0.4 + type bonus, 0.6, 0.3; passage 1's sentence adds focus
    best0 = max(0.4 + w.type_bonus, 0.6)
    best1 = 0.3 + w.rank_focus * 0.5
    want = [
        w.passage * 0.5 + w.sentence * best0 + w.coverage * 0.5,
        w.passage * np.float32(0.2) + w.sentence * best1 + w.coverage * 1.0,
    ]
    assert s.score.tolist() == pytest.approx(want)
    assert s.answer.tolist() == [1, 2]  # 0.6 beats 0.5 in passage 0
    assert s.confidence.tolist() == pytest.approx([0.6 + w.conf_coverage * 0.5, 0.3 + w.conf_coverage * 1.0])


def test_the_answer_sentence_is_the_first_of_equals_and_weighs_focus_by_answer_focus() -> None:
    tie = score(
        _two_passages(sentence_cos=np.array([0.5, 0.5, 0.3]), kind_match=np.zeros(3, bool)), HAND_WEIGHTS
    )
    assert tie.answer.tolist()[0] == 0
    focus = np.array([0.0, 0.2, 0.0])
    w = RankWeights(answer_focus=1.0, type_bonus=0.0)
    picked = score(_two_passages(sentence_cos=np.array([0.55, 0.4, 0.3]), focus=focus), w)
    assert picked.answer.tolist()[0] == 1  # 0.4 + 1.0 * 0.2 > 0.55


def test_confidence_uses_the_passage_coverage_without_the_title() -> None:
    plain = score(_two_passages(), RANK_WEIGHTS)
    titled = score(_two_passages(coverage_with_title=np.array([1.0, 1.0])), RANK_WEIGHTS)
    assert titled.score[0] > plain.score[0]
    assert titled.confidence.tolist() == plain.confidence.tolist()


def test_baseline_modes_rank_by_one_signal() -> None:
    f = _two_passages()
    assert score(f, RANK_WEIGHTS, "dense").score.tolist() == pytest.approx([0.5, 0.2])
    assert score(f, RANK_WEIGHTS, "keyword").score.tolist() == [1.0, 4.0]
    with pytest.raises(ValueError):
        score(f, RANK_WEIGHTS, "best")


def test_order_is_best_first_with_ties_by_row() -> None:
    s = score(_two_passages(), RANK_WEIGHTS, "dense")
    tied = dataclasses.replace(s, score=np.array([0.3, 0.3]))
    assert order(tied, np.array([7, 3])).tolist() == [1, 0]  # row 3 before row 7
    assert order(s, np.array([7, 3]), limit=1).tolist() == [0]


def test_weights_are_a_frozen_value_with_one_set_of_defaults() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RANK_WEIGHTS.threshold = 0.1  # type: ignore[misc]
    fitted = RankWeights(decision=fitted_decision(), ranker=fitted_ranker(), answer=fitted_sentence_ranker())
    assert fitted == RANK_WEIGHTS and hash(fitted) == hash(RANK_WEIGHTS)
    assert RANK_WEIGHTS.decision is not None  # the committed model decides "answered"
    assert RANK_WEIGHTS.ranker is not None  # and the committed ranking orders the passages
    assert RANK_WEIGHTS.answer is not None  # and picks each one's answer sentence
    assert dataclasses.replace(RANK_WEIGHTS, decision=None, ranker=None, answer=None) == HAND_WEIGHTS
    only_passage = RankWeights(passage=1.0, sentence=0.0, coverage=0.0)
    assert score(_two_passages(), only_passage).score.tolist() == pytest.approx([0.5, 0.2])
