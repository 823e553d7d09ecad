"""The answered decision: its features, its fit, the committed model, and its use."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.analysis import form_terms, question_names, reference_weights
from bot.answer_types import VALUE_KINDS, decision_held, decision_wanted
from bot.ranking.decision import (
    FEATURES,
    MODEL_FILE,
    THRESHOLDS,
    Decision,
    choose_threshold,
    cross_validated,
    decision_from_json,
    fit_logistic,
    kept_by,
    rates,
)
from bot.ranking.score import COLUMN, evidence
from tests.test_ranking import _two_passages


def test_evidence_rows_hold_each_feature_of_the_candidate_and_its_answer_sentence() -> None:
    f = _two_passages()
    scores = np.array([0.9, 0.4])
    rows = evidence(f, scores, np.array([1, 2]))
    assert rows.shape == (2, len(FEATURES))
    assert rows[:, COLUMN["focus_sentence"]].tolist() == [0.5, 1.0]  # the chosen sentences'
    assert rows[:, COLUMN["names_missing"]].tolist() == [0.0, 1.0]
    assert rows[:, COLUMN["margin"]].tolist() == pytest.approx([0.5, -0.5])
    assert rows[:, COLUMN["kind_missing"]].tolist() == [0.0, 0.0]  # read from text by the retriever


@pytest.mark.parametrize(
    ("question", "sentence", "held"),
    [
        ("How tall is the senator?", "He stands 6 feet 2 inches.", True),
        ("How tall is the senator?", "He met the president on Tuesday.", False),
        ("How much is she worth?", "Her fortune is estimated at $1.2 billion.", True),
        ("How much money is he worth?", "He is a businessman.", False),
        ("Who sentenced Johnson?", "She was sentenced by Judge Julia Gibbons.", True),
        ("Who sentenced Johnson?", "she was sentenced in a federal court.", False),
        ("Where was she held?", "She was held in Aliceville.", True),
        ("When was Jared Kushner born?", "He was born in 1981.", True),
        ("When was Jared Kushner born?", "He is the president's son-in-law.", False),
        ("How old is Johnson?", "Alice Marie Johnson, 63, walked out on Wednesday.", True),
        ("How old is Johnson?", "Johnson walked out on Wednesday.", False),
        ("How many children does she have?", "She has three children.", True),
        ("How many grandchildren does she have?", "She spent the evening with her grandchildren.", False),
        ("How many copies of the memoir were sold?", "She published a memoir in 2019.", False),
        ("How many copies of the memoir were sold?", "By 2020 it had sold 40,000 copies.", True),
        ("How much did the advertisement cost?", "The advertisement aired in 2020.", False),
        ("When was the city conquered?", "Following its conquest in 1253, the dynasty fell.", True),
        ("In what year did it become the capital?", "Early in the 14th century it became a seat.", True),
        ("When were the figures first found?", "They have been found since the 1970s.", True),
        ("In what year did the prison open?", "It opened with 900 beds.", False),
    ],
)
def test_the_kind_of_value_asked_for_is_read_from_the_sentence(
    question: str, sentence: str, held: bool
) -> None:
    wanted = decision_wanted(question)
    assert wanted and decision_held(sentence, wanted) is held


def test_words_a_question_capitalises_are_names_known_to_the_corpus_or_not() -> None:
    assert question_names("How old is Jon Ponder?") == {"jon", "ponder"}
    assert question_names("how old is he?") == set()


def test_the_logistic_fit_separates_separable_data_and_is_deterministic() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    y = (x[:, 0] - x[:, 1] > 0).astype(float)
    first = fit_logistic(x, y, np.ones(200))
    second = fit_logistic(x, y, np.ones(200))
    assert first[0] == second[0] and np.array_equal(first[1], second[1])
    intercept, coefficients, mean, scale = first
    model = Decision(intercept, tuple(coefficients), tuple(mean), tuple(scale))
    assert np.mean((model.probability(x) >= 0.5) == (y == 1)) >= 0.95
    assert coefficients[0] > 0 > coefficients[1]


def test_the_committed_model_is_small_and_names_the_features_it_was_fitted_on() -> None:
    assert MODEL_FILE.stat().st_size < 4096
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    decision_from_json(data)
    with pytest.raises(ValueError, match="other features"):
        decision_from_json({**data, "features": ["x"]})


def test_a_fitted_file_for_other_features_is_not_used_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A feature added since the fit (or a damaged file) leaves the hand formula deciding and
    ranking, with one line each, rather than every command failing at import, bot.fit too."""
    from bot.ranking import decision, ranker

    stale = tmp_path / "decision.json"
    stale.write_text(json.dumps({**json.loads(MODEL_FILE.read_text(encoding="utf-8")), "features": ["x"]}))
    monkeypatch.setattr(decision, "MODEL_FILE", stale)
    assert decision.fitted_decision.__wrapped__() is None
    damaged = tmp_path / "ranker.json"
    damaged.write_text('{"features": [', encoding="utf-8")
    assert ranker._fitted(damaged, ranker.RANK_FEATURES) is None
    sentences = tmp_path / "sentence.json"
    sentences.write_text(
        json.dumps({"features": ["x"], "coefficients": [1.0], "mean": [0.0], "scale": [1.0]})
    )
    assert ranker._fitted(sentences, ranker.SENTENCE_FEATURES) is None
    lines = [r.getMessage() for r in caplog.records if r.name == "casebot"]
    assert len(lines) == 3 and "decision.json not used" in lines[0] and "ranker.json not used" in lines[1]
    # each line names the command that refits its own file
    assert "run python -m bot.fit --sentences" in lines[2] and "other features" in lines[2]


def test_the_words_asking_for_a_kind_of_answer_are_not_its_focus() -> None:
    assert form_terms("How many grandchildren does Johnson have?") == {"mani"}
    assert form_terms("In what year did the prison open?") == {"year"}
    assert form_terms("What is the name of the judge?") == {"name"}
    assert form_terms("What prison was Jon Ponder held in?") == set()


def test_reference_weights_are_rarity_in_english_whatever_the_corpus() -> None:
    weights = reference_weights("How many grandchildren does Johnson have?")
    assert set(weights) == {"mani", "grandchildren", "johnson"}  # stop words have none
    assert weights["grandchildren"] > weights["johnson"] > weights["mani"] > 0
    assert reference_weights("How many grandchildren does Johnson have?") == weights  # no corpus in it
    rarest = max(reference_weights(w)["sentenc"] for w in ("sentenced", "sentences"))
    assert reference_weights("sentenced sentences") == {"sentenc": rarest}  # a stem: its rarest word


def test_precise_values_are_weighed_apart_from_looser_kinds() -> None:
    assert decision_wanted("How old is Johnson?") & VALUE_KINDS
    assert decision_wanted("How many children does she have?") & VALUE_KINDS
    assert not decision_wanted("Who sentenced Johnson?") & VALUE_KINDS


def test_the_threshold_weighs_a_false_answer_above_a_declined_question() -> None:
    # two groups; the unanswerable examples reach up to 0.62, the answerable start at 0.58
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0] * 2, dtype=float)
    p = np.array([0.9, 0.8, 0.7, 0.58, 0.62, 0.3, 0.2, 0.1] * 2)
    groups = np.array(["a"] * 8 + ["b"] * 8)
    assert rates(p, y, groups, 0.6) == {"a": (0.75, 0.75), "b": (0.75, 0.75)}
    assert choose_threshold(p, y, groups, cost=1.0) == 0.35  # 0.35 to 0.55 tie with 0.65: the lowest
    assert choose_threshold(p, y, groups, cost=2.0) == 0.65  # a false answer dearer: above 0.62
    # ... unless that would decline what the development file answers at 0.5
    allowed = kept_by(np.array([0.6, 0.1]), np.array([1.0, 0.0]))
    assert max(allowed) == 0.6 and min(allowed) == min(THRESHOLDS)
    assert choose_threshold(p, y, groups, cost=2.0, allowed=allowed) == 0.35
    assert choose_threshold(p, y, groups, allowed=()) == 0.5


def test_cross_validated_probabilities_come_from_models_fitted_without_the_example() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(120, 2))
    y = (x[:, 0] > 0).astype(float)
    groups = np.array(["a", "b"] * 60)
    first = cross_validated(x, y, np.ones(120), groups, folds=4, repeats=2, seed=5)
    assert first.shape == (2, 120)
    assert np.array_equal(first, cross_validated(x, y, np.ones(120), groups, folds=4, repeats=2, seed=5))
    assert np.mean((first >= 0.5) == (y == 1)) >= 0.9  # learnable, and learned without itself
    # an example far from its fold's training data is not predicted as if it had been seen
    x[0] = [-50.0, 0.0]
    y[0] = 1.0
    held_out = cross_validated(x, y, np.ones(120), groups, folds=4, repeats=1, seed=5)
    assert held_out[0, 0] < 0.5


def test_the_committed_threshold_is_one_the_fit_can_choose() -> None:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert data["threshold"] in THRESHOLDS
