"""Public retrieval benchmarks (BEIR layout) run through the product's own index and ranking."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.embedding import Embedder, SentenceTransformerEmbedder
from bot.index import Index, build_index, load_index
from bot.measure.beir import (
    best_per_document,
    corpus_key,
    mrr_at,
    ndcg_at,
    read_beir,
    recall_at,
    write_trec_run,
)
from bot.questions import clean_question
from bot.ranking.retriever import Retriever

BENCH_CANDIDATES = 300  # passages per query: enough for 100 distinct documents


def bench_index(directory: Path, settings: Settings, embedder: Embedder, progress: Any = None) -> Index:
    """The data set's index in a scratch directory under the cache directory, built (or
    refreshed) with the bot's code.

    Vectors are reused by content hash, so a rerun embeds nothing; an unchanged data set is
    loaded without rebuilding.
    """
    scratch = settings.cache_dir / "bench" / corpus_key(directory)
    data = read_beir(directory)
    articles = [
        dataclasses.replace(a, content_hash=hashlib.sha256(f"{a.title}\n{a.body}".encode()).hexdigest())
        for a in data.articles
    ]
    if isinstance(embedder, SentenceTransformerEmbedder):
        embedder.show_progress = True
    # nothing is rebuilt when the scratch index matches the data set and the settings
    report = build_index(
        articles, embedder, scratch, ann_min_passages=settings.ann_min_passages, progress=progress
    )
    if not report.unchanged and progress:
        progress(f"indexed {len(articles)} documents of {directory.name} in {scratch} (vectors are cached)")
    return load_index(scratch, model=embedder.name)


def run_benchmark(
    directory: Path,
    engine_parts: tuple[Index, Embedder],
    modes: list[str],
    *,
    answers: dict[str, list[str]] | None = None,
    run_file: Path | None = None,
    retriever: Retriever | None = None,
) -> dict[str, Any]:
    """nDCG@10, Recall@100 and MRR@10 per mode (and, with answers, top-1 and answer sentence)."""
    index, embedder = engine_parts
    data = read_beir(directory)
    retriever = retriever or Retriever(index, embedder)
    qids = list(data.queries)
    # each question as the bot reads it (Retriever.read: letter case; a benchmark names no outlet)
    cleaned = [retriever.read(clean_question(data.queries[q])[0] or data.queries[q]).text for q in qids]
    # one question at a time, as the bot embeds them (the question encoder, not a batch)
    vectors = [embedder.embed([q])[0] for q in cleaned]
    results: dict[str, Any] = {"dataset": directory.name, "queries": len(qids), "modes": {}}
    for mode in modes:
        started = time.perf_counter()
        totals = {"ndcg@10": 0.0, "recall@100": 0.0, "mrr@10": 0.0, "top1": 0.0}
        sentence_hits = sentence_total = 0
        runs: dict[str, list[tuple[str, float]]] = {}
        for qid, question, vector in zip(qids, cleaned, vectors, strict=True):
            ranked = retriever.rank(question, vector, mode=mode, candidates=BENCH_CANDIDATES)
            docs = best_per_document((index.passages.doc_id(r.row), r.score) for r in ranked)
            ranking = [d for d, _ in docs]
            relevant = data.qrels[qid]
            totals["ndcg@10"] += ndcg_at(ranking, relevant)
            totals["recall@100"] += recall_at(ranking, relevant)
            totals["mrr@10"] += mrr_at(ranking, relevant)
            top_right = bool(ranking) and relevant.get(ranking[0], 0) > 0
            totals["top1"] += top_right
            if answers is not None and qid in answers and top_right and ranked:
                sentence_total += 1
                best = ranked[0]
                body = index.articles[index.passages.doc_id(best.row)].body
                sentence = body[best.answer.start : best.answer.end]
                sentence_hits += any(a in sentence for a in answers.get(qid, []))
            runs[qid] = docs
        n = max(len(qids), 1)
        metrics = {k: round(v / n, 4) for k, v in totals.items()}
        if answers is not None:
            metrics["answer_sentence_when_top1_right"] = round(sentence_hits / max(sentence_total, 1), 4)
        metrics["seconds"] = round(time.perf_counter() - started, 1)
        results["modes"][mode] = metrics
        if run_file is not None:
            target = (
                run_file
                if len(modes) == 1
                else run_file.with_name(f"{run_file.stem}.{mode}{run_file.suffix}")
            )
            write_trec_run(target, runs, tag=f"casebot-{mode}")
    return results
