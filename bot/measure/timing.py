"""Timing questions in a warm process against one index, beside a plain reference
(SentenceTransformer.encode + FAISS flat search), and approximate search's recall."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from bot.measure.synthetic import NoisyEmbedder

RECALL_QUERIES = 150  # per benchmark (and twice as many held-out vectors)
STAGES = ("embed", "keyword", "dense", "rank")


def rss_mb() -> dict[str, float]:
    """Resident MB: all, private (anonymous) and file-backed (memory-mapped index files, shared
    between processes and given back by the kernel under pressure)."""
    fields = {"VmRSS:": "total", "RssAnon:": "private", "RssFile:": "mapped_files"}
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key = line.split(" ", 1)[0].split("\t", 1)[0]
        if key in fields:
            out[fields[key]] = round(int(line.split()[1]) / 1024, 1)
    return out


def read_questions(files: list[Path]) -> list[str]:
    """The questions of case-question files (those of them that exist)."""
    rows: list[dict[str, Any]] = []
    for file in files:
        if file.exists():
            rows += [json.loads(x) for x in file.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r["question"] for r in rows if r.get("question")]


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered) * 1000, 2),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 2),
    }


def time_queries(index_dir: Path, count: int, questions: list[str], bench_dir: Path | None) -> dict[str, Any]:
    """Load the index, time ``count`` questions through the product's path, compare."""
    from bot.embedding import SentenceTransformerEmbedder
    from bot.index import load_index
    from bot.ranking.retriever import Retriever
    from bot.replies import answer_to_json, ask_reply

    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder()
    index = load_index(index_dir, model=embedder.name)
    retriever = Retriever(index, embedder, cache_size=0)  # every question answered afresh
    out: dict[str, Any] = {"load_seconds": round(time.perf_counter() - started, 2), "rss_mb_index": rss_mb()}
    retriever.ask(questions[0])  # loads the encoder
    out["question_encoder"] = embedder.question_route
    for q in questions[:20]:  # warm up
        ask_reply(retriever.ask(q, 4), footer="f")
    stages: dict[str, list[float]] = {k: [] for k in (*STAGES, "format", "total")}
    for n in range(count):
        q = questions[n % len(questions)]
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        answer = retriever.ask(q, 4, timings=timings)
        t1 = time.perf_counter()
        ask_reply(answer, footer="f")
        answer_to_json(answer)
        t2 = time.perf_counter()
        for k in STAGES:
            stages[k].append(timings.get(k, 0.0))
        stages["format"].append(t2 - t1)
        stages["total"].append(t2 - t0)
    out["latency_ms"] = {k: percentiles(v) for k, v in stages.items()}
    out["rss_mb_after_queries"] = rss_mb()
    cached = Retriever(index, embedder)  # as the bot runs: a question asked again is remembered
    for q in questions:
        cached.ask(q, 4)
    repeat = []
    for n in range(count):
        t0 = time.perf_counter()
        ask_reply(cached.ask(questions[n % len(questions)], 4), footer="f")
        repeat.append(time.perf_counter() - t0)
    out["repeated_question_ms"] = percentiles(repeat)

    vectors = np.asarray(index.vectors, dtype=np.float32)
    pool = index_dir.parent.parent / "pool.npy"
    out.update(ann_recall(index, vectors, recall_queries(embedder, questions, bench_dir, pool)))
    out["reference_ms"] = reference(embedder.model_source()[0], vectors, questions, count)
    out["ratio_to_reference"] = round(out["latency_ms"]["total"]["p50"] / out["reference_ms"]["p50"], 3)
    return out


def recall_queries(
    embedder: Any, questions: list[str], bench_dir: Path | None, pool: Path
) -> dict[str, np.ndarray]:
    """Three kinds of query for recall: the case questions (off the topic of a synthetic
    corpus: their nearest passages are barely nearer than the rest), real questions of the
    benchmarks whose sentences the synthetic corpus is made of (SciFact claims, SQuAD questions:
    a real question about what the corpus covers), and held-out vectors made the way the
    corpus's are (the usual practice of ANN benchmarks)."""
    sets = {"case questions": embedder.embed(questions)}
    bench: list[str] = []
    for name in ("scifact", "squad-v1.1-dev"):
        path = bench_dir / name / "queries.jsonl" if bench_dir else None
        if path is not None and path.exists():
            with path.open(encoding="utf-8") as fh:
                lines = [line for line, _ in zip(fh, range(RECALL_QUERIES), strict=False)]
            bench += [json.loads(line)["text"] for line in lines]
    if bench:
        sets["benchmark questions"] = embedder.embed(bench)
    if pool.exists():
        held_out = [f"held-out query {n}" for n in range(2 * RECALL_QUERIES)]
        sets["held-out passages"] = NoisyEmbedder(np.load(pool, allow_pickle=False)).embed(held_out)
    return sets


def ann_recall(index: Any, vectors: np.ndarray, queries: dict[str, np.ndarray]) -> dict[str, Any]:
    """Recall@10 and @100 of the approximate index against exact search on the same vectors,
    through the product's own path (the graph, then its candidates rescored), per kind of query."""
    dense = index.dense.faiss_index
    if dense is None:
        return {"dense_search": "exact"}
    import faiss

    recall: dict[str, dict[str, float]] = {}
    for kind, rows in queries.items():
        found: dict[int, list[float]] = {k: [] for k in (10, 100)}
        for q in rows:
            scores = vectors @ q
            truth = np.argpartition(-scores, 100)[:100]
            truth = truth[np.argsort(-scores[truth])]
            for k in found:
                found[k].append(len(set(truth[:k].tolist()) & set(index.nearest(q, k).tolist())) / k)
        recall[kind] = {f"@{k}": round(float(np.mean(v)), 4) for k, v in found.items()}
    storage = index.manifest["search"].get("storage", "float32")
    kind = (
        f"hnsw efSearch={dense.hnsw.efSearch}, {storage} codes, rescored"
        if isinstance(dense, faiss.IndexHNSW)
        else type(dense).__name__
    )
    return {"dense_search": kind, "ann_recall": recall}


def reference(model_dir: str, vectors: np.ndarray, questions: list[str], count: int) -> dict[str, float]:
    """Plain sentence-transformers encode + FAISS flat search, per question, in this process."""
    import faiss
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_dir, device="cpu")
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)  # type: ignore[call-arg]
    for q in questions[:20]:
        flat.search(model.encode([q], normalize_embeddings=True), 10)  # type: ignore[call-arg]
    times = []
    for n in range(count):
        started = time.perf_counter()
        query = model.encode([questions[n % len(questions)]], normalize_embeddings=True)
        flat.search(query, 10)  # type: ignore[call-arg]
        times.append(time.perf_counter() - started)
    return percentiles(times)
