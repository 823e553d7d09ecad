"""A fitted passage ranking: a linear score over the features the ranker already computes,
fitted listwise (softmax over each question's candidates, the passage that answers it as the
target) on tuning data only, by ``python -m bot.fit --ranker``.

Features per candidate passage (``RANK_FEATURES``): passage cosine; its best sentence's cosine;
that sentence with the hand formula's kind bonus and focus (``base + rank_focus * focus``);
the largest share of the question's focus a sentence holds; the share passage and title hold;
IDF coverage with and without the title; the share of the question's names it lacks; whether a
sentence holds the kind of value asked for; its BM25 score over the best candidate's.
Standardised with the fitting data's mean and scale; the coefficients live in ``ranker.json``
beside this file, with the model they were fitted for (another model falls back to the hand
formula). The answer sentence within a passage is ranked the same way (``SENTENCE_FEATURES``,
``sentence.json``, ``python -m bot.fit --sentences``), and so is quotation search
(``QUOTE_FEATURES``, ``quotes.json``, ``python -m bot.fit --quotes``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.ranking import features as feat
from bot.ranking.features import Features

RANK_FEATURES = (
    "passage_cos",
    "sentence_cos",
    "sentence_hand",
    "focus_sentence",
    "focus_passage",
    "coverage_with_title",
    "coverage",
    "names_missing",
    "kind_any",
    "keyword_share",
)
RANKER_FILE = Path(__file__).with_name("ranker.json")
# the answer sentence within a passage, ranked the same way (fitted listwise over the sentences
# of the passage that answers, the sentence holding the answer as the target)
SENTENCE_FEATURES = (
    "sentence_cos",
    "cos_gap",
    "kind_match",
    "focus",
    "focus_sentence",
    "names_sentence",
    "focus_before",
    "focus_after",
    "cos_before",
    "cos_after",
    "first",
)
SENTENCE_FILE = Path(__file__).with_name("sentence.json")
# quotation search, ranked the same way (bot.quote_search; fitted listwise over a query's
# quotations above the confidence floor, the quotation the query looks for as the target)
QUOTE_FEATURES = (
    "quote_cos",  # cosine of query and quotation
    "context_cos",  # ... and the sentence around it
    "coverage",  # share of the query's terms in quotation, sentence or speaker's name
    "phrase",  # a quoted phrase of one or two words
    "speaker_named",  # the query names the speaker ("judge", "Kardashian")
)
QUOTE_FILE = Path(__file__).with_name("quotes.json")


@dataclass(frozen=True)
class LinearRanker:
    coefficients: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    model: str = ""  # the embedding model the ranker was fitted for

    def score(self, rows: np.ndarray) -> np.ndarray:
        z = (rows - np.asarray(self.mean)) / np.asarray(self.scale)
        return z @ np.asarray(self.coefficients)


def rank_rows(f: Features, rank_focus: float, type_bonus: float) -> np.ndarray:
    """(n, len(RANK_FEATURES)) features of each candidate."""
    base = f.sentence_cos + type_bonus * f.kind_match
    return np.column_stack(
        [
            f.passage_cos.astype(np.float64),
            np.maximum.reduceat(f.sentence_cos, f.starts),
            np.maximum.reduceat(base + rank_focus * f.focus, f.starts),
            np.maximum.reduceat(f.focus_sentence.astype(np.float64), f.starts),
            f.focus_passage.astype(np.float64),
            f.coverage_with_title.astype(np.float64),
            f.coverage.astype(np.float64),
            f.names_missing.astype(np.float64),
            np.maximum.reduceat(f.kind_match.astype(np.float64), f.starts),
            _share_of_best(f.keyword.astype(np.float64)),
        ]
    )


def _share_of_best(values: np.ndarray) -> np.ndarray:
    """Each candidate's value over the best candidate's (0 when none is positive): BM25 on the
    same scale whatever the corpus and question."""
    best = float(values.max()) if len(values) else 0.0
    return values / best if best > 0 else np.zeros(len(values))


def sentence_rows(f: Features) -> np.ndarray:
    """(m, len(SENTENCE_FEATURES)) features of each candidate's sentences: its cosine, how far
    below its passage's best sentence, the kind of value asked for, the question's focus and
    names it holds, and the focus and cosine of the sentences beside it."""
    cos = f.sentence_cos.astype(np.float64)
    best = np.repeat(np.maximum.reduceat(cos, f.starts), f.counts)
    focus_share = f.focus_sentence.astype(np.float64)
    first = np.zeros(len(cos))
    first[f.starts] = 1.0
    return np.column_stack(
        [
            cos,
            cos - best,
            f.kind_match.astype(np.float64),
            f.focus.astype(np.float64),
            focus_share,
            f.names_sentence.astype(np.float64),
            feat.neighbour(focus_share, f.starts, -1),
            feat.neighbour(focus_share, f.starts, 1),
            feat.neighbour(cos, f.starts, -1),
            feat.neighbour(cos, f.starts, 1),
            first,
        ]
    )


def fit_listwise(
    groups: list[tuple[np.ndarray, np.ndarray]], l2: float = 1.0, model: str = ""
) -> LinearRanker:
    """Fit on (candidate rows, which of them answer) per question: maximise the softmax
    probability of the answering candidates, with an L2 penalty. Deterministic (L-BFGS from 0)."""
    from scipy.optimize import minimize

    stacked = np.vstack([x for x, _ in groups])
    mean = stacked.mean(axis=0)
    scale = stacked.std(axis=0)
    scale[scale < 1e-9] = 1.0
    data = [((x - mean) / scale, y.astype(bool)) for x, y in groups if y.any() and not y.all()]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total = 0.5 * l2 * float(w @ w)
        grad = l2 * w
        for z, y in data:
            s = z @ w
            s = s - s.max()
            p = np.exp(s)
            p /= p.sum()
            gold = p[y].sum()
            total -= float(np.log(max(gold, 1e-300)))
            # d(-log sum_gold p)/dw = E_p[z] - E_{p | gold}[z]
            grad = grad + p @ z - (p[y] / gold) @ z[y]
        return total / len(data), grad / len(data)

    found = minimize(loss, np.zeros(stacked.shape[1]), jac=True, method="L-BFGS-B")
    return LinearRanker(
        tuple(round(float(c), 6) for c in found.x),
        tuple(round(float(m), 6) for m in mean),
        tuple(round(float(s), 6) for s in scale),
        model,
    )


def ranker_to_json(r: LinearRanker, features: tuple[str, ...] = RANK_FEATURES) -> dict[str, Any]:
    return {
        "features": list(features),
        "model": r.model,
        "coefficients": list(r.coefficients),
        "mean": list(r.mean),
        "scale": list(r.scale),
    }


def ranker_from_json(data: dict[str, Any], features: tuple[str, ...] = RANK_FEATURES) -> LinearRanker:
    if list(data["features"]) != list(features):
        raise ValueError("it was fitted for other features")
    return LinearRanker(
        tuple(float(c) for c in data["coefficients"]),
        tuple(float(m) for m in data["mean"]),
        tuple(float(s) for s in data["scale"]),
        str(data.get("model", "")),
    )


# the bot.fit flag that writes each ranking file
REFIT = {RANKER_FILE.name: "--ranker", SENTENCE_FILE.name: "--sentences", QUOTE_FILE.name: "--quotes"}


@lru_cache(maxsize=3)
def _fitted(path: Path, features: tuple[str, ...]) -> LinearRanker | None:
    """The ranking in ``path``; None, with one line logged, when it is not one for these
    features (a feature added since its fit, a damaged file): the hand formula ranks then,
    and ``python -m bot.fit`` can run to refit it."""
    if not path.is_file():
        return None
    try:
        return ranker_from_json(json.loads(path.read_text(encoding="utf-8")), features)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        refit = f"python -m bot.fit {REFIT.get(path.name, '')}".rstrip()
        logging.getLogger("casebot").warning(
            "%s not used (%s: run %s): the hand formula ranks", path.name, exc, refit
        )
        return None


def fitted_ranker() -> LinearRanker | None:
    """The passage ranking in ranker.json, or None when there is none."""
    return _fitted(RANKER_FILE, RANK_FEATURES)


def fitted_sentence_ranker() -> LinearRanker | None:
    """The answer-sentence ranking in sentence.json, or None when there is none."""
    return _fitted(SENTENCE_FILE, SENTENCE_FEATURES)


def fitted_quote_ranker() -> LinearRanker | None:
    """The quotation search ranking in quotes.json, or None when there is none."""
    return _fitted(QUOTE_FILE, QUOTE_FEATURES)
