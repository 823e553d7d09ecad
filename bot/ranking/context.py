"""What an article's metadata adds to a question: the keyword terms of its title, outlet and
author (a passage's context when it is ranked), and the outlets a question names, which it is
then answered from ("According to the Valley Gazette, how long had Johnson served?")."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bot.analysis import terms
from bot.index import Index
from bot.source_choice import NamedOutlets


@dataclass(frozen=True)
class Reading:
    """A question as it is searched (``text``), the articles it is asked of (None: all) and the
    outlets it names that chose them (empty when it names none, or ``source:`` chose)."""

    text: str
    sources: frozenset[str] | None = None
    outlets: tuple[str, ...] = ()


class ArticleContext:
    """Per index: each article's context terms (worked out once per article, when first asked
    for) and the outlets of its articles."""

    def __init__(self, index: Index, vocab: dict[str, int], article_of: np.ndarray) -> None:
        self.index = index
        self._vocab = vocab
        self._article_of = article_of
        self._terms: dict[int, frozenset[int]] = {}

    def holding(self, ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(candidates, terms): the title, outlet or author of the candidate's article holds
        the term."""
        wanted = ids.tolist()
        articles, inverse = np.unique(self._article_of[rows], return_inverse=True)
        table = np.array(
            [[t in self._terms_of(a) for t in wanted] for a in articles.tolist()], dtype=bool
        ).reshape(len(articles), len(wanted))
        return table[inverse]

    def _terms_of(self, article: int) -> frozenset[int]:
        """The vocabulary ids of the keyword terms of an article's title, outlet and author (a
        question may name its source: "according to The Evening Post"), once per article."""
        found = self._terms.get(article)
        if found is None:
            context = self.index.articles.contexts[article]
            found = frozenset(self._vocab[t] for t in terms(context) if t in self._vocab)
            self._terms[article] = found
        return found

    def named_sources(self, question: str) -> Reading | None:
        """The question asked of the articles of the outlets it names, without their names
        (None: it names no outlet, or nothing else)."""
        named, articles_of = self._outlets
        outlets, rest = named.named(question)
        if not outlets or not any(c.isalpha() for c in rest):
            return None
        return Reading(rest, frozenset().union(*(articles_of[o] for o in outlets)), tuple(outlets))

    @cached_property
    def _outlets(self) -> tuple[NamedOutlets, dict[str, frozenset[str]]]:
        """The corpus's outlets and each one's articles: made on the first question, not with
        the index (a large corpus has many articles)."""
        articles = self.index.articles
        of: dict[str, set[str]] = {}
        for doc, outlet in zip(articles, articles.outlets, strict=True):
            if outlet:
                of.setdefault(outlet, set()).add(doc)
        return NamedOutlets(of), {o: frozenset(docs) for o, docs in of.items()}
