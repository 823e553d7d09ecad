"""One answer, many sources: hits whose passages say the same thing in near-identical words in
different articles (a wire story and its syndicated copies, a statement quoted by several
outlets) become one hit, shown once and cited from every article.

Two passages are the same when each holds at least SAME_PASSAGE of the other's shingles
(``bot.shingles``): a copy with a word changed is the same, a sentence quoted inside a longer
paragraph is not. The hit shown is the earliest published of the group (then the one with the
longest passage, then the first article id): the original before its copies; the others are
its ``also``, each keeping its own passage and offsets, so each is verbatim in its own article.
The group takes the place of its best-ranked member.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bot.models import Hit
from bot.shingles import shingles, similarity

SAME_PASSAGE = 0.8
# Passages this far apart by their vectors are never compared by text: near-identical text has
# near-identical vectors (a word changed: cosine above 0.97), so the text of a passage is read
# only when a copy is likely, and a corpus without copies pays one small matrix product.
NEAR_COSINE = 0.9


def same_passage(
    articles: Sequence[int], vectors: np.ndarray | None, text: Callable[[int], str]
) -> Callable[[int, int], bool]:
    """Whether passages i and j (by position: their article numbers, vectors and text) are the
    same passage in different articles; each passage's shingles are read once, when needed."""
    marks: dict[int, set[int]] = {}

    def mark(i: int) -> set[int]:
        if i not in marks:
            marks[i] = shingles(text(i))
        return marks[i]

    def same(i: int, j: int) -> bool:
        if articles[i] == articles[j]:
            return False
        if vectors is not None and float(vectors[i] @ vectors[j]) < NEAR_COSINE:
            return False
        mine, theirs = mark(i), mark(j)
        return min(similarity(mine, theirs), similarity(theirs, mine)) >= SAME_PASSAGE

    return same


def group_rows(
    articles: Sequence[int], vectors: np.ndarray | None, text: Callable[[int], str]
) -> list[list[int]]:
    """Passages (best first: their article numbers, their vectors, and their text by position)
    as groups of the same passage in different articles: lists of positions, each in rank
    order, the groups in the order of their best member."""
    same = same_passage(articles, vectors, text)
    groups: list[list[int]] = []
    for i in range(len(articles)):
        for group in groups:
            if any(articles[j] == articles[i] for j in group):
                continue
            if same(i, group[0]):
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


COPIES_MARGIN = 10  # candidates read for the top one's margin over words other than its own


def margin_beyond_copies(
    rows: np.ndarray, scores: np.ndarray, article_of: np.ndarray, vectors: np.ndarray, passages: Any
) -> float:
    """The best candidate's score (``rows[0]``, the candidates' passage rows best first, with
    their ``scores``) minus the best of the others that are not its own words in another article
    (a syndicated copy, the same statement quoted): the margin the answered decision weighs,
    which three copies of one wire story would otherwise make 0. 0.0 when every other candidate
    is such a copy, or there is none."""
    same = same_passage(
        article_of[rows].tolist(),
        vectors[rows].astype(np.float32, copy=False),
        lambda i: passages[int(rows[i])].text,
    )
    for i in range(1, len(rows)):
        if not same(0, i):
            return float(scores[0] - scores[i])
    return 0.0


def group_copies(hits: Sequence[Hit]) -> list[list[int]]:
    """``group_rows`` for hits (every pair compared by text)."""
    numbers = {doc: n for n, doc in enumerate(dict.fromkeys(h.article.doc_id for h in hits))}
    return group_rows([numbers[h.article.doc_id] for h in hits], None, lambda i: hits[i].passage.text)


def one_hit(group: Sequence[Hit]) -> Hit:
    """The group (best-ranked first) as the hit shown, with the others as its ``also``."""
    shown = min(group, key=_shown_first)
    others = tuple(h for h in group if h is not shown)
    return dataclasses.replace(shown, score=group[0].score, also=others) if others else shown


def merge_copies(hits: Sequence[Hit]) -> list[Hit]:
    """``hits`` (best first) with the near-identical ones of other articles merged."""
    return [one_hit([hits[i] for i in group]) for group in group_copies(hits)]


def _shown_first(hit: Hit) -> tuple[str, int, str]:
    """Earliest published first (an undated article last), then the fullest passage, then the id."""
    return (hit.article.published or "9999-99-99", -len(hit.passage.text), hit.article.doc_id)
