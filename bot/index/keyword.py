"""The keyword index: BM25 over the passages' terms (bm25s), with the postings it holds.

The ranking asks three things of it: BM25 scores of every passage for some terms, how many
passages hold a term (for IDF weights), and which of some candidate passages hold a term.
All three read bm25s's sparse score matrix (CSC: a term's column lists the passages holding it,
ascending), memory-mapped from the build.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

KEYWORD_DIR = "keyword"


class KeywordIndex:
    """A loaded BM25 index over ``passages`` passages."""

    def __init__(self, bm25: Any, passages: int) -> None:
        self.bm25 = bm25
        self.vocab: dict[str, int] = bm25.vocab_dict
        scores = bm25.scores
        self._indptr = np.asarray(scores["indptr"])
        postings = scores["indices"]  # passage ids holding each term, ascending
        self._postings = (
            postings.view(np.ndarray) if isinstance(postings, np.memmap) else np.asarray(postings)
        )
        self._n = max(passages, 1)

    @classmethod
    def load(cls, build: Path, passages: int) -> KeywordIndex:
        import bm25s

        bm25 = bm25s.BM25.load(str(build / KEYWORD_DIR), mmap=True, allow_pickle=False)
        return cls(bm25, passages)

    def scores(self, known_terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for these terms (each in the vocabulary)."""
        return self.bm25.get_scores(list(known_terms))

    def document_frequency(self, term: str) -> int:
        """How many passages hold the term (0 for a term outside the vocabulary)."""
        i = self.vocab.get(term)
        if i is None or i + 1 >= len(self._indptr):
            return 0
        return int(self._indptr[i + 1] - self._indptr[i])

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency, log(1 + (N - df + 0.5) / (df + 0.5))."""
        df = self.document_frequency(term)
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))

    def passages_holding(self, ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(rows, terms) booleans: passage ``rows[i]`` holds the term of id ``ids[j]``."""
        out = np.zeros((len(rows), len(ids)), dtype=bool)
        for j, term in enumerate(ids.tolist()):
            postings = self._postings[self._indptr[term] : self._indptr[term + 1]]
            if len(postings):
                at = np.minimum(np.searchsorted(postings, rows), len(postings) - 1)
                out[:, j] = postings[at] == rows
        return out


def write_keyword(build: Path, tokenized: list[list[str]]) -> dict[str, int]:
    """The BM25 index of the passages' terms, written into ``build``; returns its vocabulary."""
    import bm25s

    bm25 = bm25s.BM25()
    bm25.index(tokenized, show_progress=False)
    bm25.save(str(build / KEYWORD_DIR), allow_pickle=False)
    return dict(bm25.vocab_dict)
