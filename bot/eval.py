"""python -m bot.eval: measure the product.

python -m bot.eval case FILE [--json]   score a case-question file (see ../shared/eval):
    ask rows (hit@1, hit@3, answer sentence@1, answered), off_topic rows (declined) and
    quote rows (the quotation, with the right speaker, in the top three)
python -m bot.eval beir DIR [--mode M] [--run FILE] [--json]   a BEIR-layout data set
python -m bot.eval squad DIR ...   like beir, plus the answer sentence of the top passage
python -m bot.eval library DIR [--json]   a library (DIR/sources, DIR/questions.jsonl, as
    tests/data/library): its sources added to a fresh corpus as bot.add does, each part of the
    question file scored apart (the tune part was looked at while building, the report part not)
python -m bot.eval report [--squad DIR] [--scifact DIR]   every reported part (paraphrases,
    near misses, the library's report part, SQuAD's test half and SciFact from ../shared/bench),
    the fitted ranking and decision beside the hand ones
python -m bot.eval quote-search [--json]   quotation search's look-up file
    (tests/data/quote_queries.jsonl), each part, the fitted ranking beside the hand formula
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

from bot.cli import add_location_args, emit, note, run, settings_from_args
from bot.config import Settings
from bot.corpus import CorpusError
from bot.embedding import load_embedder
from bot.engine import open_engine
from bot.ingest.extract import SourceError
from bot.measure.beir import BeirError, read_answers, read_beir
from bot.measure.benchmarks import bench_index, run_benchmark
from bot.measure.case import read_jsonl, score_case_file
from bot.measure.library import build_corpus, read_questions, score_library
from bot.ranking.score import MODES
from bot.terminal import json_line


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
    library = sub.add_parser("library", help="score a library's question file, each part apart")
    library.add_argument("dir", type=Path)
    library.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    report = sub.add_parser("report", help="every reported part, the fitted decision beside the hand rule")
    bench = Path(__file__).resolve().parents[1].parent / "shared" / "bench"
    report.add_argument("--squad", type=Path, default=bench / "squad-v1.1-dev")
    report.add_argument(
        "--scifact",
        type=Path,
        default=bench / "scifact",
        help="SciFact, reported only (its first index build embeds 64,000 texts: about 30 minutes)",
    )
    quotes = sub.add_parser("quotes", help="score a quotation set (speakers), each part apart")
    quotes.add_argument("dir", type=Path, help="a set: quotations.jsonl and articles/")
    quotes.add_argument("--library", type=Path, help="a test library's sources/, scored with the set")
    quotes.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    search = sub.add_parser(
        "quote-search", help="score quotation search's look-up file, each part apart, fitted and hand"
    )
    search.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    args = parser.parse_args(argv)
    if args.command == "quote-search":
        return run(lambda: _quote_search(args))
    if args.command == "quotes":
        return run(lambda: _quotes(args))
    if args.command == "report":
        return run(lambda: _report(args))
    if args.command == "library":
        return run(lambda: _library(args))
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
    embedder = load_embedder(settings.model, cache_dir=settings.cache_dir)
    index = bench_index(args.dir, settings, embedder, progress=note)
    modes: list[str] = list(MODES) if args.mode == "all" else [args.mode]
    results = run_benchmark(args.dir, (index, embedder), modes, answers=answers, run_file=args.run)
    if args.json:
        print(json.dumps(results))
        return 0
    print(
        f"{results['dataset']}: {results['queries']} queries, {len(index.articles)} documents, "
        f"{len(index.passages)} passages, model {index.model}"
    )
    for mode, metrics in results["modes"].items():
        emit(f"  {mode:>8}: " + "  ".join(f"{k} {v}" for k, v in metrics.items()))
    return 0


def _report(args: argparse.Namespace) -> int:
    from bot.measure.reported import reported

    figures = reported(args.squad, progress=note, scifact=args.scifact)
    emit(f"{'reported part':>32}  {'fitted':>8}  {'hand':>8}")
    for key in figures["fitted"]:
        emit(f"{key:>32}  {figures['fitted'][key]!s:>8}  {figures['hand'][key]!s:>8}")
    return 0


def _quote_search(args: argparse.Namespace) -> int:
    from bot.measure.quote_queries import QUOTE_QUERIES, quotation_engine, quote_queries, score_by_rule

    settings = Settings.from_env()
    embedder = load_embedder(settings.model, cache_dir=settings.cache_dir)
    rows = quote_queries()
    with quotation_engine(settings, embedder, progress=note) as engine:
        figures = score_by_rule(engine, rows)
        quotations = len(engine.index.quotations)
    if args.json:
        emit(json_line(figures))
        return 0
    emit(f"{QUOTE_QUERIES.name}: {len(rows)} look-ups over {quotations} quotations")
    emit(f"{'':>20}  {'fitted':>8}  {'hand':>8}")
    for part in ("report", "tune"):
        for key in ("queries", "top-1", "top-3"):
            fitted, hand = figures["fitted"][part][key], figures["hand"][part][key]
            emit(f"{part + ' ' + key:>20}  {fitted!s:>8}  {hand!s:>8}")
    for part in ("report", "tune"):
        if figures["fitted"][part]["misses"]:
            emit(f"\nMissed by the fitted ranking ({part}):")
            for miss in figures["fitted"][part]["misses"]:
                emit(f"  {miss}")
    return 0


def _quotes(args: argparse.Namespace) -> int:
    from bot.measure.quotations import score_quotations

    try:
        figures = score_quotations(args.dir, args.library)
    except (OSError, ValueError, SourceError, CorpusError) as exc:
        note(f"error: {exc}")
        return 2
    if args.json:
        print(json.dumps(figures))
        return 0
    for part, metrics in figures.items():
        emit(
            f"{part}: " + "  ".join(f"{k} {v}" for k, v in metrics.items() if k not in ("patterns", "wrong"))
        )
        for pattern, counts in metrics["patterns"].items():
            emit(f"  {pattern:>28}: " + "  ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def _library(args: argparse.Namespace) -> int:
    try:
        rows = read_questions(args.dir / "questions.jsonl")
    except (OSError, ValueError) as exc:
        note(f"error: cannot read {args.dir / 'questions.jsonl'}: {exc}")
        return 2
    with tempfile.TemporaryDirectory(prefix="casebot-library-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        try:
            doc_of = build_corpus(args.dir / "sources", corpus)
        except (OSError, SourceError, CorpusError) as exc:
            note(f"error: {exc}")
            return 2
        settings = dataclasses.replace(Settings.from_env(), corpus_dir=corpus, index_dir=Path(tmp) / "index")
        engine = open_engine(settings, progress=note)
        reports = score_library(engine, rows, doc_of)
    metrics = {part: r.metrics() for part, r in reports.items()}
    if args.json:
        emit(json_line({**metrics, "misses": {p: r.misses for p, r in reports.items()}}))
        return 0
    emit(f"library {args.dir}: {len(doc_of)} sources, model {engine.index.model}")
    keys = list(metrics["report"])
    emit(f"{'':>20}  {'report':>8}  {'tune':>8}")
    for key in keys:
        emit(f"{key:>20}  {metrics['report'][key]!s:>8}  {metrics['tune'][key]!s:>8}")
    for part in ("report", "tune"):
        if reports[part].misses:
            emit(f"\nMissed ({part}):")
            for miss in reports[part].misses:
                emit(f"  {miss}")
    return 0


def _case(args: argparse.Namespace) -> int:
    try:
        rows = read_jsonl(args.file)
    except (OSError, ValueError) as exc:
        note(f"error: cannot read {args.file}: {exc}")
        return 2
    engine = open_engine(settings_from_args(args), progress=note)
    report = score_case_file(engine, rows)
    metrics = report.metrics()
    if args.json:
        emit(json_line({**metrics, "misses": report.misses}))
        return 0
    for key, value in metrics.items():
        emit(f"{key:>20}: {value}")
    if report.misses:
        emit("\nMissed:")
        for miss in report.misses:
            emit(f"  {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
