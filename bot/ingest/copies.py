"""Is a new source a copy of an article already in the corpus?

Two texts are compared by their shingles: every run of SHINGLE words, folded (case, quote
marks, punctuation). ``similarity`` is the share of the new text's shingles that the other
holds (containment: a syndicated copy with a paragraph cut or a line added still scores high,
as does a short copy of a long story). A copy edited in many places (a word changed in most
paragraphs) loses many shingles, so a text that shares at least LOOK_CLOSER of them is also
compared paragraph by paragraph: its score is then the larger of the two, the second being the
share of its text in paragraphs that are each SAME_PARAGRAPH the same as one of the other's. At
COPY_THRESHOLD or more, or with the same canonical URL, the new source is a copy: it is
reported and not added without --force.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.chunking import paragraphs
from bot.models import Article
from bot.shingles import shingles, similarity

COPY_THRESHOLD = 0.8  # tested on the library: its copies 0.84 and up, a blog quoting a statement 0.47
LOOK_CLOSER = 0.4
SAME_PARAGRAPH = 0.5


@dataclass(frozen=True)
class Copy:
    file: str  # the corpus file it copies
    similarity: float
    same_url: bool

    def describe(self) -> str:
        why = "the same canonical URL" if self.same_url and self.similarity < COPY_THRESHOLD else None
        return f"looks like a copy of corpus/{self.file}, " + (why or f"{self.similarity:.0%} the same")


def find_copy(text: str, url: str | None, corpus: Iterable[tuple[str, str, str | None]]) -> Copy | None:
    """The most similar corpus article (file, body, url) when it is a copy, else None."""
    mine = shingles(text)
    best: Copy | None = None
    for file, body, other_url in corpus:
        same_url = bool(url and other_url and _norm_url(url) == _norm_url(other_url))
        score = copy_score(text, mine, body, shingles(body))
        if (same_url or score >= COPY_THRESHOLD) and (best is None or score > best.similarity):
            best = Copy(file, score, same_url)
    return best


def _norm_url(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url.split("#", 1)[0].split("?", 1)[0]).rstrip("/").casefold()


def copy_score(text: str, mine: set[int], body: str, theirs: set[int]) -> float:
    """How much of ``text`` (its shingles ``mine``) is a copy of ``body`` (``theirs``): the
    shingle share, or the paragraph share when the first is between LOOK_CLOSER and the bar."""
    score = similarity(mine, theirs)
    if LOOK_CLOSER <= score < COPY_THRESHOLD:
        score = max(score, paragraph_share(text, body))
    return score


def paragraph_share(text: str, body: str) -> float:
    """The share of ``text`` (by shingles, so a one-line editor's note weighs little) in
    paragraphs that are each at least SAME_PARAGRAPH the same as one paragraph of ``body``: a
    copy with a word changed in every paragraph still scores high."""
    mine = [shingles(text[p.start : p.end]) for p in paragraphs(text)]
    theirs = [shingles(body[p.start : p.end]) for p in paragraphs(body)]
    total = sum(len(m) for m in mine)
    if not total:
        return 0.0
    same = sum(len(m) for m in mine if any(similarity(m, t) >= SAME_PARAGRAPH for t in theirs))
    return same / total


SAMPLE = 8  # candidates are found by one shingle in SAMPLE (the same ones in every text)


def corpus_copies(articles: Sequence[Article]) -> dict[str, tuple[str, float]]:
    """The syndicated copies among a corpus's articles, recognised at index time: each copy's
    id -> (the id of the article it copies, similarity), by the rule ``bot.add`` refuses a copy
    with. The original is the earliest published (undated last, then the first id); each
    article is compared only with the earlier ones it shares sampled shingles with, so a
    corpus without copies does little work."""
    ordered = sorted(articles, key=lambda a: (a.published or "9999-99-99", a.doc_id))
    seen: dict[int, list[int]] = {}  # a sampled shingle -> earlier articles (positions) holding it
    sets: list[set[int]] = []
    found: dict[str, tuple[str, float]] = {}
    for n, article in enumerate(ordered):
        mine = shingles(article.body)
        sets.append(mine)
        sampled = [s for s in mine if s % SAMPLE == 0]
        shared = Counter(i for s in sampled for i in seen.get(s, ()))
        best: tuple[float, int] | None = None
        for i, count in shared.items():
            if count < LOOK_CLOSER * max(len(sampled), 1) / 2:
                continue  # too few shingles in common to be a copy (half the bar, sampling is rough)
            other = ordered[i]
            score = copy_score(article.body, mine, other.body, sets[i])
            if score >= COPY_THRESHOLD and (best is None or score > best[0]):
                best = (score, i)
        if best is not None:
            original = ordered[best[1]].doc_id
            found[article.doc_id] = (found.get(original, (original, 0.0))[0], round(best[0], 4))
        for s in sampled:
            seen.setdefault(s, []).append(n)
    return found
