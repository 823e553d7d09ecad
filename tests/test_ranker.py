"""The fitted passage ranking: its features, its fit, the committed model, and its use."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from bot.ranking.ranker import (
    RANK_FEATURES,
    RANKER_FILE,
    LinearRanker,
    fit_listwise,
    rank_rows,
    ranker_from_json,
    ranker_to_json,
)
from bot.ranking.score import score
from bot.ranking.weights import HAND_WEIGHTS, RANK_WEIGHTS
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


def test_the_committed_ranker_is_the_products_and_round_trips() -> None:
    data = json.loads(RANKER_FILE.read_text(encoding="utf-8"))
    ranker = ranker_from_json(data)
    assert RANK_WEIGHTS.ranker == ranker and HAND_WEIGHTS.ranker is None
    assert ranker_to_json(ranker) == data and data["model"] == "all-MiniLM-L6-v2"
    assert RANKER_FILE.stat().st_size < 2000
    with pytest.raises(ValueError, match="other features"):
        ranker_from_json({**data, "features": ["passage_cos"]})


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
