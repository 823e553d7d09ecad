"""The benchmark's own measures: recall of the approximate index, per kind of query."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.corpus import load_corpus
from bot.embedding import HashEmbedder
from bot.index import build_index, load_index
from bot.measure.synthetic import NoisyEmbedder
from bot.measure.timing import ann_recall as _ann_recall
from tests.conftest import write_article, write_big_corpus


def test_recall_is_measured_per_kind_of_query_against_exact_search(tmp_path: Path) -> None:
    embedder = HashEmbedder()
    articles = write_big_corpus(tmp_path / "corpus", 12)
    build_index(articles, embedder, tmp_path / "index", ann_min_passages=100)
    index = load_index(tmp_path / "index")
    vectors = np.asarray(index.vectors, dtype=np.float32)
    queries = {
        "near": embedder.embed([f"item{n}x{n} judge" for n in range(12)]),
        "made like the corpus": NoisyEmbedder(vectors[:64]).embed([f"q{n}" for n in range(20)]),
    }
    out = _ann_recall(index, vectors, queries)
    assert out["dense_search"].startswith("hnsw efSearch=")
    assert set(out["ann_recall"]) == set(queries)
    for kind in queries:
        assert 0.9 <= out["ann_recall"][kind]["@10"] <= 1.0  # 240 passages: the graph finds nearly all
    # a search that returns the wrong passages is caught
    index.nearest = lambda q, count: np.arange(count)  # type: ignore[method-assign]
    wrong = _ann_recall(index, vectors, queries)
    assert wrong["ann_recall"]["near"]["@10"] < 0.5


def test_exact_search_has_no_recall_to_measure(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_article(corpus, "a.md", "One paragraph about the judge.\n\nAnother about the tweet.")
    embedder = HashEmbedder()
    build_index(load_corpus(corpus).articles, embedder, tmp_path / "index")
    index = load_index(tmp_path / "index")
    assert _ann_recall(index, np.asarray(index.vectors), {"q": embedder.embed(["judge"])}) == {
        "dense_search": "exact"
    }
