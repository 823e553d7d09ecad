"""The fitted passage and answer-sentence rankings: their features, their fit, the committed
models, and their use (and the hand formula for an index of another model)."""

from __future__ import annotations

import dataclasses
import json
import logging

import numpy as np
import pytest

from bot.engine import open_engine
from bot.ranking import features as feat
from bot.ranking.ranker import (
    QUOTE_FEATURES,
    QUOTE_FILE,
    RANK_FEATURES,
    RANKER_FILE,
    SENTENCE_FEATURES,
    SENTENCE_FILE,
    LinearRanker,
    fit_listwise,
    rank_rows,
    ranker_from_json,
    ranker_to_json,
    sentence_rows,
)
from bot.ranking.retriever import Retriever, _note_hand_formula
from bot.ranking.score import score
from bot.ranking.weights import HAND_WEIGHTS, QUOTE_HAND_WEIGHTS, QUOTE_WEIGHTS, RANK_WEIGHTS
from tests.test_ranking import _two_passages


def test_rank_rows_hold_each_candidates_features() -> None:
    f = _two_passages()
    rows = rank_rows(f, HAND_WEIGHTS.rank_focus, HAND_WEIGHTS.type_bonus)
    assert rows.shape == (2, len(RANK_FEATURES))
    column = {name: i for i, name in enumerate(RANK_FEATURES)}
    assert rows[:, column["passage_cos"]].tolist() == pytest.approx(f.passage_cos.tolist())
    assert rows[:, column["names_missing"]].tolist() == pytest.approx(f.names_missing.tolist())
    best = [max(f.sentence_cos[s : s + c]) for s, c in zip(f.starts, f.counts, strict=True)]
    assert rows[:, column["sentence_cos"]].tolist() == pytest.approx(best)


def _synthetic(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Questions whose answering candidate is the one highest on feature 0 plus noise."""
    rng = np.random.default_rng(seed)
    groups = []
    for _ in range(200):
        x = rng.normal(size=(12, len(RANK_FEATURES)))
        y = np.zeros(12, dtype=bool)
        y[int(np.argmax(x[:, 0] + 0.1 * rng.normal(size=12)))] = True
        groups.append((x, y))
    return groups


def test_the_listwise_fit_finds_what_answers_and_is_deterministic() -> None:
    groups = _synthetic(1)
    ranker = fit_listwise(groups, model="m")
    assert int(np.argmax(np.abs(ranker.coefficients))) == 0 and ranker.coefficients[0] > 0
    assert fit_listwise(groups, model="m") == ranker  # same data, same model
    held = _synthetic(2)
    right = sum(bool(y[int(np.argmax(ranker.score(x)))]) for x, y in held)
    assert right / len(held) > 0.8  # on questions it was not fitted on


@pytest.mark.parametrize(
    ("path", "features", "product", "hand"),
    [
        (RANKER_FILE, RANK_FEATURES, RANK_WEIGHTS.ranker, HAND_WEIGHTS.ranker),
        (SENTENCE_FILE, SENTENCE_FEATURES, RANK_WEIGHTS.answer, HAND_WEIGHTS.answer),
        (QUOTE_FILE, QUOTE_FEATURES, QUOTE_WEIGHTS.ranker, QUOTE_HAND_WEIGHTS.ranker),
    ],
    ids=["passages", "answer sentence", "quotations"],
)
def test_each_committed_ranking_is_the_products_and_round_trips(
    path, features: tuple[str, ...], product: LinearRanker | None, hand: LinearRanker | None
) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    ranker = ranker_from_json(data, features)
    assert product == ranker and hand is None
    assert ranker_to_json(ranker, features) == data and data["model"] == "all-MiniLM-L6-v2"
    assert path.stat().st_size < 2000
    with pytest.raises(ValueError, match="other features"):
        ranker_from_json({**data, "features": ["passage_cos"]}, features)


def test_a_ranker_reorders_the_candidates_and_leaves_the_answer_sentence() -> None:
    f = _two_passages()
    hand = score(f, HAND_WEIGHTS)
    prefers_second = LinearRanker(
        coefficients=tuple(1.0 if n == "passage_cos" else 0.0 for n in RANK_FEATURES),
        mean=(0.0,) * len(RANK_FEATURES),
        scale=(1.0,) * len(RANK_FEATURES),
    )
    fitted = score(f, dataclasses.replace(HAND_WEIGHTS, ranker=prefers_second))
    assert np.argmax(fitted.score) != np.argmax(hand.score)
    assert fitted.answer.tolist() == hand.answer.tolist()
    assert score(f, dataclasses.replace(HAND_WEIGHTS, ranker=prefers_second), "dense").score.tolist() == (
        score(f, HAND_WEIGHTS, "dense").score.tolist()
    )


def test_sentence_rows_hold_each_sentences_features_and_its_neighbours() -> None:
    f = _two_passages()  # passage 0: sentences 0 and 1; passage 1: sentence 2
    rows = sentence_rows(f)
    assert rows.shape == (3, len(SENTENCE_FEATURES))
    column = {name: i for i, name in enumerate(SENTENCE_FEATURES)}
    assert rows[:, column["sentence_cos"]].tolist() == pytest.approx([0.4, 0.6, 0.3])
    assert rows[:, column["cos_gap"]].tolist() == pytest.approx([-0.2, 0.0, 0.0])
    assert rows[:, column["cos_before"]].tolist() == pytest.approx([0.0, 0.4, 0.0])  # never across passages
    assert rows[:, column["cos_after"]].tolist() == pytest.approx([0.6, 0.0, 0.0])
    assert rows[:, column["focus_after"]].tolist() == pytest.approx([0.5, 0.0, 0.0])
    assert rows[:, column["names_sentence"]].tolist() == [1.0, 0.0, 0.0]
    assert rows[:, column["first"]].tolist() == [1.0, 0.0, 1.0]


def test_neighbour_stays_inside_each_group() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    starts = np.array([0, 3])  # passages of three and two sentences
    assert feat.neighbour(values, starts, -1).tolist() == [0.0, 1.0, 2.0, 0.0, 4.0]
    assert feat.neighbour(values, starts, 1).tolist() == [2.0, 3.0, 0.0, 5.0, 0.0]
    assert feat.neighbour(np.zeros(0), np.zeros(0, int), 1).tolist() == []


def _one_feature(names: tuple[str, ...], wanted: str, sign: float = 1.0) -> LinearRanker:
    return LinearRanker(
        coefficients=tuple(sign if n == wanted else 0.0 for n in names),
        mean=(0.0,) * len(names),
        scale=(1.0,) * len(names),
    )


def test_a_fitted_answer_ranking_picks_the_sentence_and_leaves_the_passage_scores() -> None:
    f = _two_passages()
    hand = score(f, HAND_WEIGHTS)
    assert hand.answer.tolist()[0] == 1  # the hand formula: the higher cosine
    first = dataclasses.replace(HAND_WEIGHTS, answer=_one_feature(SENTENCE_FEATURES, "first"))
    fitted = score(f, first)
    assert fitted.answer.tolist() == [0, 2]  # the fitted one: the first sentence of each passage
    assert fitted.score.tolist() == hand.score.tolist()
    assert fitted.confidence[0] == pytest.approx(0.4 + HAND_WEIGHTS.conf_coverage * 0.5)


def test_an_index_of_another_model_is_ranked_and_decided_by_the_hand_formula(
    settings, fake_embedder, caplog: pytest.LogCaptureFixture
) -> None:
    index = open_engine(settings, fake_embedder).index
    assert index.model != "all-MiniLM-L6-v2"
    _note_hand_formula.cache_clear()
    with caplog.at_level(logging.INFO, logger="casebot"):
        fitted = Retriever(index, fake_embedder, weights=RANK_WEIGHTS).weights
        Retriever(index, fake_embedder, weights=RANK_WEIGHTS)
    assert fitted.ranker is None and fitted.answer is None and fitted.decision is None
    assert fitted == HAND_WEIGHTS
    noted = [r.getMessage() for r in caplog.records if "hand formula" in r.getMessage()]
    expected = f"the ranking was fitted for all-MiniLM-L6-v2; an index of {index.model} is ranked by"
    assert noted == [f"{expected} the hand formula"]  # once, however many retrievers
    anyone = dataclasses.replace(RANK_WEIGHTS.ranker, model="") if RANK_WEIGHTS.ranker else None
    kept = Retriever(index, fake_embedder, weights=dataclasses.replace(HAND_WEIGHTS, ranker=anyone)).weights
    assert kept.ranker == anyone  # a ranking fitted for no model in particular applies to any
