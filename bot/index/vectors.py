"""A build's vectors: taken over from earlier builds where the text is unchanged (by its
sha256), else embedded a chunk at a time with progress and an estimate."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.checksums import text_hash
from bot.index.errors import IndexProblem
from bot.index.load import Index, complete_builds, load_build

if TYPE_CHECKING:
    from bot.embedding.base import Embedder

# Texts embedded at a time in a build: each chunk goes straight into the result, and a long
# build reports its progress with an estimate after each (sentence-transformers batches inside).
EMBED_CHUNK = 2048
KINDS = ("passages", "sentences", "quotations", "quotations' sentences")


def reusable_vectors(index_dir: Path, model: str, live: Index | None) -> dict[str, np.ndarray]:
    """Text hash -> vector from every intact build on disk made with this model: the live one
    first, then the older ones (so a damaged live build does not cost a full re-embed: the build
    it fell back to still holds the vectors)."""
    known = _known_vectors(live) if live is not None else {}
    for older in complete_builds(index_dir)[::-1]:
        if live is not None and older == live.path:
            continue
        try:
            build = load_build(older, model=model, for_reuse=True)
        except IndexProblem:
            continue
        for text, vector in _known_vectors(build).items():
            known.setdefault(text, vector)
    return known


def _known_vectors(old: Index) -> dict[str, np.ndarray]:
    """Text hash -> vector from the live build (loaded with the same model).

    Passage vectors (float32) come first: a text that was a passage keeps its full vector, and
    only a new passage whose text was a sentence before takes the float16 one (a difference in
    the fourth decimal of a cosine).
    """
    known: dict[str, np.ndarray] = {}
    table = old.passages
    bodies = [old.articles[d].body for d in table.doc_ids]
    for i, (a, start, end) in enumerate(
        zip(table.article_of.tolist(), table.starts.tolist(), table.ends.tolist(), strict=True)
    ):
        known.setdefault(text_hash(bodies[a][start:end]), old.vectors[i])
    owners = np.repeat(table.article_of, table.sentence_counts).tolist()
    for k, (a, (start, end)) in enumerate(zip(owners, table.spans.tolist(), strict=True)):
        known.setdefault(text_hash(bodies[a][start:end]), old.sentence_vectors[k])
    for i, q in enumerate(old.quotations):
        known.setdefault(text_hash(q.text), old.quote_vectors[i])
        known.setdefault(text_hash(q.context_text(old.articles[q.doc_id].body)), old.quote_context_vectors[i])
    return known


def vectors_for(
    texts: list[str],
    hashes: list[str],
    previous: dict[str, np.ndarray],
    embedder: Embedder,
    progress: Callable[[str], None] | None,
    group_sizes: Sequence[int] = (),
) -> tuple[np.ndarray, int]:
    """Every text's vector: the live build's where the text is unchanged, else embedded, a
    chunk at a time straight into the result (one copy of the vectors, not two: 8.7 GB less at
    the peak of a 1M-passage build). ``group_sizes``: how many of the texts are passages,
    sentences, quotations and their sentences (KINDS), to say what is embedded."""
    todo = [i for i, h in enumerate(hashes) if h not in previous]
    out: np.ndarray | None = None
    if previous:
        dim = len(next(iter(previous.values())))
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for i, h in enumerate(hashes):
            if h in previous:
                out[i] = previous[h]
    if todo and progress:
        progress(f"embedding {len(todo)} texts{_what(todo, group_sizes)}")
    started = time.perf_counter()
    for first in range(0, len(todo), EMBED_CHUNK):
        rows = todo[first : first + EMBED_CHUNK]
        if progress and len(todo) > EMBED_CHUNK:
            eta = _estimate(first, len(todo), started)
            progress(f"embedding texts {first + 1}-{first + len(rows)} of {len(todo)}{eta}")
        fresh = embedder.embed([texts[i] for i in rows])
        if out is None:  # the width from the vectors (asking the embedder could load a second runtime)
            out = np.zeros((len(texts), fresh.shape[1]), dtype=np.float32)
        out[rows] = fresh
    if out is None:  # nothing to embed and nothing known: an empty corpus
        out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    return out, len(todo)


def _what(todo: list[int], group_sizes: Sequence[int]) -> str:
    """ ": 120 passages, 3,400 sentences, ..." for the texts to embed (every sentence of every
    passage gets a vector of its own, so a long article costs many times its passages)."""
    if not group_sizes:
        return ""
    bounds = np.cumsum(group_sizes)
    counts = np.bincount(np.searchsorted(bounds, todo, side="right"), minlength=len(group_sizes))
    parts = [f"{int(n):,} {kind}" for n, kind in zip(counts.tolist(), KINDS, strict=False) if n]
    return ": " + ", ".join(parts) if parts else ""


def _estimate(done: int, total: int, started: float) -> str:
    """ " (about 3 min left)" from the rate so far (nothing before the first chunk)."""
    elapsed = time.perf_counter() - started
    if done == 0 or elapsed <= 0:
        return ""
    left = (total - done) * elapsed / done
    shown = (
        f"{left:.0f} s" if left < 90 else f"{left / 60:.0f} min" if left < 5400 else f"{left / 3600:.1f} h"
    )
    return f" (about {shown} left)"
