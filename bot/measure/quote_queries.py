"""Quotation search measured: a query file over the quotation corpus, scored by part.

``tests/data/quote_queries.jsonl``: rows of ``query`` (what a reader would type into /quote),
``quote_contains`` (words of the quotation it looks for), ``speaker_contains`` (a part of its
speaker's name, any of them) and ``part`` ("tune": fitted on; "report": only reported). The
corpus is the quotation set's articles (``tests/data/quotations/articles``), the test
library's sources and the bundled article: 41 articles, 162 quotations, some reported by
several articles.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bot.config import Settings
from bot.embedding import Embedder
from bot.engine import Engine, open_engine
from bot.measure.case import fold, read_jsonl, share
from bot.measure.library import build_corpus
from bot.questions import EXAMPLE_QUERY, make_question
from bot.quote_search import QuoteSearcher
from bot.ranking.weights import QUOTE_HAND_WEIGHTS, QUOTE_WEIGHTS

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
QUOTE_QUERIES = DATA / "quote_queries.jsonl"
QUOTE_RULES = {"fitted": QUOTE_WEIGHTS, "hand": QUOTE_HAND_WEIGHTS}


@contextlib.contextmanager
def quotation_engine(settings: Settings, embedder: Embedder, progress: Any = None) -> Iterator[Engine]:
    """An engine over the quotation corpus, built in a scratch directory for the block."""
    with tempfile.TemporaryDirectory(prefix="casebot-quote-queries-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for path in [
            *sorted((DATA / "quotations" / "articles").glob("*.md")),
            *sorted((ROOT / "corpus").glob("*.md")),
        ]:
            shutil.copy(path, corpus / path.name)
        build_corpus(DATA / "library" / "sources", corpus)
        scratch = dataclasses.replace(settings, corpus_dir=corpus, index_dir=Path(tmp) / "index")
        yield open_engine(scratch, embedder, progress=progress)


def is_sought(row: dict[str, Any], text: str, speaker: str | None) -> bool:
    """A quotation with this text and speaker is the one the row looks for."""
    shown = (speaker or "").casefold()
    return fold(row["quote_contains"]) in fold(text) and any(
        s.casefold() in shown for s in row["speaker_contains"]
    )


def quote_group(searcher: QuoteSearcher, row: dict[str, Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """For the fit: a query's features over the quotations it would be shown (above the floor),
    and which of them it looks for (None: an unusable query or none shown)."""
    cleaned, _ = make_question(row["query"], example=EXAMPLE_QUERY, noun="search")
    if cleaned is None:
        return None
    rows = list(range(len(searcher.index.quotations)))
    x = searcher.features(cleaned.text, rows, searcher.embedder.embed([cleaned.text])[0])
    keep = searcher.shown(x)
    if not keep.any():
        return None
    quotations = searcher.index.quotations
    sought = np.array(
        [is_sought(row, quotations[r].text, searcher.group_speaker(r)) for r in np.flatnonzero(keep).tolist()]
    )
    return x[keep], sought


def score_quote_queries(searcher: QuoteSearcher, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per part: how often the quotation sought is the first hit and among the first three."""
    out = {}
    for part in ("tune", "report"):
        asked = first = three = 0
        misses = []
        for row in (r for r in rows if r["part"] == part):
            asked += 1
            hits = searcher.search(row["query"], k=3).hits
            found = [is_sought(row, h.quotation.text, h.quotation.speaker) for h in hits]
            first += bool(found) and found[0]
            three += any(found)
            if not any(found):
                misses.append(f"{row['id']} not in the top 3: {row['query']!r}")
        out[part] = {
            "queries": asked,
            "top-1": share(first, asked),
            "top-3": share(three, asked),
            "misses": misses,
        }
    return out


def score_by_rule(engine: Engine, rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """``score_quote_queries`` with the fitted ranking and with the hand formula."""
    return {
        rule: score_quote_queries(QuoteSearcher(engine.index, engine.embedder, weights=weights), rows)
        for rule, weights in QUOTE_RULES.items()
    }


def quote_queries() -> list[dict[str, Any]]:
    return read_jsonl(QUOTE_QUERIES)
