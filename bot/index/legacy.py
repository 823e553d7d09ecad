"""Builds written by older versions, read only so that a new build can take over their vectors.

Format 2 and 3 kept passages as JSON lines with their text (format 4 made them arrays of
offsets); format 2 had no sentence terms, formats before 5 no sentence kinds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.index.files import read_jsonl
from bot.index.tables import ArticleStore, passage_arrays
from bot.models import Passage, Span


def legacy_passage_arrays(build: Path, articles: ArticleStore) -> tuple[np.ndarray, np.ndarray]:
    """The passage table's arrays from a format 2 or 3 ``passages.jsonl``, checked verbatim."""
    legacy = [
        Passage(
            doc_id=r["doc_id"],
            paragraph=int(r["paragraph"]),
            start=int(r["start"]),
            end=int(r["end"]),
            text=r["text"],
            sentences=tuple(Span(int(a), int(b)) for a, b in r["sentences"]),
        )
        for r in read_jsonl(build / "passages.jsonl")
    ]
    if any(articles[p.doc_id].body[p.start : p.end] != p.text for p in legacy):
        raise ValueError("a passage is not in its article")
    return passage_arrays(legacy, list(articles))
