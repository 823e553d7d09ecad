"""python -m bot.eval report: every reported part in one run, the fitted answered decision
beside today's hand threshold (bot.ranking.weights.HAND_WEIGHTS)."""

from __future__ import annotations

import dataclasses
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from bot.config import Settings
from bot.corpus_fields import slug
from bot.embedding import load_embedder
from bot.engine import Engine, open_engine
from bot.measure.beir import read_answers, read_beir
from bot.measure.benchmarks import bench_index, run_benchmark
from bot.measure.case import read_jsonl, score_case_file, share
from bot.measure.decision_data import (
    DATA,
    NEAR_MISSES,
    PARAPHRASES,
    SEED,
    squad_half,
    squad_questions,
    top_passage,
)
from bot.measure.library import build_corpus, read_questions, score_library
from bot.measure.quote_queries import quotation_engine, quote_queries, score_by_rule
from bot.questions import make_question
from bot.ranking.retriever import Retriever
from bot.ranking.weights import HAND_WEIGHTS, RANK_WEIGHTS, RankWeights

RULES = {"fitted": RANK_WEIGHTS, "hand": HAND_WEIGHTS}


def _with(engine: Engine, weights: RankWeights) -> Engine:
    return dataclasses.replace(engine, retriever=Retriever(engine.index, engine.embedder, weights=weights))


def _declined(engine: Engine, questions: list[str]) -> float | None:
    return share(sum(not engine.retriever.ask(q, k=3).answered for q in questions), len(questions))


def reported(
    squad: Path, progress: Any = None, count: int = 800, scifact: Path | None = None
) -> dict[str, dict[str, Any]]:
    """{rule: {figure: value}} over the reported parts (SciFact's when its directory exists)."""
    settings = Settings.from_env()
    embedder = load_embedder(settings.model, cache_dir=settings.cache_dir)
    near = [r["question"] for r in read_jsonl(NEAR_MISSES) if r["part"] == "report"]
    bundled = open_engine(settings, embedder, progress=progress)
    out: dict[str, dict[str, Any]] = {rule: {} for rule in RULES}
    # quotation search: the query file's reported part, over the quotation corpus (built first,
    # before the benchmarks' builds turn the embedder's progress bar on)
    with quotation_engine(settings, embedder, progress=progress) as quoting:
        quoted = {
            rule: {
                "quotation search top-1": parts["report"]["top-1"],
                "quotation search top-3": parts["report"]["top-3"],
            }
            for rule, parts in score_by_rule(quoting, quote_queries()).items()
        }
    with tempfile.TemporaryDirectory(prefix="casebot-report-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        doc_of = build_corpus(DATA / "library" / "sources", corpus)
        lib_settings = dataclasses.replace(settings, corpus_dir=corpus, index_dir=Path(tmp) / "index")
        library = open_engine(lib_settings, embedder, progress=progress)
        rows = read_questions(DATA / "library" / "questions.jsonl")
        grown = _grown(squad, corpus, Path(tmp), settings, embedder, progress)
        not_covered = near + [
            r["question"] for r in rows if r["part"] == "report" and r["kind"] == "off_topic"
        ]
        index = bench_index(squad, settings, embedder, progress=progress)
        squad_rows = squad_questions(squad, index, "test", count, SEED)
        sci_index = (
            bench_index(scifact, settings, embedder, progress=progress)
            if scifact is not None and (scifact / "corpus.jsonl").is_file()
            else None
        )
        for rule, weights in RULES.items():
            figures = out[rule]
            para = score_case_file(_with(bundled, weights), read_jsonl(PARAPHRASES)).metrics()
            figures["paraphrase top-1"] = para["hit@1"]
            figures["paraphrase sentence"] = para["answer_sentence@1"]
            figures["paraphrase answered"] = para["answered_in_scope"]
            figures["bundled: near misses declined"] = _declined(_with(bundled, weights), near)
            lib = score_library(_with(library, weights), rows, doc_of)["report"].metrics()
            figures["library top-1"] = lib["hit@1"]
            figures["library top-3"] = lib["hit@3"]
            figures["library answer sentence"] = lib["answer_sentence@1"]
            figures["library answered"] = lib["answered_in_scope"]
            figures["library not covered declined"] = lib["declined_off_topic"]
            figures["library: near misses declined"] = _declined(_with(library, weights), near)
            # the same questions the sources do not cover, as the corpus grows
            figures["growth: declined, bundled"] = _declined(_with(bundled, weights), not_covered)
            figures["growth: declined, library"] = _declined(_with(library, weights), not_covered)
            figures["growth: declined, +2,000 SQuAD"] = _declined(_with(grown, weights), not_covered)
            retriever = Retriever(index, embedder, weights=weights)
            answered = declined = 0
            for question, others in squad_rows:
                answered += _asks(retriever, question, None)
                declined += not _asks(retriever, question, others)
            figures["squad test answered"] = share(answered, len(squad_rows))
            figures["squad test declined"] = share(declined, len(squad_rows))
            # precision of "answered" when each question is asked once with and once without its article
            figures["squad test answered precision"] = share(answered, answered + len(squad_rows) - declined)
            figures.update(squad_ranking(retriever, squad, count))
            if scifact is not None and sci_index is not None:
                ranked = run_benchmark(
                    scifact,
                    (sci_index, embedder),
                    ["hybrid"],
                    retriever=Retriever(sci_index, embedder, weights=weights),
                )
                figures["scifact nDCG@10"] = ranked["modes"]["hybrid"]["ndcg@10"]
            else:
                figures["scifact nDCG@10"] = None
    for rule in RULES:
        out[rule].update(quoted[rule])
    return out


GROWTH_PARAGRAPHS = 2000


def _grown(squad: Path, library: Path, tmp: Path, settings: Settings, embedder: Any, progress: Any) -> Engine:
    """The library plus GROWTH_PARAGRAPHS SQuAD paragraphs (the first by id), as corpus files
    in a scratch directory: a corpus that grows, for the declined share to be measured on."""
    corpus = tmp / "grown"
    shutil.copytree(library, corpus)
    for article in sorted(read_beir(squad).articles, key=lambda a: a.doc_id)[:GROWTH_PARAGRAPHS]:
        title = " ".join(article.title.split()) or article.doc_id
        (corpus / f"squad-{slug(article.doc_id)}.md").write_text(
            f"---\ntitle: {title}\n---\n\n{article.body}\n", encoding="utf-8"
        )
    grown = dataclasses.replace(settings, corpus_dir=corpus, index_dir=tmp / "grown-index")
    return open_engine(grown, embedder, progress=progress)


def squad_ranking(retriever: Retriever, squad: Path, count: int) -> dict[str, float | None]:
    """The SQuAD test half's ranking: nDCG@10 and top-1 by document (a document scores by its
    best passage, as bot.eval squad does), and the answer sentence when the top one is right."""
    data, _, picked = squad_half(squad, "test", SEED)
    answers = read_answers(squad)
    index = retriever.index
    top1 = ndcg = 0.0
    sentence = sentence_total = 0
    for qid in picked[:count]:
        cleaned, _ = make_question(data.queries[qid])
        if cleaned is None:
            continue
        text = retriever.read(cleaned.text).text  # as Retriever.ask reads it
        ranked = retriever.rank(text, retriever.embedder.embed([text])[0], limit=30)
        docs = list(dict.fromkeys(index.passages.doc_id(p.row) for p in ranked))[:10]
        gold = set(data.qrels[qid])
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(gold), 10)))
        ndcg += sum(1 / math.log2(i + 2) for i, d in enumerate(docs) if d in gold) / ideal
        if docs and docs[0] in gold:
            top1 += 1
            best = ranked[0]
            body = index.articles[index.passages.doc_id(best.row)].body
            sentence_total += 1
            sentence += any(a in body[best.answer.start : best.answer.end] for a in answers.get(qid, []))
    n = min(count, len(picked))
    return {
        "squad test nDCG@10": round(ndcg / n, 4) if n else None,
        "squad test top-1": share(int(top1), n),
        "squad test answer sentence": share(sentence, sentence_total),
    }


def _asks(retriever: Retriever, question: str, only: np.ndarray | None) -> bool:
    """The decision on a question, asked of the rows ``only`` (all when None)."""
    found = top_passage(retriever, question, only)
    return bool(found) and retriever.answers(*found)
