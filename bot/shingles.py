"""Near-identical text by shingles: every run of SHINGLE words, folded (case, quote marks,
punctuation). Used to find copies of an article (ingest) and the same passage in several
articles (answers)."""

from __future__ import annotations

import re

SHINGLE = 5

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def shingles(text: str) -> set[int]:
    words = [w.replace("\u2019", "'") for w in _WORD.findall(text.casefold())]
    if len(words) < SHINGLE:
        return {hash(tuple(words))} if words else set()
    return {hash(tuple(words[i : i + SHINGLE])) for i in range(len(words) - SHINGLE + 1)}


def similarity(new: set[int], old: set[int]) -> float:
    """The share of ``new``'s shingles that ``old`` holds (containment)."""
    return len(new & old) / len(new) if new else 0.0
