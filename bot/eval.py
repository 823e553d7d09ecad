"""python -m bot.eval: measure the product.

python -m bot.eval case FILE [--json]   score a case-question file (see ../shared/eval):
    ask rows (hit@1, hit@3, answer sentence@1, answered), off_topic rows (declined) and
    quote rows (the quotation, with the right speaker, in the top three)
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.beir import (
    BeirError,
    best_per_document,
    corpus_key,
    mrr_at,
    ndcg_at,
    read_answers,
    read_beir,
    recall_at,
    write_trec_run,
)
from bot.cli import add_location_args, note, run, settings_from_args
from bot.config import Settings
from bot.embedding import Embedder, SentenceTransformerEmbedder, load_embedder
from bot.engine import Engine, open_engine
from bot.retrieval import MODES, Retriever, clean_question
from bot.store import Index, build_index, load_index

BENCH_CANDIDATES = 300  # passages per query: enough for 100 distinct documents

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


def fold(text: str) -> str:
    """Fold whitespace and quote styles, as the case-question file specifies."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


def contains_any(text: str, answers: list[str]) -> bool:
    folded = fold(text)
    return any(fold(a) in folded for a in answers)


@dataclass
class CaseReport:
    asked: int = 0
    hit1: int = 0
    hit3: int = 0
    answer1: int = 0
    answered: int = 0
    off_topic: int = 0
    declined: int = 0
    quote_rows: int = 0
    quote3: int = 0
    misses: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, Any]:
        def share(n: int, d: int) -> float | None:
            return round(n / d, 4) if d else None

        return {
            "ask": self.asked,
            "hit@1": share(self.hit1, self.asked),
            "hit@3": share(self.hit3, self.asked),
            "answer_sentence@1": share(self.answer1, self.asked),
            "answered_in_scope": share(self.answered, self.asked),
            "off_topic": self.off_topic,
            "declined_off_topic": share(self.declined, self.off_topic),
            "quote": self.quote_rows,
            "quote@3": share(self.quote3, self.quote_rows),
        }


def score_case_file(engine: Engine, rows: list[dict[str, Any]]) -> CaseReport:
    report = CaseReport()
    for row in rows:
        kind = row.get("kind")
        name = row.get("id", "?")
        if kind == "ask":
            report.asked += 1
            answer = engine.retriever.ask(row["question"], k=3)
            hits = answer.hits
            top1 = bool(hits) and contains_any(hits[0].passage.text, row["answers"])
            top3 = any(contains_any(h.passage.text, row["answers"]) for h in hits[:3])
            sent1 = bool(hits) and contains_any(hits[0].answer_text, row["answers"])
            report.hit1 += top1
            report.hit3 += top3
            report.answer1 += sent1
            report.answered += answer.answered
            if not (top1 and top3 and sent1 and answer.answered):
                got = hits[0].answer_text if hits else "(no hit)"
                flags = [
                    n
                    for n, ok in (
                        ("top1", top1),
                        ("top3", top3),
                        ("sentence", sent1),
                        ("answered", answer.answered),
                    )
                    if not ok
                ]
                report.misses.append(f"{name} missed {','.join(flags)}: {row['question']!r} -> {got[:100]!r}")
        elif kind == "off_topic":
            report.off_topic += 1
            answer = engine.retriever.ask(row["question"], k=3)
            report.declined += not answer.answered
            if answer.answered:
                report.misses.append(f"{name} answered an off-topic question: {row['question']!r}")
        elif kind == "quote":
            report.quote_rows += 1
            result = engine.quotes.search(row["query"], k=3)
            found = any(
                fold(row["quote_contains"]) in fold(h.quotation.text)
                and any(
                    s.casefold() in (h.quotation.speaker or "").casefold() for s in row["speaker_contains"]
                )
                for h in result.hits[:3]
            )
            report.quote3 += found
            if not found:
                got = [(h.quotation.text[:40], h.quotation.speaker) for h in result.hits[:3]]
                report.misses.append(f"{name} quotation not in top 3: {row['query']!r} -> {got}")
    return report


def bench_index(directory: Path, settings: Settings, embedder: Embedder) -> Index:
    """The data set's index in a scratch directory, built (or refreshed) with the bot's code.

    Vectors are reused by content hash, so a rerun embeds nothing; an unchanged data set is
    loaded without rebuilding.
    """
    data_key = corpus_key(directory)
    scratch = (
        Path(os.environ.get("CASEBOT_CACHE_DIR") or Path.home() / ".cache" / "casebot") / "bench" / data_key
    )
    data = read_beir(directory)
    articles = [
        dataclasses.replace(a, content_hash=hashlib.sha256(f"{a.title}\n{a.body}".encode()).hexdigest())
        for a in data.articles
    ]
    if isinstance(embedder, SentenceTransformerEmbedder):
        embedder.show_progress = True
    # nothing is rebuilt when the scratch index matches the data set and the settings
    report = build_index(
        articles, embedder, scratch, ann_min_passages=settings.ann_min_passages, progress=note
    )
    if not report.unchanged:
        note(f"indexed {len(articles)} documents of {directory.name} in {scratch} (vectors are cached)")
    return load_index(scratch, model=embedder.name)


def run_benchmark(
    directory: Path,
    engine_parts: tuple[Index, Embedder],
    modes: list[str],
    *,
    answers: dict[str, list[str]] | None = None,
    run_file: Path | None = None,
) -> dict[str, Any]:
    """nDCG@10, Recall@100 and MRR@10 per mode (and, with answers, top-1 and answer sentence)."""
    index, embedder = engine_parts
    data = read_beir(directory)
    retriever = Retriever(index, embedder)
    qids = list(data.queries)
    cleaned = [clean_question(data.queries[q])[0] or data.queries[q] for q in qids]
    # one question at a time, as the bot embeds them (the lean encoder, not a batch)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.eval", description="Measure retrieval quality.")
    sub = parser.add_subparsers(dest="command", required=True)
    case = sub.add_parser("case", help="score a case-question file (JSON lines)")
    case.add_argument("file", type=Path)
    case.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    add_location_args(case)
    for name, help_text in (
        ("beir", "score a BEIR-layout data set (corpus.jsonl, queries.jsonl, qrels.tsv)"),
        ("squad", "like beir, plus how often the top passage's answer sentence holds a gold answer"),
    ):
        bench = sub.add_parser(name, help=help_text)
        bench.add_argument("dir", type=Path)
        bench.add_argument("--mode", choices=[*MODES, "all"], default="all")
        bench.add_argument("--run", type=Path, help="also write the ranking as a TREC run file")
        bench.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    args = parser.parse_args(argv)
    if args.command == "case":
        return run(lambda: _case(args))
    return run(lambda: _bench(args))


def _bench(args: argparse.Namespace) -> int:
    try:
        read_beir(args.dir)
        answers = read_answers(args.dir) if args.command == "squad" else None
    except BeirError as exc:
        note(f"error: {exc}")
        return 2
    settings = Settings.from_env()
    embedder = load_embedder(settings.model)
    index = bench_index(args.dir, settings, embedder)
    modes = list(MODES) if args.mode == "all" else [args.mode]
    results = run_benchmark(args.dir, (index, embedder), modes, answers=answers, run_file=args.run)
    if args.json:
        print(json.dumps(results))
        return 0
    print(
        f"{results['dataset']}: {results['queries']} queries, {len(index.articles)} documents, "
        f"{len(index.passages)} passages, model {index.model}"
    )
    for mode, metrics in results["modes"].items():
        print(f"  {mode:>8}: " + "  ".join(f"{k} {v}" for k, v in metrics.items()))
    return 0


def _case(args: argparse.Namespace) -> int:
    try:
        rows = [
            json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
    except (OSError, ValueError) as exc:
        note(f"error: cannot read {args.file}: {exc}")
        return 2
    engine = open_engine(settings_from_args(args), progress=note)
    report = score_case_file(engine, rows)
    metrics = report.metrics()
    if args.json:
        print(json.dumps({**metrics, "misses": report.misses}))
        return 0
    for key, value in metrics.items():
        print(f"{key:>20}: {value}")
    if report.misses:
        print("\nMissed:")
        for miss in report.misses:
            print(f"  {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
