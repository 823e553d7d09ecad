"""python -m bot.bench: what an answer, a rebuild and the memory cost, from the case to 1M passages.

python -m bot.bench [--sizes case,10k,100k] [--queries 200] [--json] [--fresh]

For each corpus size it reports:

- query latency in a warm process, question in, formatted reply out, p50 and p95, with each
  stage (embedding, keyword scores, dense candidates, ranking with the answer sentence,
  formatting) and, measured in the same process, plain ``SentenceTransformer.encode`` + FAISS
  flat search over the same vectors (the reference; the ratio is what to compare, as this
  machine's timings are noisy);
- the index build: passages per second for a fresh build, a rebuild with no change, and a
  rebuild after one article changed (with the vectors it computed);
- resident memory after loading the index, and after the first answer (the encoder loaded);
  the index's size on disk; for an approximate index, recall@10 against exact search;
- for the case corpus, the start-up to the first answer of ``python -m bot.ask`` and of the bot.

"case" is the bundled corpus with the real model. Larger sizes are synthetic and say so:
articles of 20 paragraphs, each 3 to 6 sentences drawn at random from real text (the BEIR sets
in ../shared/bench when they are there, else the bundled corpus), and vectors made from real
model vectors of a pool of those sentences plus noise (embedding a million passages on 2 cores
would take a day); the model's own embedding rate is measured on a sample and reported.
Scratch data goes to ~/.cache/casebot/bench/scale (or CASEBOT_CACHE_DIR).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.chunking import split_sentences
from bot.cli import note, run
from bot.config import PROJECT_ROOT, Settings
from bot.corpus import load_corpus

SIZES = {"case": 0, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
PARAGRAPHS_PER_ARTICLE = 20
POOL = 2048  # real vectors that the synthetic ones are made from
NOISE = 0.025  # per dimension: cosine to the blend of pool vectors about 0.9
RECALL_QUERIES = 150  # per benchmark (and twice as many held-out vectors)
QUESTIONS_FILE = PROJECT_ROOT / "tests" / "data" / "questions.jsonl"
SHARED = PROJECT_ROOT.parent / "shared"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="case,10k,100k", help="comma-separated: case, 10k, 100k, 1m")
    parser.add_argument("--queries", type=int, default=200, help="questions timed per size")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--fresh", action="store_true", help="regenerate the synthetic corpora")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # internal: time queries on an index
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_query_child(args.child, args.queries)))
        return 0
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {unknown[0]!r}: choose from {', '.join(SIZES)}")
    return run(lambda: _bench(sizes, args))


def _bench(sizes: list[str], args: argparse.Namespace) -> int:
    root = Path(os.environ.get("CASEBOT_CACHE_DIR") or Path.home() / ".cache" / "casebot") / "bench" / "scale"
    root.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
        "sizes": {},
    }
    for size in sizes:
        note(f"[{size}] preparing")
        results["sizes"][size] = _one_size(size, root / size, args)
        if not args.json:
            _print_size(size, results["sizes"][size])
    if "case" in sizes:
        results["startup"] = _startup(root / "case")
        if not args.json:
            print(
                "start-up to the first answer: "
                + ", ".join(f"{k} {v} s" for k, v in results["startup"].items())
            )
    if args.json:
        print(json.dumps(results))
    return 0


# ---------------------------------------------------------------- one size


def _one_size(size: str, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    from bot.embedding import SentenceTransformerEmbedder
    from bot.store import build_index

    corpus, index_dir = work / "corpus", work / "index"
    real = SentenceTransformerEmbedder()
    if size == "case":
        if args.fresh or not corpus.exists():
            shutil.rmtree(corpus, ignore_errors=True)
            shutil.copytree(Settings().corpus_dir, corpus)
        embedder: Any = real
        synthetic = False
    else:
        if args.fresh or not (corpus / ".complete").exists():
            _write_synthetic_corpus(corpus, SIZES[size])
        embedder = NoisyEmbedder(_pool(work.parent, real))
        synthetic = True
    settings = Settings(corpus_dir=corpus, index_dir=index_dir)

    out: dict[str, Any] = {"synthetic": synthetic}
    articles = load_corpus(corpus).articles
    shutil.rmtree(index_dir, ignore_errors=True)
    note(f"[{size}] fresh build of {len(articles)} articles")
    started = time.perf_counter()
    report = build_index(articles, embedder, index_dir, ann_min_passages=settings.ann_min_passages)
    fresh = time.perf_counter() - started
    out["passages"] = report.passages
    out["sentences"] = report.sentences
    out["build"] = {
        "fresh_seconds": round(fresh, 2),
        "passages_per_second": round(report.passages / fresh, 1),
        "search": report.search,
    }
    if synthetic:
        out["build"]["embedding"] = "synthetic vectors (blends of two real vectors + noise)"
        out["build"]["model_passages_per_second"] = _model_rate(real, articles)

    # a rebuild with nothing changed: reading the corpus included, as python -m bot.reindex does
    started = time.perf_counter()
    articles = load_corpus(corpus).articles
    same = build_index(articles, embedder, index_dir, ann_min_passages=settings.ann_min_passages)
    out["build"]["unchanged_rebuild_seconds"] = round(time.perf_counter() - started, 3)
    out["build"]["unchanged_rebuild_computed"] = same.computed

    # one article changed: only its new text is embedded
    first = sorted(corpus.glob("*.md"))[0]
    original = first.read_bytes()
    first.write_text(first.read_text(encoding="utf-8") + "\n\nA paragraph added for the benchmark.\n")
    try:
        started = time.perf_counter()
        articles = load_corpus(corpus).articles
        one = build_index(articles, embedder, index_dir, ann_min_passages=settings.ann_min_passages)
        out["build"]["one_article_rebuild_seconds"] = round(time.perf_counter() - started, 2)
        out["build"]["one_article_rebuild_computed"] = one.computed
    finally:
        first.write_bytes(original)  # the index keeps the extra paragraph; the next run starts fresh

    live = index_dir / "builds" / (index_dir / "CURRENT").read_text().strip()
    out["disk_mb"] = round(sum(f.stat().st_size for f in live.rglob("*") if f.is_file()) / 2**20, 1)
    note(f"[{size}] timing {args.queries} questions in a fresh process")
    child = subprocess.run(
        [sys.executable, "-m", "bot.bench", "--child", str(index_dir), "--queries", str(args.queries)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    if child.returncode != 0:
        raise RuntimeError(f"the timing process failed:\n{child.stderr[-3000:]}")
    out.update(json.loads(child.stdout.strip().splitlines()[-1]))
    return out


def _model_rate(real: Any, articles: Sequence[Any]) -> float:
    """Passages per second that the real model embeds (a sample of 64 synthetic passages)."""
    from bot.chunking import make_passages

    sample = [p.text for a in articles[:8] for p in make_passages(a)][:64]
    real.embed(sample[:4] + sample[:8])  # load and warm up
    started = time.perf_counter()
    real.embed(sample)
    return round(len(sample) / (time.perf_counter() - started), 1)


# ---------------------------------------------------------------- the timing process


def _rss_mb() -> dict[str, float]:
    """Resident MB: all, private (anonymous) and file-backed (memory-mapped index files, shared
    between processes and given back by the kernel under pressure)."""
    fields = {"VmRSS:": "total", "RssAnon:": "private", "RssFile:": "mapped_files"}
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key = line.split(" ", 1)[0].split("\t", 1)[0]
        if key in fields:
            out[fields[key]] = round(int(line.split()[1]) / 1024, 1)
    return out


def _questions() -> list[str]:
    rows = [json.loads(x) for x in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines() if x.strip()]
    shared = SHARED / "eval" / "case_questions.jsonl"
    if shared.exists():
        rows += [json.loads(x) for x in shared.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r["question"] for r in rows if r.get("question")]


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered) * 1000, 2),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 2),
    }


def _query_child(index_dir: Path, count: int) -> dict[str, Any]:
    from bot.embedding import SentenceTransformerEmbedder
    from bot.replies import answer_to_json, ask_reply
    from bot.retrieval import Retriever
    from bot.store import load_index

    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder()
    index = load_index(index_dir, model=embedder.name)
    retriever = Retriever(index, embedder, cache_size=0)  # every question answered afresh
    out: dict[str, Any] = {"load_seconds": round(time.perf_counter() - started, 2), "rss_mb_index": _rss_mb()}
    questions = _questions()
    retriever.ask(questions[0])  # loads the encoder
    for q in questions[:20]:  # warm up
        ask_reply(retriever.ask(q, 4), footer="f")
    stages: dict[str, list[float]] = {k: [] for k in ("embed", "keyword", "dense", "rank", "format", "total")}
    for n in range(count):
        q = questions[n % len(questions)]
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        answer = retriever.ask(q, 4, timings=timings)
        t1 = time.perf_counter()
        ask_reply(answer, footer="f")
        answer_to_json(answer)
        t2 = time.perf_counter()
        for k in ("embed", "keyword", "dense", "rank"):
            stages[k].append(timings.get(k, 0.0))
        stages["format"].append(t2 - t1)
        stages["total"].append(t2 - t0)
    out["latency_ms"] = {k: _percentiles(v) for k, v in stages.items()}
    out["rss_mb_after_queries"] = _rss_mb()
    cached = Retriever(index, embedder)  # as the bot runs: a question asked again is remembered
    for q in questions:
        cached.ask(q, 4)
    repeat = []
    for n in range(count):
        t0 = time.perf_counter()
        ask_reply(cached.ask(questions[n % len(questions)], 4), footer="f")
        repeat.append(time.perf_counter() - t0)
    out["repeated_question_ms"] = _percentiles(repeat)

    vectors = np.asarray(index.vectors, dtype=np.float32)
    out.update(_ann_recall(index, vectors, _recall_queries(index_dir, embedder, questions)))
    out["reference_ms"] = _reference(vectors, questions, count)
    out["ratio_to_reference"] = round(out["latency_ms"]["total"]["p50"] / out["reference_ms"]["p50"], 3)
    return out


def _recall_queries(index_dir: Path, embedder: Any, questions: list[str]) -> dict[str, np.ndarray]:
    """Three kinds of query for recall: the case questions (off the topic of a synthetic
    corpus: their nearest passages are barely nearer than the rest), real questions of the
    benchmarks whose sentences the synthetic corpus is made of (SciFact claims, SQuAD questions:
    a real question about what the corpus covers), and held-out vectors made the way the
    corpus's are (the usual practice of ANN benchmarks)."""
    sets = {"case questions": embedder.embed(questions)}
    bench: list[str] = []
    for name in ("scifact", "squad-v1.1-dev"):
        path = SHARED / "bench" / name / "queries.jsonl"
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                lines = [line for line, _ in zip(fh, range(RECALL_QUERIES), strict=False)]
            bench += [json.loads(line)["text"] for line in lines]
    if bench:
        sets["benchmark questions"] = embedder.embed(bench)
    pool = index_dir.parent.parent / "pool.npy"
    if pool.exists():
        held_out = [f"held-out query {n}" for n in range(2 * RECALL_QUERIES)]
        sets["held-out passages"] = NoisyEmbedder(np.load(pool, allow_pickle=False)).embed(held_out)
    return sets


def _ann_recall(index: Any, vectors: np.ndarray, queries: dict[str, np.ndarray]) -> dict[str, Any]:
    """Recall@10 and @100 of the approximate index against exact search on the same vectors,
    through the product's own path (the graph, then its candidates rescored), per kind of query."""
    dense = index.dense_index()
    if dense is None:
        return {"dense_search": "exact"}
    import faiss

    recall: dict[str, dict[str, float]] = {}
    for kind, rows in queries.items():
        found = {k: [] for k in (10, 100)}
        for q in rows:
            scores = vectors @ q
            truth = np.argpartition(-scores, 100)[:100]
            truth = truth[np.argsort(-scores[truth])]
            for k in found:
                found[k].append(len(set(truth[:k].tolist()) & set(index.nearest(q, k).tolist())) / k)
        recall[kind] = {f"@{k}": round(float(np.mean(v)), 4) for k, v in found.items()}
    kind = (
        f"hnsw efSearch={dense.hnsw.efSearch}, {index.manifest['search'].get('storage', 'float32')} codes, "
        "rescored"
        if isinstance(dense, faiss.IndexHNSW)
        else type(dense).__name__
    )
    return {"dense_search": kind, "ann_recall": recall}


def _reference(vectors: np.ndarray, questions: list[str], count: int) -> dict[str, float]:
    """Plain sentence-transformers encode + FAISS flat search, per question, in this process."""
    import faiss
    from sentence_transformers import SentenceTransformer

    from bot.embedding import SentenceTransformerEmbedder

    source, _ = SentenceTransformerEmbedder()._source()
    model = SentenceTransformer(source, device="cpu")
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    for q in questions[:20]:
        flat.search(model.encode([q], normalize_embeddings=True), 10)
    times = []
    for n in range(count):
        started = time.perf_counter()
        flat.search(model.encode([questions[n % len(questions)]], normalize_embeddings=True), 10)
        times.append(time.perf_counter() - started)
    return _percentiles(times)


# ---------------------------------------------------------------- start-up


def _startup(case_dir: Path) -> dict[str, float]:
    """Process start to first answer, index already built: the terminal and the bot."""
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "CASEBOT_CORPUS_DIR": str(case_dir / "corpus"),
        "CASEBOT_INDEX_DIR": str(case_dir / "index"),
    }
    out = {}
    for name, command in (
        ("python -m bot.ask", [sys.executable, "-m", "bot.ask", "What did the judge call Johnson?"]),
        ("bot", [sys.executable, "-c", _BOT_STARTUP]),
    ):
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            subprocess.run(command, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
            runs.append(time.perf_counter() - started)
        out[name] = round(statistics.median(runs), 2)
    return out


# What the bot does before it can answer, without a network: import discord.py, make the bot,
# open the engine and warm the encoder (setup_hook), then answer one question.
_BOT_STARTUP = """
from bot.config import Settings
from bot.discord_app.client import make_bot
from bot.engine import open_engine
settings = Settings.from_env()
bot = make_bot(settings)
engine = open_engine(settings)
engine.embedder.embed(["warm up"])
assert engine.retriever.ask("What did the judge call Johnson?").hits
"""


# ---------------------------------------------------------------- synthetic data


class NoisyEmbedder:
    """Vectors for synthetic text: a blend of two real model vectors chosen by the text's hash,
    plus noise. Blends spread the vectors over the space (one pool vector plus noise made 2,048
    tight clusters). Recall is measured for three kinds of query (see _recall_queries): the case
    questions, far from every synthetic passage, get the lowest (1M: 0.89 against 0.97 for real
    benchmark questions and for held-out vectors made by this class).
    """

    def __init__(self, pool: np.ndarray) -> None:
        self.pool = pool

    @property
    def name(self) -> str:
        from bot.config import BUNDLED_MODEL

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


def _source_sentences() -> list[str]:
    texts: list[str] = []
    for name in ("squad-v1.1-dev", "scifact"):
        corpus = SHARED / "bench" / name / "corpus.jsonl"
        if corpus.exists():
            with corpus.open(encoding="utf-8") as fh:
                texts += [json.loads(line)["text"] for line in fh if line.strip()]
    if not texts:
        texts = [a.body for a in load_corpus(Settings().corpus_dir).articles]
    sentences = []
    for text in texts:
        sentences += [text[s.start : s.end] for s in split_sentences(text) if 20 <= s.end - s.start <= 300]
    return sentences


def _pool(root: Path, real: Any) -> np.ndarray:
    path = root / "pool.npy"
    if path.exists():
        return np.load(path, allow_pickle=False)
    sentences = _source_sentences()
    sample = random.Random(0).sample(sentences, min(POOL, len(sentences)))
    note(f"embedding a pool of {len(sample)} real sentences (once)")
    vectors = real.embed(sample) if len(sample) > 4 else np.stack([real.embed([s])[0] for s in sample])
    np.save(path, vectors, allow_pickle=False)
    return vectors


def _write_synthetic_corpus(corpus: Path, passages: int) -> None:
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    sentences = _source_sentences()
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


# ---------------------------------------------------------------- printing


def _print_size(size: str, r: dict[str, Any]) -> None:
    b, lat = r["build"], r["latency_ms"]
    kind = "synthetic" if r["synthetic"] else "real"
    print(f"\n== {size}: {r['passages']:,} passages, {r['sentences']:,} sentences ({kind}) ==")
    print(
        "query p50/p95 ms: total {t[p50]}/{t[p95]}; embed {e[p50]}, keyword {k[p50]}, dense {d[p50]}, "
        "rank {r[p50]}, format {f[p50]}".format(
            t=lat["total"], e=lat["embed"], k=lat["keyword"], d=lat["dense"], r=lat["rank"], f=lat["format"]
        )
    )
    print(
        f"reference (SentenceTransformer.encode + FAISS flat) p50 {r['reference_ms']['p50']} ms; "
        f"ratio {r['ratio_to_reference']}; a repeated question p50 {r['repeated_question_ms']['p50']} ms"
    )
    print(
        f"build: fresh {b['fresh_seconds']} s ({b['passages_per_second']} passages/s, {b['search']}); "
        f"unchanged {b['unchanged_rebuild_seconds']} s; "
        f"one article changed {b['one_article_rebuild_seconds']} s, "
        f"{b['one_article_rebuild_computed']} vectors computed"
        + (
            f"; real model {b['model_passages_per_second']} passages/s"
            if "model_passages_per_second" in b
            else ""
        )
    )
    recall = "".join(
        f"; ANN recall@10/@100, {kind} {v['@10']}/{v['@100']}" for kind, v in r.get("ann_recall", {}).items()
    )
    loaded, answered = r["rss_mb_index"], r["rss_mb_after_queries"]
    print(
        f"memory (total/private/mapped files MB): {loaded['total']}/{loaded['private']}/"
        f"{loaded['mapped_files']} after loading, {answered['total']}/{answered['private']}/"
        f"{answered['mapped_files']} after the questions; "
        f"disk {r['disk_mb']} MB; dense search {r['dense_search']}{recall}"
    )


if __name__ == "__main__":
    sys.exit(main())
