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

import numpy as np

from bot.models import Hit
from bot.shingles import shingles, similarity

SAME_PASSAGE = 0.8
# Passages this far apart by their vectors are never compared by text: near-identical text has
# near-identical vectors (a word changed: cosine above 0.97), so the text of a passage is read
# only when a copy is likely, and a corpus without copies pays one small matrix product.
NEAR_COSINE = 0.9


def group_rows(
    articles: Sequence[int], vectors: np.ndarray | None, text: Callable[[int], str]
) -> list[list[int]]:
    """Passages (best first: their article numbers, their vectors, and their text by position)
    as groups of the same passage in different articles: lists of positions, each in rank
    order, the groups in the order of their best member."""
    near = vectors @ vectors.T if vectors is not None and len(vectors) else None
    groups: list[list[int]] = []
    marks: dict[int, set[int]] = {}

    def mark(i: int) -> set[int]:
        if i not in marks:
            marks[i] = shingles(text(i))
        return marks[i]

    for i in range(len(articles)):
        for group in groups:
            first = group[0]
            if any(articles[j] == articles[i] for j in group):
                continue
            if near is not None and near[i, first] < NEAR_COSINE:
                continue
            mine, theirs = mark(i), mark(first)
            if min(similarity(mine, theirs), similarity(theirs, mine)) >= SAME_PASSAGE:
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


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
