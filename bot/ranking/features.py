"""What the ranking knows about each candidate passage and its sentences: pure functions,
arrays in and arrays out (no index, no model, no text).

Sentences of the candidates are one flat array, grouped by candidate: candidate i owns
sentences ``starts[i] : starts[i] + counts[i]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Features:
    """Features of n candidate passages and their m sentences."""

    rows: np.ndarray  # (n,) passage rows in the index
    starts: np.ndarray  # (n,) each candidate's first sentence in the m
    counts: np.ndarray  # (n,) each candidate's number of sentences (at least 1)
    sentences: np.ndarray  # (m,) sentence rows in the index
    passage_cos: np.ndarray  # (n,) cosine of question and passage
    keyword: np.ndarray  # (n,) BM25 score (zeros when it was not needed)
    coverage: np.ndarray  # (n,) IDF-weighted share of the question's terms in the passage
    coverage_with_title: np.ndarray  # (n,) the same, counting the article's title as the passage's
    sentence_cos: np.ndarray  # (m,) cosine of question and sentence (float64)
    kind_match: np.ndarray  # (m,) the sentence holds the kind of thing asked for (bool)
    focus: np.ndarray  # (m,) focus terms the sentence holds, see focus_held
    # for the answered decision (bot.ranking.decision), IDF-weighted shares of the question's
    # focus terms (terms other than its names, known to the index or not) and of its names
    focus_sentence: np.ndarray  # (m,) share of the focus the sentence holds
    focus_passage: np.ndarray  # (n,) share of the focus the passage or its title holds
    names_missing: np.ndarray  # (n,) share of the names neither the passage nor its title holds
    names_sentence: np.ndarray  # (m,) IDF-weighted share of the question's names the sentence holds
    no_focus: bool  # the question has no focus term
    # for the answered decision: the focus shares without the words that ask for a kind of
    # answer ("how many", "what year": bot.analysis.form_terms), the names missing and the
    # coverage, each term weighted by its rarity in English (bot.analysis.reference_weights)
    # rather than in the corpus
    asked_sentence: np.ndarray  # (m,)
    asked_passage: np.ndarray  # (n,)
    nothing_asked: bool
    asked_names_missing: np.ndarray  # (n,)
    asked_coverage: np.ndarray  # (n,)


def group_starts(counts: np.ndarray) -> np.ndarray:
    """Where each group of a flat array begins, given the groups' sizes."""
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices start..start+length-1 of every (start, length) pair, concatenated."""
    begins = np.cumsum(lengths) - lengths
    return np.repeat(starts - begins, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)


def coverage(holds: np.ndarray, idf: np.ndarray, total: float) -> np.ndarray:
    """(n, t) booleans of which question terms each passage holds -> IDF-weighted share held.

    ``total`` is the IDF of every question term, known to the index or not: a term no passage
    holds lowers every passage's coverage alike.
    """
    if total <= 0:
        return np.zeros(len(holds))
    return holds @ idf / total


def focus_held(holds: np.ndarray, starts: np.ndarray, counts: np.ndarray, focus_terms: int) -> np.ndarray:
    """(m, f) booleans of which focus terms (question terms other than names) each sentence
    holds -> per sentence, the share of focus terms it holds, each weighted by one over the
    number of its passage's sentences holding it (a term only this sentence has counts most).
    """
    if holds.shape[1] == 0 or focus_terms == 0:
        return np.zeros(len(holds))
    held = holds.astype(np.float64)
    per_passage = np.add.reduceat(held, starts, axis=0)
    local = np.divide(1.0, per_passage, out=np.zeros_like(per_passage), where=per_passage > 0)
    owner = np.repeat(np.arange(len(starts)), counts)
    return (held * local[owner]).sum(axis=1) / focus_terms


def kind_match(sentence_kinds: np.ndarray, wanted: int) -> np.ndarray:
    """(m,) uint8 kinds each sentence holds (answer_types bits) -> holds one the question wants."""
    if not wanted:
        return np.zeros(len(sentence_kinds), dtype=bool)
    return (sentence_kinds & wanted) > 0


def neighbour(values: np.ndarray, starts: np.ndarray, step: int) -> np.ndarray:
    """(m,) each sentence's neighbour's value within its passage (``step`` -1: the one before,
    1: the one after), 0 where there is none (passage i's sentences begin at ``starts[i]``)."""
    out = np.zeros(len(values), dtype=np.float64)
    if len(values) < 2:
        return out
    begins = np.zeros(len(values), dtype=bool)
    begins[starts] = True  # a sentence that begins a passage has none before it
    if step < 0:
        out[1:] = np.where(begins[1:], 0.0, values[:-1])
    else:
        out[:-1] = np.where(begins[1:], 0.0, values[1:])
    return out
