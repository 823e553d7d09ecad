"""The answered decision, fitted from evidence rather than one similarity number.

A question is answered when a logistic model over what its top passage holds says it is:
how much of the question's focus (its terms other than names) the answer sentence and the
passage cover, whether the sentence holds the kind of value asked for (a number for "how
many", a height for "how tall", a date for "when", a person for "who", a place for "where"),
the share of the question's names the passage lacks, the cosines, and the margin between the
top passage and the next. The coefficients live in ``decision.json`` beside this module,
written by ``python -m bot.fit`` (data, split and seed in docs/answering.md); a few hundred
bytes, loaded once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_FILE = Path(__file__).with_name("decision.json")

FEATURES = (
    "sentence_cos",  # cosine of question and answer sentence
    "passage_cos",  # cosine of question and passage
    "focus_sentence",  # weighted share of the question's focus terms in the answer sentence
    # (the focus: its terms other than names and than the words asking for a kind of answer)
    "focus_passage",  # ... in the passage (with its title)
    "no_focus",  # the question has no focus term at all ("Who is Alice Johnson?")
    "kind_missing",  # the question asks for a kind of value the answer sentence lacks
    "kind_held",  # ... and the sentence holds it
    "value_missing",  # the question asks for an age, a year, a count, a height or a sum the
    # answer sentence lacks (bot.answer_types.VALUE_KINDS)
    "names_missing",  # weighted share of the question's names the passage and its context lack
    "margin",  # the passage's score minus the best other candidate's
    "coverage",  # weighted share of all question terms in the passage (the shares weigh each
    # term by its rarity in English: bot.analysis.reference_weights)
)


@dataclass(frozen=True)
class Decision:
    """``answered = sigmoid(intercept + coef . (x - mean) / scale) >= threshold``."""

    intercept: float
    coefficients: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float = 0.5
    model: str = ""  # the embedding model whose cosines it was fitted on ("" : any)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """(n, len(FEATURES)) features -> (n,) probability that the question is answered."""
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return 1.0 / (1.0 + np.exp(-(self.intercept + z @ np.asarray(self.coefficients))))

    def to_json(self) -> dict:
        return {
            "features": list(FEATURES),
            "model": self.model,
            "intercept": self.intercept,
            "coefficients": list(self.coefficients),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "threshold": self.threshold,
        }


def decision_from_json(data: dict) -> Decision:
    if list(data.get("features", [])) != list(FEATURES):
        raise ValueError("the decision model was fitted on other features: run python -m bot.fit")
    return Decision(
        intercept=float(data["intercept"]),
        coefficients=tuple(float(c) for c in data["coefficients"]),
        mean=tuple(float(m) for m in data["mean"]),
        scale=tuple(float(s) for s in data["scale"]),
        threshold=float(data["threshold"]),
        model=str(data.get("model", "")),
    )


@lru_cache(maxsize=1)
def fitted_decision() -> Decision | None:
    """The committed model (None when there is none, or, with one line logged, when it is not
    one for these features: the hand threshold decides, and python -m bot.fit can refit it)."""
    if not MODEL_FILE.exists():
        return None
    try:
        return decision_from_json(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:  # fitted on other features, damaged
        why = f"{MODEL_FILE.name} not used ({exc}): the hand threshold decides"
        logging.getLogger("casebot").warning(why)
        return None


def fit_logistic(
    x: np.ndarray, y: np.ndarray, weights: np.ndarray, *, l2: float = 1.0, steps: int = 50
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Weighted, L2-regularised logistic regression by Newton's method on standardised
    features: (intercept, coefficients, mean, scale). Deterministic."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        gradient = z.T @ (weights * (p - y)) + penalty * beta
        hessian = (z * (weights * p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(beta[0]), beta[1:], mean, scale


# The threshold is chosen, not assumed to be 0.5: a false answer (a confident answer to what the
# sources do not cover, the worst bug this product can have) counts FALSE_ANSWER_COST times a
# declined answerable question (which still shows its related passages), and the threshold of
# THRESHOLDS with the least cost over the tuning data's cells, each (data set, label) cell
# weighing the same, is taken; the probabilities it is chosen on are cross-validated (each
# example scored by a model fitted without it), since a model is surest of its own fitting data.
FALSE_ANSWER_COST = 2.0
THRESHOLDS = tuple(round(0.3 + 0.05 * i, 2) for i in range(13))  # 0.30 .. 0.90


def cross_validated(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray,
    *,
    folds: int = 5,
    repeats: int = 3,
    seed: int = 0,
) -> np.ndarray:
    """(repeats, n): each example's probability from a model fitted on the other folds; the
    folds are stratified by (group, label) and drawn with ``seed`` (deterministic)."""
    out = np.zeros((repeats, len(y)))
    cells = np.array([f"{g}\t{int(label)}" for g, label in zip(groups.tolist(), y.tolist(), strict=True)])
    for r in range(repeats):
        rng = np.random.default_rng(seed + r)
        fold = np.zeros(len(y), dtype=np.int64)
        for cell in sorted(set(cells.tolist())):
            at = rng.permutation(np.flatnonzero(cells == cell))
            fold[at] = np.arange(len(at)) % folds
        for k in range(folds):
            train, test = fold != k, fold == k
            intercept, coefficients, mean, scale = fit_logistic(x[train], y[train], weights[train])
            z = (x[test] - mean) / scale
            out[r, test] = 1.0 / (1.0 + np.exp(-(intercept + z @ coefficients)))
    return out


def rates(
    p: np.ndarray, y: np.ndarray, groups: np.ndarray, threshold: float
) -> dict[str, tuple[float, float]]:
    """Per group: (share of its answerable examples answered, share of the others declined),
    averaged over the rows of ``p`` ((repeats, n) or (n,))."""
    p = np.atleast_2d(p)
    out = {}
    for group in sorted(set(groups.tolist())):
        yes, no = (groups == group) & (y == 1), (groups == group) & (y == 0)
        answered = float(np.mean(p[:, yes] >= threshold)) if yes.any() else 1.0
        declined = float(np.mean(p[:, no] < threshold)) if no.any() else 1.0
        out[group] = (answered, declined)
    return out


def kept_by(p: np.ndarray, y: np.ndarray) -> tuple[float, ...]:
    """The thresholds of THRESHOLDS that answer as many of the examples labelled 1 and decline as
    many of the others as 0.5 does (the development file's figures must not move)."""

    def counts(t: float) -> tuple[int, int]:
        return int(np.sum(p[y == 1] >= t)), int(np.sum(p[y == 0] < t))

    at_half = counts(0.5)
    return tuple(t for t in THRESHOLDS if all(a >= b for a, b in zip(counts(t), at_half, strict=True)))


def choose_threshold(
    p: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    cost: float = FALSE_ANSWER_COST,
    allowed: tuple[float, ...] = THRESHOLDS,
) -> float:
    """The threshold of ``allowed`` with the least ``missed + cost * falsely answered`` summed over
    the groups (the lowest of equal ones; 0.5 when none is allowed)."""
    best, chosen = np.inf, 0.5
    for threshold in allowed:
        loss = sum((1 - a) + cost * (1 - d) for a, d in rates(p, y, groups, threshold).values())
        if loss < best - 1e-12:
            best, chosen = loss, threshold
    return chosen
