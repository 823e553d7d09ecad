"""Quotation search ranked the same way as passages: its features, the hand formula for an index
of another model, and the query file's figures (the committed file: tests/test_ranker.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bot.config import Settings
from bot.embedding import load_embedder
from bot.engine import open_engine
from bot.measure.quote_queries import (
    QUOTE_QUERIES,
    is_sought,
    quotation_engine,
    quote_group,
    quote_queries,
    score_quote_queries,
)
from bot.quote_search import QuoteSearcher
from bot.ranking.ranker import QUOTE_FEATURES, LinearRanker
from bot.ranking.weights import QUOTE_HAND_WEIGHTS, QUOTE_WEIGHTS


def test_features_and_the_hand_formula_score_each_quotation(settings, fake_embedder) -> None:
    searcher = QuoteSearcher(
        open_engine(settings, fake_embedder).index, fake_embedder, weights=QUOTE_HAND_WEIGHTS
    )
    rows = list(range(len(searcher.index.quotations)))
    text = "what the judge said about Johnson"
    x = searcher.features(text, rows, fake_embedder.embed([text])[0])
    assert x.shape == (len(rows), len(QUOTE_FEATURES))
    assert set(np.unique(x[:, 3])) <= {0.0, 1.0} and set(np.unique(x[:, 4])) <= {0.0, 1.0}
    judge = [r for r in rows if (searcher.group_speaker(r) or "").startswith("the judge")]
    assert judge and x[judge, 4].all()  # the query names the judge
    w = QUOTE_HAND_WEIGHTS
    hand = w.quote * x[:, 0] + w.context * x[:, 1] + w.coverage * x[:, 2] - w.phrase_penalty * x[:, 3]
    assert searcher.score(x) == pytest.approx(hand + w.speaker_bonus * x[:, 4])
    # a fitted ranking on the speaker alone puts every one of the judge's quotations first
    only_speaker = LinearRanker((0.0, 0.0, 0.0, 0.0, 1.0), (0.0,) * 5, (1.0,) * 5, "")
    fitted = QuoteSearcher(searcher.index, fake_embedder, weights=dataclasses.replace(w, ranker=only_speaker))
    hits = fitted.search(text, k=len(judge)).hits
    assert hits and all((h.quotation.speaker or "").startswith("the judge") for h in hits)


def test_an_index_of_another_model_searches_quotations_by_the_hand_formula(settings, fake_embedder) -> None:
    index = open_engine(settings, fake_embedder).index
    assert QUOTE_WEIGHTS.ranker is not None and index.model != QUOTE_WEIGHTS.ranker.model
    assert QuoteSearcher(index, fake_embedder, weights=QUOTE_WEIGHTS).weights == QUOTE_HAND_WEIGHTS


def test_the_quotation_query_file_has_a_tune_and_a_report_part_on_different_articles() -> None:
    rows = quote_queries()
    parts = {r["part"] for r in rows}
    assert parts == {"tune", "report"} and len(rows) >= 60
    assert len({r["id"] for r in rows}) == len(rows) and len({r["query"] for r in rows}) == len(rows)
    assert all(r["quote_contains"] and r["speaker_contains"] for r in rows), QUOTE_QUERIES


@pytest.mark.model
def test_the_quotation_queries_with_the_real_model() -> None:
    """Every query's quotation is in the corpus; the figures as measured on
    2026-12-03: the fitted ranking ties the hand formula on the report part and wins on tune."""
    settings = Settings.from_env({}, dotenv=False)
    embedder = load_embedder(settings.model, cache_dir=settings.cache_dir)
    rows = quote_queries()
    with quotation_engine(settings, embedder) as engine:
        hand = QuoteSearcher(engine.index, embedder, weights=QUOTE_HAND_WEIGHTS)
        fitted = QuoteSearcher(engine.index, embedder, weights=QUOTE_WEIGHTS)
        quotations = engine.index.quotations
        missing = [
            r["id"]
            for r in rows
            if not any(is_sought(r, q.text, hand.group_speaker(n)) for n, q in enumerate(quotations))
        ]
        assert not missing  # each query's quotation is in the corpus, with that speaker
        # the fit's groups: the quotations a query is shown; a few hard queries show none it seeks
        groups = [quote_group(hand, r) for r in rows if r["part"] == "tune"]
        assert sum(g is not None and bool(g[1].any()) for g in groups) >= 30
        by_rule = {name: score_quote_queries(s, rows) for name, s in (("hand", hand), ("fitted", fitted))}
    assert by_rule["fitted"]["report"]["top-3"] >= 0.76 and by_rule["hand"]["report"]["top-3"] >= 0.76
    assert by_rule["fitted"]["tune"]["top-1"] >= by_rule["hand"]["tune"]["top-1"]
