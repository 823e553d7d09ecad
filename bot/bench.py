"""python -m bot.bench: what an answer, a rebuild and the memory cost, from the case to 1M passages.

python -m bot.bench [--sizes case,10k,100k] [--queries 200] [--json] [--fresh]
                    [--questions FILE ...] [--benchmarks DIR]

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

"case" is the bundled corpus with the real model. Larger sizes are synthetic and say so (see
bot/measure/synthetic.py); the model's own embedding rate is measured on a sample and
reported. Scratch data goes to <CASEBOT_CACHE_DIR, default ~/.cache/casebot>/bench/scale.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.cli import note, run
from bot.config import PROJECT_ROOT, Settings
from bot.corpus import load_corpus
from bot.measure.synthetic import NoisyEmbedder, pool_vectors, source_sentences, write_synthetic_corpus

SIZES = {"case": 0, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
DEFAULT_QUESTIONS = [PROJECT_ROOT / "tests" / "data" / "questions.jsonl"]
DEFAULT_BENCHMARKS = PROJECT_ROOT.parent / "shared" / "bench"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sizes", default="case,10k,100k", help="comma-separated: case, 10k, 100k, 1m")
    parser.add_argument("--queries", type=int, default=200, help="questions timed per size")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--fresh", action="store_true", help="regenerate the synthetic corpora")
    parser.add_argument(
        "--questions",
        type=Path,
        action="append",
        help="case-question files whose questions are timed (default: tests/data/questions.jsonl "
        "and ../shared/eval/case_questions.jsonl when it is there)",
    )
    parser.add_argument(
        "--benchmarks",
        type=Path,
        default=DEFAULT_BENCHMARKS,
        help="folder of the BEIR sets whose text makes the synthetic corpora (default ../shared/bench)",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # internal: time queries on an index
    args = parser.parse_args(argv)
    if not args.questions:
        args.questions = [*DEFAULT_QUESTIONS, args.benchmarks.parent / "eval" / "case_questions.jsonl"]
    if args.child:
        from bot.measure.timing import read_questions, time_queries

        questions = read_questions(args.questions)
        return run(lambda: _print_json(time_queries(args.child, args.queries, questions, args.benchmarks)))
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {unknown[0]!r}: choose from {', '.join(SIZES)}")
    return run(lambda: _bench(sizes, args))


def _print_json(record: dict[str, Any]) -> int:
    print(json.dumps(record))
    return 0


def _bench(sizes: list[str], args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    root = settings.cache_dir / "bench" / "scale"
    root.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
        "sizes": {},
    }
    for size in sizes:
        note(f"[{size}] preparing")
        results["sizes"][size] = _one_size(size, root / size, args, settings)
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


def _one_size(size: str, work: Path, args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    from bot.embedding import Embedder, SentenceTransformerEmbedder
    from bot.index import build_index

    corpus, index_dir = work / "corpus", work / "index"
    real = SentenceTransformerEmbedder(cache_dir=settings.cache_dir)
    embedder: Embedder
    if size == "case":
        if args.fresh or not corpus.exists():
            shutil.rmtree(corpus, ignore_errors=True)
            shutil.copytree(Settings().corpus_dir, corpus)
        embedder = real
    else:
        sentences = lambda: source_sentences(args.benchmarks, Settings().corpus_dir)  # noqa: E731
        if args.fresh or not (corpus / ".complete").exists():
            write_synthetic_corpus(corpus, SIZES[size], sentences(), note)
        embedder = NoisyEmbedder(pool_vectors(work.parent / "pool.npy", sentences, real, note))
    ann = settings.ann_min_passages

    out: dict[str, Any] = {"synthetic": size != "case"}
    articles = load_corpus(corpus).articles
    shutil.rmtree(index_dir, ignore_errors=True)
    note(f"[{size}] fresh build of {len(articles)} articles")
    started = time.perf_counter()
    report = build_index(articles, embedder, index_dir, ann_min_passages=ann)
    fresh = time.perf_counter() - started
    out["passages"] = report.passages
    out["sentences"] = report.sentences
    out["build"] = {
        "fresh_seconds": round(fresh, 2),
        "passages_per_second": round(report.passages / fresh, 1),
        "search": report.search,
    }
    if size != "case":
        out["build"]["embedding"] = "synthetic vectors (blends of two real vectors + noise)"
        out["build"]["model_passages_per_second"] = _model_rate(real, articles)

    # a rebuild with nothing changed: reading the corpus included, as python -m bot.reindex does
    started = time.perf_counter()
    same = build_index(load_corpus(corpus).articles, embedder, index_dir, ann_min_passages=ann)
    out["build"]["unchanged_rebuild_seconds"] = round(time.perf_counter() - started, 3)
    out["build"]["unchanged_rebuild_computed"] = same.computed

    # one article changed: only its new text is embedded
    first = sorted(corpus.glob("*.md"))[0]
    original = first.read_bytes()
    first.write_text(first.read_text(encoding="utf-8") + "\n\nA paragraph added for the benchmark.\n")
    try:
        started = time.perf_counter()
        one = build_index(load_corpus(corpus).articles, embedder, index_dir, ann_min_passages=ann)
        out["build"]["one_article_rebuild_seconds"] = round(time.perf_counter() - started, 2)
        out["build"]["one_article_rebuild_computed"] = one.computed
    finally:
        first.write_bytes(original)  # the index keeps the extra paragraph; the next run starts fresh

    live = index_dir / "builds" / (index_dir / "CURRENT").read_text().strip()
    out["disk_mb"] = round(sum(f.stat().st_size for f in live.rglob("*") if f.is_file()) / 2**20, 1)
    note(f"[{size}] timing {args.queries} questions in a fresh process")
    command = [sys.executable, "-m", "bot.bench", "--child", str(index_dir), "--queries", str(args.queries)]
    command += ["--benchmarks", str(args.benchmarks)]
    for file in args.questions:
        command += ["--questions", str(file)]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "CASEBOT_CACHE_DIR": str(settings.cache_dir)}
    child = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, env=env)
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
settings = Settings.from_env(discord=True)
bot = make_bot(settings)
engine = open_engine(settings)
engine.embedder.embed(["warm up"])
assert engine.retriever.ask("What did the judge call Johnson?").hits
"""


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
        f"ratio {r['ratio_to_reference']}; a repeated question p50 {r['repeated_question_ms']['p50']} ms; "
        f"questions embedded by {r.get('question_encoder', '?')}"
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
