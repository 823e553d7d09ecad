"""python -m bot.eval report: every reported part in one run, the fitted answered decision
beside today's hand threshold (bot.ranking.weights.HAND_WEIGHTS)."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from bot.config import Settings
from bot.embedding import load_embedder
from bot.engine import Engine, open_engine
from bot.measure.benchmarks import bench_index
from bot.measure.case import read_jsonl, score_case_file, share
from bot.measure.decision_data import (
    DATA,
    NEAR_MISSES,
    PARAPHRASES,
    SEED,
    squad_questions,
    top_passage,
)
from bot.measure.library import build_corpus, read_questions, score_library
from bot.ranking.retriever import Retriever
from bot.ranking.weights import HAND_WEIGHTS, RANK_WEIGHTS, RankWeights

RULES = {"fitted": RANK_WEIGHTS, "hand": HAND_WEIGHTS}


def _with(engine: Engine, weights: RankWeights) -> Engine:
    return dataclasses.replace(engine, retriever=Retriever(engine.index, engine.embedder, weights=weights))


def _declined(engine: Engine, questions: list[str]) -> float | None:
    return share(sum(not engine.retriever.ask(q, k=3).answered for q in questions), len(questions))


def reported(squad: Path, progress: Any = None, count: int = 800) -> dict[str, dict[str, Any]]:
    """{rule: {figure: value}} over the reported parts."""
    settings = Settings.from_env()
    embedder = load_embedder(settings.model, cache_dir=settings.cache_dir)
    near = [r["question"] for r in read_jsonl(NEAR_MISSES) if r["part"] == "report"]
    bundled = open_engine(settings, embedder, progress=progress)
    out: dict[str, dict[str, Any]] = {rule: {} for rule in RULES}
    with tempfile.TemporaryDirectory(prefix="casebot-report-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        doc_of = build_corpus(DATA / "library" / "sources", corpus)
        lib_settings = dataclasses.replace(settings, corpus_dir=corpus, index_dir=Path(tmp) / "index")
        library = open_engine(lib_settings, embedder, progress=progress)
        rows = read_questions(DATA / "library" / "questions.jsonl")
        index = bench_index(squad, settings, embedder, progress=progress)
        squad_rows = squad_questions(squad, index, "test", count, SEED)
        for rule, weights in RULES.items():
            figures = out[rule]
            para = score_case_file(_with(bundled, weights), read_jsonl(PARAPHRASES)).metrics()
            figures["paraphrase top-1"] = para["hit@1"]
            figures["paraphrase sentence"] = para["answer_sentence@1"]
            figures["paraphrase answered"] = para["answered_in_scope"]
            figures["bundled: near misses declined"] = _declined(_with(bundled, weights), near)
            lib = score_library(_with(library, weights), rows, doc_of)["report"].metrics()
            figures["library top-3"] = lib["hit@3"]
            figures["library answered"] = lib["answered_in_scope"]
            figures["library not covered declined"] = lib["declined_off_topic"]
            figures["library: near misses declined"] = _declined(_with(library, weights), near)
            retriever = Retriever(index, embedder, weights=weights)
            answered = declined = 0
            for question, others in squad_rows:
                answered += _asks(retriever, question, None)
                declined += not _asks(retriever, question, others)
            figures["squad test answered"] = share(answered, len(squad_rows))
            figures["squad test declined"] = share(declined, len(squad_rows))
    return out


def _asks(retriever: Retriever, question: str, only: np.ndarray | None) -> bool:
    """The decision on a question, asked of the rows ``only`` (all when None)."""
    found = top_passage(retriever, question, only)
    return bool(found) and retriever.answers(*found)
