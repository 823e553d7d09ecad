"""python -m bot.fit [--ranker | --sentences | --quotes] [--squad DIR] [--count N] [--seed S]: fit a model.

Without a flag, fits bot/ranking/decision.py's logistic model (the answered decision) on the
tuning parts only (the SQuAD fit half, the team's own questions on the bundled article, the
library's tune part, the near misses' tune part) and writes bot/ranking/decision.json, on the
ranking the committed ranker.json and sentence.json give; its threshold is chosen on
cross-validated probabilities of the same data, within what keeps the development file's
figures (bot.ranking.decision.choose_threshold). ``--ranker`` fits the passage ranking
(ranker.json) and ``--sentences`` the answer sentence's choice (sentence.json), both listwise
(bot.ranking.ranker) on the same tuning parts. Run in the order --ranker, --sentences, none;
each is deterministic for a given seed and data. ``--quotes`` fits quotation search
(quotes.json) on the tune part of tests/data/quote_queries.jsonl, apart from the others.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from bot.cli import emit, note, run
from bot.config import Settings
from bot.embedding import Embedder, load_embedder
from bot.engine import open_engine
from bot.measure.beir import read_answers
from bot.measure.benchmarks import bench_index
from bot.measure.case import contains_any, read_jsonl
from bot.measure.decision_data import (
    DATA,
    NEAR_MISSES,
    SEED,
    Examples,
    decided_by_rule,
    squad_half,
    squad_questions,
    squad_siblings,
    top_evidence,
    top_passage,
)
from bot.measure.library import build_corpus, read_questions
from bot.measure.quote_queries import quotation_engine, quote_group, quote_queries
from bot.measure.rank_data import candidate_group, sentence_groups, text_answers
from bot.quote_search import QuoteSearcher
from bot.ranking.decision import (
    FALSE_ANSWER_COST,
    FEATURES,
    MODEL_FILE,
    Decision,
    choose_threshold,
    cross_validated,
    fit_logistic,
    kept_by,
    rates,
)
from bot.ranking.ranker import (
    QUOTE_FEATURES,
    QUOTE_FILE,
    RANK_FEATURES,
    RANKER_FILE,
    SENTENCE_FEATURES,
    SENTENCE_FILE,
    fit_listwise,
    fitted_ranker,
    fitted_sentence_ranker,
    ranker_to_json,
)
from bot.ranking.retriever import Retriever
from bot.ranking.weights import HAND_WEIGHTS, QUOTE_HAND_WEIGHTS, RankWeights

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEVELOPMENT = SHARED / "eval" / "case_questions.jsonl"
LIBRARY = DATA / "library"


# the decision is fitted on the top passages the product ranks: the fitted ranking, if any
PRODUCT_RANKING = dataclasses.replace(HAND_WEIGHTS, ranker=fitted_ranker(), answer=fitted_sentence_ranker())


@contextlib.contextmanager
def library_retriever(settings: Settings, embedder: Embedder, weights: RankWeights) -> Iterator[Retriever]:
    """A retriever over the test library, built in a scratch directory for the block."""
    with tempfile.TemporaryDirectory(prefix="casebot-fit-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        build_corpus(LIBRARY / "sources", corpus)
        lib_settings = dataclasses.replace(settings, corpus_dir=corpus, index_dir=Path(tmp) / "index")
        yield Retriever(open_engine(lib_settings, embedder, progress=note).index, embedder, weights=weights)


def gather(squad: Path, count: int, seed: int) -> tuple[Examples, Examples]:
    """The decision's examples from the tuning parts, and the development file's apart."""
    examples, development = Examples(), Examples()
    settings = Settings.from_env()
    embedder = load_embedder(settings.model, cache_dir=settings.cache_dir)
    near = [r["question"] for r in read_jsonl(NEAR_MISSES) if r["part"] == "tune"]
    # the bundled article: the team's own questions (all tuning) and the near misses' tune part
    bundled = Retriever(
        open_engine(settings, embedder, progress=note).index, embedder, weights=PRODUCT_RANKING
    )
    for row in read_jsonl(DATA / "questions.jsonl"):
        if row["kind"] in ("ask", "off_topic"):
            label = int(row["kind"] == "ask")
            examples.add(top_evidence(bundled, row["question"]), label, "bundled")
    for question in near:
        examples.add(top_evidence(bundled, question), 0, "bundled")
    # the development file (../shared/eval): not fitted on, a constraint on the threshold
    if DEVELOPMENT.exists():
        for row in read_jsonl(DEVELOPMENT):
            if row["kind"] in ("ask", "off_topic"):
                development.add(
                    top_evidence(bundled, row["question"]), int(row["kind"] == "ask"), "development"
                )
    # the test library's tune part, and the near misses again
    with library_retriever(settings, embedder, PRODUCT_RANKING) as library:
        for row in read_questions(LIBRARY / "questions.jsonl"):
            if row["part"] == "tune":
                examples.add(top_evidence(library, row["question"]), int(row["kind"] == "ask"), "library")
        for question in near:
            examples.add(top_evidence(library, question), 0, "library")
    # SQuAD's fit half: each question with its own article (answerable) and without it (not)
    index = bench_index(squad, settings, embedder, progress=note)
    retriever = Retriever(index, embedder, weights=PRODUCT_RANKING)
    for question, others in squad_questions(squad, index, "fit", count, seed):
        examples.add(top_evidence(retriever, question), 1, "squad")
        examples.add(top_evidence(retriever, question, only=others), 0, "squad")
    # ... and against the other paragraphs of its own article, where none holds the answer
    for question, siblings, strings in squad_siblings(squad, index, "fit", count, seed):
        found = top_passage(retriever, question, only=siblings)
        if (
            found
            and not decided_by_rule(retriever, *found)
            and not contains_any(index.passages[found[1].row].text, strings)
        ):
            examples.add(retriever.evidence(*found), 0, "squad")
    return examples, development


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.fit", description="Fit the answered decision.")
    parser.add_argument("--squad", type=Path, default=SHARED / "bench" / "squad-v1.1-dev")
    parser.add_argument("--count", type=int, default=800, help="SQuAD questions of the fit half")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, help="where to write (default: the model file beside its code)")
    parser.add_argument(
        "--ranker", action="store_true", help="fit the passage ranking (ranker.json) instead of the decision"
    )
    parser.add_argument(
        "--sentences",
        action="store_true",
        help="fit the answer-sentence ranking (sentence.json) instead of the decision",
    )
    parser.add_argument(
        "--quotes", action="store_true", help="fit the quotation search ranking (quotes.json) instead"
    )
    args = parser.parse_args(argv)
    if args.quotes:
        return run(lambda: _fit_quotes(args))
    return run(lambda: _fit_ranker(args) if args.ranker or args.sentences else _fit(args))


GroupsOf = Callable[[Retriever, str, Callable[[int], bool], list[str]], list[tuple[np.ndarray, np.ndarray]]]


def tuning_groups(
    squad: Path, count: int, seed: int, groups_of: GroupsOf
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``groups_of(retriever, question, answers, strings)`` for each question of the tuning parts
    (the SQuAD fit half: the gold passage answers; the team's questions on the bundled article
    and the library's tune part: a passage holding an answer string answers), each asked of its
    corpus with the hand formula's candidate search (a fitted ranking reorders candidates, it
    never finds others)."""
    settings = Settings.from_env()
    embedder = load_embedder(settings.model, cache_dir=settings.cache_dir)
    index = bench_index(squad, settings, embedder, progress=note)
    retriever = Retriever(index, embedder, weights=HAND_WEIGHTS)
    data, _, picked = squad_half(squad, "fit", seed)
    answers = read_answers(squad)
    groups = []
    for qid in picked[:count]:
        gold = set(data.qrels[qid])
        groups += groups_of(
            retriever,
            data.queries[qid],
            lambda row, gold=gold: index.passages.doc_id(row) in gold,
            answers.get(qid, []),
        )
    bundled = Retriever(open_engine(settings, embedder, progress=note).index, embedder, weights=HAND_WEIGHTS)
    for row in read_jsonl(DATA / "questions.jsonl"):
        if row["kind"] == "ask" and row.get("answers"):
            groups += groups_of(
                bundled, row["question"], text_answers(bundled, row["answers"]), row["answers"]
            )
    with library_retriever(settings, embedder, HAND_WEIGHTS) as library:
        for row in read_questions(LIBRARY / "questions.jsonl"):
            if row["part"] == "tune" and row["kind"] == "ask":
                groups += groups_of(
                    library, row["question"], text_answers(library, row["answers"]), row["answers"]
                )
    return groups


def _candidates(
    retriever: Retriever, question: str, answers: Callable[[int], bool], _strings: list[str]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For the passage ranking: the question's candidates and which of them answer it."""
    found = candidate_group(retriever, question, answers)
    return [found] if found else []


def _fit_ranker(args: argparse.Namespace) -> int:
    model = Settings.from_env().model
    if args.sentences:
        groups = tuning_groups(args.squad, args.count, args.seed, sentence_groups)
        features, out, what = SENTENCE_FEATURES, args.out or SENTENCE_FILE, "answering passages"
    else:
        groups = tuning_groups(args.squad, args.count, args.seed, _candidates)
        features, out, what = RANK_FEATURES, args.out or RANKER_FILE, "questions"
    return _write_ranking(groups, features, out, model, f"{what} of the tuning parts")


def _write_ranking(
    groups: list[tuple[np.ndarray, np.ndarray]], features: tuple[str, ...], out: Path, model: str, what: str
) -> int:
    """Fit a listwise ranking on ``groups``, print its coefficients and write it to ``out``."""
    ranker = fit_listwise(groups, model=model)
    for name, c in zip(features, ranker.coefficients, strict=True):
        emit(f"  {name:>20} {c:+.3f}")
    out.write_text(json.dumps(ranker_to_json(ranker, features), indent=1) + "\n", encoding="utf-8")
    emit(f"wrote {out} ({len(groups)} {what})")
    return 0


def _fit_quotes(args: argparse.Namespace) -> int:
    """Quotation search, fitted listwise on the quotation query file's tune part."""
    settings = Settings.from_env()
    embedder = load_embedder(settings.model, cache_dir=settings.cache_dir)
    with quotation_engine(settings, embedder, progress=note) as engine:
        searcher = QuoteSearcher(engine.index, embedder, weights=QUOTE_HAND_WEIGHTS)
        found = [quote_group(searcher, row) for row in quote_queries() if row["part"] == "tune"]
    groups = [g for g in found if g is not None]
    return _write_ranking(
        groups, QUOTE_FEATURES, args.out or QUOTE_FILE, settings.model, "queries of the tune part"
    )


def _fit(args: argparse.Namespace) -> int:
    examples, development = gather(args.squad, args.count, args.seed)
    x, y, w = examples.arrays()
    groups = np.array(examples.groups)
    if development.rows:
        dev_x, dev_y, _ = development.arrays()
    else:
        note(f"no development file at {DEVELOPMENT}: the threshold is chosen without its constraint")
        dev_x, dev_y = x[:0], y[:0]
    intercept, coefficients, mean, scale = fit_logistic(x, y, w)
    # the threshold from cross-validated probabilities (bot.ranking.decision.choose_threshold),
    # among those that keep the development file's figures what they are at 0.5
    held_out = cross_validated(x, y, w, groups, seed=args.seed)
    dev_p = Decision(intercept, tuple(coefficients), tuple(mean), tuple(scale)).probability(dev_x)
    threshold = choose_threshold(held_out, y, groups, allowed=kept_by(dev_p, dev_y))
    decision = Decision(
        intercept=round(intercept, 6),
        coefficients=tuple(round(float(c), 6) for c in coefficients),
        mean=tuple(round(float(m), 6) for m in mean),
        scale=tuple(round(float(s), 6) for s in scale),
        threshold=threshold,
        model=Settings.from_env().model,
    )
    emit(f"threshold {threshold} (a false answer costs {FALSE_ANSWER_COST:g} declined ones; cross-validated)")
    fitted = rates(decision.probability(x), y, groups, threshold)
    for group, (answered, declined) in rates(held_out, y, groups, threshold).items():
        yes, no = int(((groups == group) & (y == 1)).sum()), int(((groups == group) & (y == 0)).sum())
        emit(
            f"{group:>8}: answered {answered:.3f} of {yes} answerable, declined {declined:.3f} of {no} "
            f"unanswerable, held out (fitted on all: {fitted[group][0]:.3f}, {fitted[group][1]:.3f})"
        )
    for name, c in zip(FEATURES, decision.coefficients, strict=True):
        emit(f"  {name:>15} {c:+.3f}")
    out = args.out or MODEL_FILE
    out.write_text(json.dumps(decision.to_json(), indent=1) + "\n", encoding="utf-8")
    emit(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
