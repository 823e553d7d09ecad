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
from collections.abc import Sequence

from bot.models import Hit
from bot.shingles import shingles, similarity

SAME_PASSAGE = 0.8


def group_copies(hits: Sequence[Hit]) -> list[list[int]]:
    """``hits`` (best first) as groups of the same passage in different articles: lists of
    indices into ``hits``, each in rank order, the groups in the order of their best member."""
    groups: list[list[int]] = []
    marks: list[set[int]] = []
    for i, hit in enumerate(hits):
        mine = shingles(hit.passage.text)
        for group, theirs in zip(groups, marks, strict=True):
            if any(hits[j].article.doc_id == hit.article.doc_id for j in group):
                continue
            if min(similarity(mine, theirs), similarity(theirs, mine)) >= SAME_PASSAGE:
                group.append(i)
                break
        else:
            groups.append([i])
            marks.append(mine)
    return groups


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
