"""Search the indexed quotations by meaning and words, filter and list them by speaker.

A quotation scores ``quote * cos(query, quotation) + context * cos(query, its sentence)
+ coverage * share`` (the IDF-free share of the query's keyword terms found in the
quotation, its sentence or its speaker's name), less ``phrase_penalty`` for quoted phrases
of one or two words, which rank below real statements, plus ``speaker_bonus`` when the query
names the speaker ("judge", "Kardashian"); the weights are a ``QuoteWeights``. Quotations
whose confidence (the better of the two cosines plus ``coverage * share``) is below ``floor``
are not shown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bot.analysis import terms
from bot.embedding import Embedder
from bot.index import Index
from bot.models import QuoteHit
from bot.questions import EXAMPLE_QUERY, Question, echo, make_question
from bot.ranking.weights import QUOTE_WEIGHTS, QuoteWeights


@dataclass(frozen=True)
class QuoteResult:
    query: str
    speaker: str | None
    hits: tuple[QuoteHit, ...]
    message: str | None = None


def speaker_matches(speaker: str | None, wanted: str) -> bool:
    """Case-insensitive: every word of ``wanted`` is in the speaker's name."""
    if not speaker:
        return False
    have = speaker.casefold()
    return all(word in have for word in wanted.casefold().split())


class QuoteSearcher:
    def __init__(self, index: Index, embedder: Embedder, *, weights: QuoteWeights = QUOTE_WEIGHTS) -> None:
        self.index = index
        self.embedder = embedder
        self.weights = weights

    def speakers(self) -> list[tuple[str, int]]:
        """Every named speaker with their number of quotations, most quoted first."""
        return list(self._speakers)

    @cached_property
    def _speakers(self) -> tuple[tuple[str, int], ...]:
        counts = Counter(q.speaker for q in self.index.quotations if q.speaker)
        return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold())))

    @cached_property
    def _terms(self) -> list[tuple[set[str], set[str]]]:
        """Per quotation: the terms of its text, sentence and speaker; and of its speaker's name."""
        out = []
        for q in self.index.quotations:
            body = self.index.articles[q.doc_id].body
            present = set(terms(q.context_text(body))) | set(terms(q.text)) | set(terms(q.speaker or ""))
            out.append((present, _speaker_terms(q.speaker)))
        return out

    def by_speaker(self, speaker: str, *, sources: frozenset[str] | None = None) -> QuoteResult:
        """All quotations of a speaker (in the articles ``sources``, if given), in corpus order."""
        hits = tuple(self._hit(i, 0.0) for i in self._rows(speaker, sources))
        return QuoteResult(query="", speaker=speaker, hits=hits)

    def search(
        self,
        query: Question | str,
        *,
        speaker: str | None = None,
        k: int = 5,
        sources: frozenset[str] | None = None,
    ) -> QuoteResult:
        """The quotations best matching ``query`` (a ``str`` is cleaned here), best first;
        ``sources`` (article ids): from those articles only."""
        if isinstance(query, str):
            cleaned, notice = make_question(query, example=EXAMPLE_QUERY, noun="search")
            if cleaned is None:
                return QuoteResult(query=echo(query), speaker=speaker, hits=(), message=notice)
            query = cleaned
        text = query.text
        rows = self._rows(speaker, sources)
        if not rows:
            return QuoteResult(query=query.raw, speaker=speaker, hits=())
        w = self.weights
        vector = self.embedder.embed([text])[0]
        quote_cos = np.asarray(self.index.quote_vectors[rows], dtype=np.float32) @ vector
        context_cos = np.asarray(self.index.quote_context_vectors[rows], dtype=np.float32) @ vector
        wanted = set(terms(text))
        scored = []
        for row, qc, cc in zip(rows, quote_cos, context_cos, strict=True):
            q = self.index.quotations[row]
            present, speaker_terms = self._terms[row]
            coverage = len(wanted & present) / len(wanted) if wanted else 0.0
            confidence = max(float(qc), float(cc)) + w.coverage * coverage
            if confidence < w.floor:
                continue
            score = w.quote * float(qc) + w.context * float(cc) + w.coverage * coverage
            if q.is_phrase:
                score -= w.phrase_penalty
            if wanted & speaker_terms:
                score += w.speaker_bonus
            scored.append((score, row))
        scored.sort(key=lambda s: (-s[0], s[1]))
        hits = tuple(self._hit(row, score) for score, row in scored[: max(k, 1)])
        return QuoteResult(query=query.raw, speaker=speaker, hits=hits)

    def _rows(self, speaker: str | None, sources: frozenset[str] | None) -> list[int]:
        """The quotations (in corpus order) of ``speaker`` in the articles ``sources`` (None: any)."""
        return [
            i
            for i, q in enumerate(self.index.quotations)
            if (speaker is None or speaker_matches(q.speaker, speaker))
            and (sources is None or q.doc_id in sources)
        ]

    def _hit(self, row: int, score: float) -> QuoteHit:
        q = self.index.quotations[row]
        return QuoteHit(quotation=q, article=self.index.articles[q.doc_id], score=score)


def _speaker_terms(speaker: str | None) -> set[str]:
    """The words that name a speaker: all of a name, the head of a role ("the judge ...")."""
    if not speaker:
        return set()
    words = speaker.split()
    if words[0].lower() == "the":
        words = words[:2]
    return set(terms(" ".join(words)))
