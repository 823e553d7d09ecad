"""The loaded product: settings -> index (built on first use) -> retriever.

Every entry point (terminal commands, the Discord bot) opens the engine through here, so
they all answer the same way.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bot.config import Settings
from bot.corpus import CorpusError, load_corpus
from bot.embedding import Embedder, load_embedder
from bot.index import (
    BuildReport,
    Index,
    IndexFormatOutdated,
    IndexMissing,
    StaleReport,
    build_index,
    load_index,
)
from bot.models import Article
from bot.quote_search import QuoteSearcher
from bot.ranking.retriever import Retriever
from bot.source_choice import match_sources, no_source


class CorpusBroken(RuntimeError):
    """The corpus has bad files; nothing was built and the old index stays."""

    def __init__(self, errors: tuple[CorpusError, ...]) -> None:
        self.errors = errors
        lines = [str(e) for e in errors]
        super().__init__(
            f"{len(errors)} corpus file(s) cannot be read; the index was not changed:\n  "
            + "\n  ".join(lines)
            + "\nFix them, or run python -m bot.reindex --skip-bad to index the others."
        )


@dataclass
class Engine:
    settings: Settings
    embedder: Embedder
    index: Index
    retriever: Retriever
    quotes: QuoteSearcher
    stale: StaleReport
    built: BuildReport | None = None  # set when this open had to build the index
    _sources: list[Article] | None = field(default=None, repr=False)
    _counts: dict[str, tuple[int, int]] | None = field(default=None, repr=False)
    _sources_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def sources(self) -> list[Article]:
        """Every article of the index with its citation fields (bodies left out), read once:
        slow on a large corpus, so call it off the event loop."""
        with self._sources_lock:
            if self._sources is None:
                self._sources = [dataclasses.replace(a, body="") for a in self.index.articles.values()]
            return self._sources

    def counts(self) -> dict[str, tuple[int, int]]:
        """Per article id: its number of passages and of quotations."""
        with self._sources_lock:
            if self._counts is None:
                passages = self.index.passages
                per_row = np.bincount(passages.article_of, minlength=len(passages.doc_ids)).tolist()
                quotes = Counter(q.doc_id for q in self.index.quotations)
                self._counts = {
                    doc: (n, quotes.get(doc, 0)) for doc, n in zip(passages.doc_ids, per_row, strict=True)
                }
            return self._counts

    def choose_sources(self, wanted: str | None) -> tuple[frozenset[str] | None, str | None]:
        """The article ids ``wanted`` names (None: every article), or a one-line notice when it
        names none."""
        if wanted is None:
            return None, None
        found = match_sources(self.sources(), wanted)
        if not found:
            return None, no_source(wanted)
        return frozenset(a.doc_id for a in found), None


def rebuild(
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    skip_bad: bool = False,
    progress: Callable[[str], None] | None = None,
    force: bool = False,
    wait: bool = False,
) -> tuple[BuildReport, tuple[CorpusError, ...]]:
    """Build the index from the corpus. Raises CorpusBroken unless ``skip_bad``."""
    loaded = load_corpus(settings.corpus_dir)
    if loaded.errors and not skip_bad:
        raise CorpusBroken(loaded.errors)
    if not loaded.articles:
        raise CorpusBroken(
            loaded.errors or (CorpusError(str(settings.corpus_dir), None, "no article files (*.md, *.txt)"),)
        )
    embedder = embedder or load_embedder(settings.model, cache_dir=settings.cache_dir)
    report = build_index(
        loaded.articles,
        embedder,
        settings.index_dir,
        ann_min_passages=settings.ann_min_passages,
        skipped=sorted({e.file for e in loaded.errors}),
        aliases=loaded.aliases,
        progress=progress,
        force=force,
        wait=wait,
    )
    return report, loaded.errors


def open_engine(
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    build_if_missing: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Engine:
    """Load the index (building it when there is none) and a retriever over it."""
    embedder = embedder or load_embedder(settings.model, cache_dir=settings.cache_dir)
    built = None
    try:
        index = load_index(settings.index_dir, model=embedder.name, fallback=True)
    except (IndexMissing, IndexFormatOutdated) as exc:
        if not build_if_missing:
            raise
        if progress:
            progress(
                "no index yet: building it from the corpus (first use only)"
                if isinstance(exc, IndexMissing)
                else "the index was written by an older version: rebuilding it (its vectors are reused)"
            )
        # a first use beside another (two terminals, the bot starting): wait for its build
        built, _ = rebuild(settings, embedder, progress=progress, wait=True)
        index = load_index(settings.index_dir, model=embedder.name)
    return assemble(settings, embedder, index, built=built)


def assemble(
    settings: Settings, embedder: Embedder, index: Index, *, built: BuildReport | None = None
) -> Engine:
    """An engine serving ``index`` (also used to swap in a reloaded index)."""
    return Engine(
        settings=settings,
        embedder=embedder,
        index=index,
        retriever=Retriever(index, embedder),
        quotes=QuoteSearcher(index, embedder),
        stale=index.stale_report(settings.corpus_dir),
        built=built,
    )
