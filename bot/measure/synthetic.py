"""Synthetic corpora for the speed and scale benchmark, and the vectors given to them.

Articles of 20 paragraphs, each 3 to 6 sentences drawn at random from real text (the BEIR sets
when they are there, else the bundled corpus), and vectors made from real model vectors of a
pool of those sentences plus noise (embedding a million passages on 2 cores would take a day).
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.chunking import split_sentences
from bot.config import BUNDLED_MODEL
from bot.corpus import load_corpus

PARAGRAPHS_PER_ARTICLE = 20
POOL = 2048  # real vectors that the synthetic ones are made from
NOISE = 0.025  # per dimension: cosine to the blend of pool vectors about 0.9
BENCHMARKS = ("squad-v1.1-dev", "scifact")


class NoisyEmbedder:
    """Vectors for synthetic text: a blend of two real model vectors chosen by the text's hash,
    plus noise. Blends spread the vectors over the space (one pool vector plus noise made 2,048
    tight clusters). Recall is measured for three kinds of query (see timing.recall_queries):
    the case questions, far from every synthetic passage, get the lowest (1M: 0.89 against 0.97
    for real benchmark questions and for held-out vectors made by this class).
    """

    def __init__(self, pool: np.ndarray) -> None:
        self.pool = pool

    @property
    def name(self) -> str:
        return BUNDLED_MODEL  # the pool is the bundled model's: questions embed into the same space

    @property
    def dimension(self) -> int:
        return int(self.pool.shape[1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            rng = np.random.default_rng(seed)
            first, second = rng.integers(0, len(self.pool), 2)
            share = rng.uniform(0.2, 0.8)
            vector = share * self.pool[first] + (1 - share) * self.pool[second]
            vector += rng.normal(0.0, NOISE, self.dimension)
            out[row] = vector / np.linalg.norm(vector)
        return out


def source_sentences(bench_dir: Path | None, fallback_corpus: Path) -> list[str]:
    """Real sentences: from the benchmark corpora in ``bench_dir``, else from a case corpus."""
    texts: list[str] = []
    for name in BENCHMARKS:
        corpus = bench_dir / name / "corpus.jsonl" if bench_dir else None
        if corpus is not None and corpus.exists():
            with corpus.open(encoding="utf-8") as fh:
                texts += [json.loads(line)["text"] for line in fh if line.strip()]
    if not texts:
        texts = [a.body for a in load_corpus(fallback_corpus).articles]
    sentences = []
    for text in texts:
        sentences += [text[s.start : s.end] for s in split_sentences(text) if 20 <= s.end - s.start <= 300]
    return sentences


def pool_vectors(
    path: Path, sentences: Callable[[], list[str]], real: Any, note: Callable[[str], None]
) -> np.ndarray:
    """The real vectors of POOL sentences, embedded once and kept at ``path``."""
    if path.exists():
        return np.load(path, allow_pickle=False)
    found = sentences()
    sample = random.Random(0).sample(found, min(POOL, len(found)))
    note(f"embedding a pool of {len(sample)} real sentences (once)")
    vectors = real.embed(sample) if len(sample) > 4 else np.stack([real.embed([s])[0] for s in sample])
    np.save(path, vectors, allow_pickle=False)
    return vectors


def write_synthetic_corpus(
    corpus: Path, passages: int, sentences: list[str], note: Callable[[str], None]
) -> None:
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    rng = random.Random(passages)
    articles = max(1, passages // PARAGRAPHS_PER_ARTICLE)
    note(f"writing a synthetic corpus of {articles} articles ({passages} paragraphs)")
    for n in range(articles):
        paragraphs = [
            " ".join(rng.sample(sentences, rng.randint(3, 6))) for _ in range(PARAGRAPHS_PER_ARTICLE)
        ]
        body = "\n\n".join(p if len(p) <= 880 else p[:880].rsplit(" ", 1)[0] + "." for p in paragraphs)
        (corpus / f"synthetic-{n:06d}.md").write_text(
            f"---\ntitle: Synthetic article {n}\noutlet: Benchmark\n---\n\n{body}\n", encoding="utf-8"
        )
    (corpus / ".complete").write_text("")
